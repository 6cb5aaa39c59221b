"""Writes of the action plan: every change an administrator makes in the back office.

Each service is keyword-only, runs in one transaction, checks that the actor is a system
administrator (``PermissionDenied`` otherwise), checks its input (``InvalidInput``), saves with
``update_fields`` and appends one audit event (``renaksi.*``) with what changed. Saving the same
values again changes nothing and writes no event. Who may read what is decided here too
(``may_view_progress``, ``sees_editors``), so the back office, the PDF and the tests share one
rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Manager, Max, QuerySet
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.agencies.models import Agency
from aduan.complaints.policies import staff_roles
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.core.uploads import check_upload
from aduan.renaksi.models import (
    FIRST_YEAR,
    LAST_YEAR,
    SCORE_MAX,
    SCORE_MIN,
    Activity,
    ActivityParty,
    ActivityStatus,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    PlanYear,
    Program,
    ProgramGroup,
)

EDITOR_ROLES = (Role.ADMIN,)
VIEWER_ROLES = (Role.LEADERSHIP, Role.ADMIN, Role.MONITOR)
# Who changed what is shown to leadership and administrators; monitors (external evaluators)
# see the progress, notes and evidence, but not the names of the officers.
PEOPLE_ROLES = (Role.LEADERSHIP, Role.ADMIN)

CODE_RE = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
MAX_NOTE = 5000
MAX_PARTIES = 30


# --- who may do what -----------------------------------------------------------------------


def may_edit_plan(user: Any) -> bool:
    """System administrators (an instansi-wide membership) change the plan."""
    roles = staff_roles(user)
    return any(role in roles.instansi_wide for role in EDITOR_ROLES)


def may_view_progress(user: Any) -> bool:
    """Leadership, system administrators and monitors see the progress page and its report."""
    roles = staff_roles(user)
    return any(role in roles.instansi_wide for role in VIEWER_ROLES)


def sees_editors(user: Any) -> bool:
    """May see who updated a year or added evidence."""
    roles = staff_roles(user)
    return any(role in roles.instansi_wide for role in PEOPLE_ROLES)


def _ensure_editor(actor: Any) -> None:
    if not may_edit_plan(actor):
        raise PermissionDenied(_("Only system administrators may change the action plan."))


# --- input checks --------------------------------------------------------------------------


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _("Choose a year between %(first)s and %(last)s."), first=FIRST_YEAR, last=LAST_YEAR
        )
    return year


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if not code or len(code) > 20 or not CODE_RE.match(code):
        raise InvalidInput(
            _("A code is letters or digits separated by dots, such as %(example)s."),
            example="II.1.2",
        )
    return code


def _check_text(value: str, *, label: Any, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s cannot be empty."), field=label)
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is too long: at most %(limit)s characters."), field=label, limit=limit
        )
    return value


def _check_score(value: Decimal) -> Decimal:
    try:
        score = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("A score is a number such as 2.5.")) from None
    if not Decimal(SCORE_MIN) <= score <= Decimal(SCORE_MAX):
        raise InvalidInput(
            _("A score is between %(min)s and %(max)s."), min=SCORE_MIN, max=SCORE_MAX
        )
    return score


def _plan_years() -> set[int]:
    return set(PlanYear.objects.values_list("year", flat=True))


Coded = Program | Activity | AssessmentIndicator


def _refuse_taken_code(model: type[Coded], code: str, instance: Coded | None, message: Any) -> None:
    """Refuse ``code`` when another row of ``model`` than ``instance`` (None: new) has it, in
    any case ("ii.1.2" is "II.1.2")."""
    clash = model.objects.filter(code__iexact=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise InvalidInput(message, code=code)


def _next_position(rows: QuerySet[Any] | Manager[Any]) -> int:
    return (rows.aggregate(top=Max("position"))["top"] or 0) + 1


def _stamp_and_save(row: Coded, *, actor: Any, created: bool, fields: Sequence[str]) -> None:
    """Save a created row whole, or a changed one's ``fields``, with who changed it and when."""
    row.updated_by = actor
    row.updated_at = clock.now()
    if created:
        row.save()
    else:
        row.save(update_fields=[*fields, "updated_by", "updated_at"])


# --- plan years ----------------------------------------------------------------------------


@transaction.atomic
def plan_year_add(*, actor: Any, year: int, activities: Sequence[Activity] = ()) -> PlanYear:
    """Add a year to the plan (e.g. 2025) and plan the given activities in it.

    An existing year may be given again to plan more activities in it; a year that exists with
    no activity to add is refused. Writes ``renaksi.year_added``.
    """
    _ensure_editor(actor)
    _check_year(year)
    plan_year, created = PlanYear.objects.get_or_create(
        year=year, defaults={"added_by": actor, "added_at": clock.now()}
    )
    already = set(
        ActivityYear.objects.filter(year=year, activity__in=activities).values_list(
            "activity_id", flat=True
        )
    )
    new = [activity for activity in activities if activity.pk not in already]
    if not created and not new:
        raise InvalidInput(_("%(year)s is already a year of the plan."), year=year)
    ActivityYear.objects.bulk_create(ActivityYear(activity=activity, year=year) for activity in new)
    audit_log(
        actor=actor,
        action="renaksi.year_added",
        target=plan_year,
        data={
            "year": year,
            "new_year": created,
            "activities": sorted(activity.code for activity in new),
        },
    )
    return plan_year


# --- programs and activities ---------------------------------------------------------------


def _program_snapshot(program: Program) -> dict[str, Any]:
    return {
        "group": program.group.number,
        "code": program.code,
        "title": program.title,
        "description": program.description,
    }


@transaction.atomic
def program_save(
    *,
    actor: Any,
    group: ProgramGroup,
    code: str,
    title: str = "",
    description: str = "",
    program: Program | None = None,
) -> Program:
    """Create a program in a group, or change one. Writes ``renaksi.program_created`` or
    ``renaksi.program_changed`` (before and after)."""
    _ensure_editor(actor)
    code = _check_code(code)
    title = _check_text(title, label=_("Title"), limit=300)
    description = _check_text(description, label=_("Description"), limit=MAX_NOTE)
    _refuse_taken_code(Program, code, program, _("Another program has the code %(code)s."))
    if program is None:
        program = Program(group=group, position=_next_position(Program.objects.filter(group=group)))
        before = None
    else:
        program = Program.objects.select_for_update().select_related("group").get(pk=program.pk)
        before = _program_snapshot(program)
    program.group = group
    program.code = code
    program.title = title
    program.description = description
    after = _program_snapshot(program)
    if before == after:
        return program
    _stamp_and_save(
        program,
        actor=actor,
        created=before is None,
        fields=["group", "code", "title", "description"],
    )
    audit_log(
        actor=actor,
        action="renaksi.program_created" if before is None else "renaksi.program_changed",
        target=program,
        data={"before": before, "after": after},
    )
    return program


@dataclass(frozen=True)
class PartyInput:
    """A party involved in an activity: a name, and the agency when it is one of ours."""

    name: str
    agency: Agency | None = None


def _activity_snapshot(activity: Activity, parties: list[list[Any]], years: list[int]) -> dict:
    return {
        "program": activity.program.code,
        "code": activity.code,
        "title": activity.title,
        "description": activity.description,
        "parties": parties,
        "years": years,
    }


def _party_rows(activity: Activity) -> list[list[Any]]:
    return [
        [party.name, party.agency.code if party.agency else None]
        for party in activity.parties.select_related("agency")
    ]


@transaction.atomic
def activity_save(
    *,
    actor: Any,
    program: Program,
    code: str,
    title: str,
    description: str = "",
    parties: Sequence[PartyInput] = (),
    years: Sequence[int] | None = None,
    activity: Activity | None = None,
) -> Activity:
    """Create an activity, or change one: program, code, title, description, the parties
    involved and the plan years it is planned in (None: keep them; none for a new activity).

    Years must be years of the plan. A year can be taken off an activity only while nothing was
    recorded for it (still planned, no note, no evidence). Writes ``renaksi.activity_created``
    or ``renaksi.activity_changed`` (before and after).
    """
    _ensure_editor(actor)
    code = _check_code(code)
    title = _check_text(title, label=_("Title"), limit=500, required=True)
    description = _check_text(description, label=_("Description"), limit=MAX_NOTE)
    if len(parties) > MAX_PARTIES:
        raise InvalidInput(_("At most %(count)s parties per activity."), count=MAX_PARTIES)
    party_rows: list[list[Any]] = []
    seen: set[str] = set()
    for party in parties:
        name = _check_text(party.name, label=_("Party"), limit=200, required=True)
        if name.casefold() in seen:
            raise InvalidInput(_("%(name)s is named twice."), name=name)
        seen.add(name.casefold())
        party_rows.append([name, party.agency.code if party.agency else None])
    wanted_years = sorted({_check_year(int(year)) for year in years or ()})
    plan_years = _plan_years()
    unknown = [year for year in wanted_years if year not in plan_years]
    if unknown:
        raise InvalidInput(_("Add %(year)s to the plan first."), year=unknown[0])
    _refuse_taken_code(Activity, code, activity, _("Another activity has the code %(code)s."))

    if activity is None:
        activity = Activity(program=program, position=_next_position(program.activities))
        before = None
        current_years: dict[int, ActivityYear] = {}
    else:
        activity = (
            Activity.objects.select_for_update().select_related("program").get(pk=activity.pk)
        )
        current_years = {row.year: row for row in activity.years.select_for_update()}
        before = _activity_snapshot(activity, _party_rows(activity), sorted(current_years))
        if years is None:
            wanted_years = sorted(current_years)
    activity.program = program
    activity.code = code
    activity.title = title
    activity.description = description
    after = _activity_snapshot(activity, party_rows, wanted_years)
    if before == after:
        return activity

    removed = [row for year, row in current_years.items() if year not in wanted_years]
    if removed:
        recorded = set(
            Evidence.objects.filter(activity_year__in=removed).values_list(
                "activity_year_id", flat=True
            )
        )
        for row in removed:
            if row.status != ActivityStatus.PLANNED or row.note or row.pk in recorded:
                raise InvalidInput(
                    _(
                        "%(year)s cannot be taken off this activity: a status, a note or "
                        "evidence is recorded for it."
                    ),
                    year=row.year,
                )
    _stamp_and_save(
        activity,
        actor=actor,
        created=before is None,
        fields=["program", "code", "title", "description"],
    )
    if before is None or before["parties"] != party_rows:
        activity.parties.all().delete()
        ActivityParty.objects.bulk_create(
            ActivityParty(
                activity=activity, position=index, name=party.name.strip(), agency=party.agency
            )
            for index, party in enumerate(parties, start=1)
        )
    ActivityYear.objects.filter(pk__in=[row.pk for row in removed]).delete()
    ActivityYear.objects.bulk_create(
        ActivityYear(activity=activity, year=year)
        for year in wanted_years
        if year not in current_years
    )
    audit_log(
        actor=actor,
        action="renaksi.activity_created" if before is None else "renaksi.activity_changed",
        target=activity,
        data={"before": before, "after": after},
    )
    return activity


@transaction.atomic
def activity_year_update(
    *, actor: Any, activity_year: ActivityYear, status: str, note: str = ""
) -> ActivityYear:
    """Set an activity's status in a year and its internal note. Writes
    ``renaksi.activity_year_changed`` (the statuses; whether the note changed, not its text)."""
    _ensure_editor(actor)
    if status not in ActivityStatus.values:
        raise InvalidInput(_("Choose a status from the list."))
    note = _check_text(note, label=_("Note"), limit=MAX_NOTE)
    row = (
        ActivityYear.objects.select_for_update().select_related("activity").get(pk=activity_year.pk)
    )
    if row.status == status and row.note == note:
        return row
    before_status, note_changed = row.status, row.note != note
    row.status = status
    row.note = note
    row.updated_by = actor
    row.updated_at = clock.now()
    row.save(update_fields=["status", "note", "updated_by", "updated_at"])
    audit_log(
        actor=actor,
        action="renaksi.activity_year_changed",
        target=row,
        data={
            "activity": row.activity.code,
            "year": row.year,
            "before": before_status,
            "after": status,
            "note_changed": note_changed,
        },
    )
    return row


# --- evidence ------------------------------------------------------------------------------


def _evidence_data(row: ActivityYear, evidence: Evidence) -> dict[str, Any]:
    """What the audit events of a piece of evidence record."""
    return {
        "activity": row.activity.code,
        "year": row.year,
        "evidence": evidence.pk,
        "kind": "file" if evidence.is_file else "link",
        "sha256": evidence.sha256,
    }


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(_("Enter a link that starts with http:// or https://.")) from None
    if len(url) > 500:
        raise InvalidInput(_("The link is too long: at most 500 characters."))
    return url


@transaction.atomic
def evidence_add(
    *,
    actor: Any,
    activity_year: ActivityYear,
    title: str = "",
    url: str = "",
    upload: File[Any] | None = None,
) -> Evidence:
    """Add evidence to an activity's year: a file (photo or PDF) or a link, not both.
    Writes ``renaksi.evidence_added``."""
    _ensure_editor(actor)
    title = _check_text(title, label=_("Title"), limit=300)
    has_url = bool((url or "").strip())
    if has_url == (upload is not None):
        raise InvalidInput(_("Give either a file or a link."))
    row = (
        ActivityYear.objects.select_for_update().select_related("activity").get(pk=activity_year.pk)
    )
    evidence = Evidence(activity_year=row, title=title, added_by=actor, added_at=clock.now())
    if upload is None:
        evidence.url = _check_url(url)
        evidence.save()
    else:
        checked = check_upload(upload, default_name="bukti")
        evidence.original_name = checked.name
        evidence.content_type = checked.content_type
        evidence.size = checked.size
        evidence.sha256 = checked.sha256
        evidence.file.save(checked.name, upload, save=False)
    try:
        if evidence.pk is None:
            evidence.save()
        audit_log(
            actor=actor,
            action="renaksi.evidence_added",
            target=row,
            data=_evidence_data(row, evidence),
        )
    except BaseException:
        # Files are not transactional: the stored file goes when its row does not come.
        if evidence.file:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, actor: Any, evidence: Evidence) -> None:
    """Remove a piece of evidence (its file is deleted once the removal commits). Writes
    ``renaksi.evidence_removed``."""
    _ensure_editor(actor)
    item = (
        Evidence.objects.select_for_update()
        .select_related("activity_year__activity")
        .get(pk=evidence.pk)
    )
    row = item.activity_year
    stored = item.file.name if item.file else ""
    storage = item.file.storage
    data = _evidence_data(row, item)
    item.delete()
    audit_log(actor=actor, action="renaksi.evidence_removed", target=row, data=data)
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


# --- self-assessment -----------------------------------------------------------------------


def _indicator_snapshot(indicator: AssessmentIndicator) -> dict[str, Any]:
    return {
        "aspect": indicator.aspect.code,
        "code": indicator.code,
        "title": indicator.title,
        "description": indicator.description,
        "is_active": indicator.is_active,
    }


@transaction.atomic
def indicator_save(
    *,
    actor: Any,
    aspect: Aspect,
    code: str,
    title: str,
    description: str = "",
    is_active: bool = True,
    indicator: AssessmentIndicator | None = None,
) -> AssessmentIndicator:
    """Create an indicator of the self-assessment matrix under an aspect, or change one.
    Writes ``renaksi.indicator_created`` or ``renaksi.indicator_changed``."""
    _ensure_editor(actor)
    code = _check_code(code)
    title = _check_text(title, label=_("Title"), limit=300, required=True)
    description = _check_text(description, label=_("Description"), limit=MAX_NOTE)
    _refuse_taken_code(
        AssessmentIndicator, code, indicator, _("Another indicator has the code %(code)s.")
    )
    if indicator is None:
        indicator = AssessmentIndicator(aspect=aspect, position=_next_position(aspect.indicators))
        before = None
    else:
        indicator = (
            AssessmentIndicator.objects.select_for_update()
            .select_related("aspect")
            .get(pk=indicator.pk)
        )
        before = _indicator_snapshot(indicator)
    indicator.aspect = aspect
    indicator.code = code
    indicator.title = title
    indicator.description = description
    indicator.is_active = is_active
    after = _indicator_snapshot(indicator)
    if before == after:
        return indicator
    _stamp_and_save(
        indicator,
        actor=actor,
        created=before is None,
        fields=["aspect", "code", "title", "description", "is_active"],
    )
    audit_log(
        actor=actor,
        action="renaksi.indicator_created" if before is None else "renaksi.indicator_changed",
        target=indicator,
        data={"before": before, "after": after},
    )
    return indicator


@dataclass(frozen=True)
class ScoreInput:
    """An indicator's score in the year (None: not assessed) and a note."""

    score: Decimal | None
    note: str = ""


@dataclass(frozen=True)
class PriorityInput:
    """An aspect's place in the year's priority order (None: none) and the reason."""

    rank: int | None
    reason: str = ""


def _score_text(score: Decimal | None) -> str | None:
    return None if score is None else f"{score:.2f}"


@transaction.atomic
def assessment_set(
    *,
    actor: Any,
    year: int,
    scores: Mapping[AssessmentIndicator, ScoreInput],
    priorities: Mapping[Aspect, PriorityInput],
) -> int:
    """Enter the self-assessment of a year, all or nothing: the indicators' scores and notes,
    and the aspects' priority order with the reasons.

    A score or rank of None removes what was recorded. Ranks of a year are distinct and between
    1 and the number of aspects. Writes one ``renaksi.assessment_changed`` event per aspect whose
    scores or priority changed (before and after); returns how many rows changed.
    """
    _ensure_editor(actor)
    _check_year(year)
    checked_scores = {
        indicator: (
            None if item.score is None else _check_score(item.score),
            _check_text(item.note, label=_("Note"), limit=MAX_NOTE),
        )
        for indicator, item in scores.items()
    }
    aspect_count = Aspect.objects.count()
    checked_priorities: dict[Aspect, tuple[int | None, str]] = {}
    taken: set[int] = set()
    for aspect, item in priorities.items():
        reason = _check_text(item.reason, label=_("Reason"), limit=MAX_NOTE)
        if item.rank is not None:
            if not 1 <= item.rank <= aspect_count:
                raise InvalidInput(_("A priority is between 1 and %(count)s."), count=aspect_count)
            if item.rank in taken:
                raise InvalidInput(_("Two aspects cannot share priority %(rank)s."), rank=item.rank)
            taken.add(item.rank)
        elif reason:
            raise InvalidInput(
                _("Give %(aspect)s a priority, or leave its reason empty."), aspect=aspect.name
            )
        checked_priorities[aspect] = (item.rank, reason)

    now = clock.now()
    changes: dict[int, dict[str, Any]] = {}
    aspects_by_id: dict[int, Aspect] = {}
    changed_rows = 0

    existing_scores = {
        row.indicator_id: row
        for row in AssessmentScore.objects.select_for_update().filter(
            year=year, indicator__in=list(checked_scores)
        )
    }
    for indicator, (score, note) in checked_scores.items():
        row = existing_scores.get(indicator.pk)
        before = None if row is None else [_score_text(row.score), row.note]
        after = None if score is None else [_score_text(score), note]
        if before == after:
            continue
        if score is None:
            assert row is not None
            row.delete()
        elif row is None:
            AssessmentScore.objects.create(
                indicator=indicator,
                year=year,
                score=score,
                note=note,
                updated_by=actor,
                updated_at=now,
            )
        else:
            row.score, row.note, row.updated_by, row.updated_at = score, note, actor, now
            row.save(update_fields=["score", "note", "updated_by", "updated_at"])
        changed_rows += 1
        aspects_by_id[indicator.aspect_id] = indicator.aspect
        entry = changes.setdefault(indicator.aspect_id, {"year": year, "scores": {}})
        entry["scores"][indicator.code] = {"before": before, "after": after}

    existing_priorities = {
        row.aspect_id: row for row in AspectPriority.objects.select_for_update().filter(year=year)
    }
    # Ranks must stay distinct with the rows not given here too.
    given = {aspect.pk for aspect in checked_priorities}
    for aspect_id, other in existing_priorities.items():
        if aspect_id not in given and other.rank in taken:
            raise InvalidInput(_("Two aspects cannot share priority %(rank)s."), rank=other.rank)
    for aspect, (rank, reason) in checked_priorities.items():
        priority_row = existing_priorities.get(aspect.pk)
        before_priority = None if priority_row is None else [priority_row.rank, priority_row.reason]
        after_priority = None if rank is None else [rank, reason]
        if before_priority == after_priority:
            continue
        if rank is None:
            assert priority_row is not None
            priority_row.delete()
        elif priority_row is None:
            AspectPriority.objects.create(
                aspect=aspect, year=year, rank=rank, reason=reason, updated_by=actor, updated_at=now
            )
        else:
            priority_row.rank, priority_row.reason = rank, reason
            priority_row.updated_by, priority_row.updated_at = actor, now
            priority_row.save(update_fields=["rank", "reason", "updated_by", "updated_at"])
        changed_rows += 1
        aspects_by_id[aspect.pk] = aspect
        entry = changes.setdefault(aspect.pk, {"year": year, "scores": {}})
        entry["priority"] = {"before": before_priority, "after": after_priority}

    for aspect_id in sorted(changes):
        audit_log(
            actor=actor,
            action="renaksi.assessment_changed",
            target=aspects_by_id[aspect_id],
            data=changes[aspect_id],
        )
    return changed_rows
