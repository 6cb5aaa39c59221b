"""The complaint lifecycle (DESIGN §3): one function per transition, used by every caller.

Each service locks the complaint row, checks the actor's permission, then the state, writes its
changes with ``update_fields``, appends the audit event and the outbox rows — all in one
transaction, so a refused or failed call leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.agencies.models import Agency, Category, CategoryField, Region
from aduan.complaints import policies
from aduan.complaints.models import (
    OPEN_STATUSES,
    ArchiveReason,
    Attachment,
    Channel,
    Clock,
    Complaint,
    Dispatch,
    Follower,
    FollowUp,
    Instruction,
    Kind,
    Note,
    ReporterReply,
    Status,
    Support,
)
from aduan.complaints.policies import GuestPass, staff_roles
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.calendar import add_working_days, end_of_day, local_date, working_days_between
from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.core.uploads import CheckedUpload, check_upload
from aduan.knowledge.selectors import offered_templates
from aduan.monitoring import rollups
from aduan.notifications.models import Audience, OutboxMessage
from aduan.notifications.services import outbox_enqueue

# Letters and digits that cannot be confused when read aloud or copied by hand
# (no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B).
TRACKING_ALPHABET = "3479ACDEFGHJKMNPQRTUVWXY"
TRACKING_BODY_LENGTH = 8
GUEST_SECRET_LENGTH = 12
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MIN_DESCRIPTION = 10
MAX_TEXT = 10_000

Actor = Any  # a User, a GuestPass, or None for the system


# --- helpers -------------------------------------------------------------------------------


def _deadline(key: str, category: Category | None = None) -> int:
    override = getattr(category, key, None) if category is not None else None
    return int(override if override is not None else settings.ADUAN_DEADLINES[key])


def new_tracking_id() -> str:
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_BODY_LENGTH))
    return f"{settings.ADUAN_TRACKING_PREFIX}-{body[:4]}-{body[4:]}"


def normalize_tracking_id(text: str) -> str:
    """Accept what people type: lower case, spaces or no dashes ("sb 7k3m qx9a")."""
    compact = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    prefix = settings.ADUAN_TRACKING_PREFIX.upper()
    if compact.startswith(prefix) and len(compact) == len(prefix) + TRACKING_BODY_LENGTH:
        body = compact[len(prefix) :]
        return f"{prefix}-{body[:4]}-{body[4:]}"
    return text.strip().upper()


def _new_guest_secret() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(GUEST_SECRET_LENGTH))


def _derived_guest_secret(stored_key: str) -> str:
    """A guest secret that a retried submission can be given again without storing it."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"aduan.guest-secret:{stored_key}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest, "big")
    symbols = []
    for _index in range(GUEST_SECRET_LENGTH):
        number, digit = divmod(number, len(TRACKING_ALPHABET))
        symbols.append(TRACKING_ALPHABET[digit])
    return "".join(symbols)


def _lock(complaint: Complaint) -> Complaint:
    """Lock the complaint row for the rest of the transaction; every transition starts here.

    ``of=("self",)``: the complaint row only. Category and lead agency are nullable, hence
    outer-joined, and PostgreSQL refuses to lock the nullable side of a join.
    ``no_key=True`` (FOR NO KEY UPDATE): still excludes every other transition, but lets
    foreign-key checks through. A FOR UPDATE lock would block a transaction that inserts a row
    referencing the complaint (an outbox row, written by ``clock_mark_breached`` while it holds
    the audit chain head) while we wait for that head ourselves: a deadlock.
    """
    return (
        Complaint.objects.select_for_update(of=("self",), no_key=True)
        .select_related("category", "lead_agency")
        .get(pk=complaint.pk)
    )


def _refuse_nul(*texts: str) -> None:
    """A NUL character cannot be stored (PostgreSQL refuses it in text and JSON): refuse it as
    bad input, on every channel, instead of failing at the database."""
    if any("\x00" in text for text in texts):
        raise InvalidInput(_("The text contains a character that is not allowed (NUL)."))


def _require_text(
    value: str, *, field_label: Any, max_length: int = MAX_TEXT, min_length: int = 1
) -> str:
    text = (value or "").strip()
    _refuse_nul(text)
    if len(text) < min_length:
        if min_length <= 1:
            raise InvalidInput(_("%(field)s must be filled in."), field=field_label)
        raise InvalidInput(
            _("%(field)s must be at least %(min)d characters."), field=field_label, min=min_length
        )
    if len(text) > max_length:
        raise InvalidInput(
            _("%(field)s may be at most %(max)d characters."), field=field_label, max=max_length
        )
    return text


def _require_state(complaint: Complaint, allowed: Iterable[str]) -> None:
    if complaint.status not in tuple(allowed):
        raise TransitionNotAllowed(
            _("This cannot be done while the complaint is “%(status)s”."),
            # The lazy label: the message is worded in the language of whoever reads it.
            status=Status(complaint.status).label,
        )


def _save(complaint: Complaint, *fields: str) -> None:
    complaint.updated_at = clock.now()
    complaint.save(update_fields=[*fields, "updated_at"])


def _audit(actor: Actor, action: str, complaint: Complaint, **data: Any) -> AuditEvent:
    user = policies.user_or_none(actor)
    label = "reporter" if isinstance(actor, GuestPass) else ""
    rollups.schedule()  # the dashboards follow the audit log once this transaction commits
    return audit_log(actor=user, action=action, target=complaint, data=data, actor_label=label)


def _coordinators(complaint: Complaint) -> Audience:
    return Audience.INSPECTORATE if complaint.is_supervisory else Audience.COORDINATORS


def _lead_or_coordinators(complaint: Complaint) -> Audience | tuple[Audience, Agency]:
    if complaint.lead_agency is not None:
        return (Audience.AGENCY, complaint.lead_agency)
    return _coordinators(complaint)


# --- clocks --------------------------------------------------------------------------------


def _due(start: datetime, unit: str, length: int) -> datetime:
    if unit == Clock.Unit.WORKING_DAYS:
        return add_working_days(start, length)
    return _add_calendar_days(start, length)


def _add_calendar_days(start: datetime, days: int) -> datetime:
    """``days`` calendar days after ``start``, at the end of that day (Asia/Jakarta)."""
    return end_of_day(local_date(start) + timedelta(days=days))


def _start_clock(
    complaint: Complaint, kind: str, unit: str, length: int, *, dispatch: Dispatch | None = None
) -> Clock:
    now = clock.now()
    return Clock.objects.create(
        complaint=complaint,
        dispatch=dispatch,
        kind=kind,
        unit=unit,
        length=length,
        started_at=now,
        due_at=_due(now, unit, length),
    )


def _stop_clocks(complaint: Complaint, *kinds: str, dispatch: Dispatch | None = None) -> int:
    """Stop running or paused clocks of these kinds (all kinds when none given)."""
    clocks = Clock.objects.filter(
        complaint=complaint, state__in=[Clock.State.RUNNING, Clock.State.PAUSED]
    )
    if kinds:
        clocks = clocks.filter(kind__in=kinds)
    if dispatch is not None:
        clocks = clocks.filter(dispatch=dispatch)
    return clocks.update(state=Clock.State.STOPPED, stopped_at=clock.now())


def _close(complaint: Complaint, now: datetime) -> None:
    """Close a resolved complaint (the caller saves ``status`` and ``closed_at``): nothing is owed
    any more, and its active hops end as completed, so it leaves the agencies' inboxes while
    their officers still see it (``Dispatch.VISIBLE_STATES``; the same agencies, so the search
    scope does not change)."""
    complaint.status = Status.CLOSED
    complaint.closed_at = now
    _stop_clocks(complaint)
    complaint.dispatches.filter(state__in=Dispatch.ACTIVE_STATES).update(
        state=Dispatch.State.COMPLETED
    )


def _pause_clocks(complaint: Complaint, *kinds: str) -> None:
    now = clock.now()
    for item in Clock.objects.filter(
        complaint=complaint, state=Clock.State.RUNNING, kind__in=kinds
    ):
        if item.unit == Clock.Unit.WORKING_DAYS:
            left = working_days_between(local_date(now), local_date(item.due_at))
        else:
            left = max(0, (local_date(item.due_at) - local_date(now)).days)
        item.state = Clock.State.PAUSED
        item.paused_at = now
        item.remaining = left
        item.save(update_fields=["state", "paused_at", "remaining"])


def _resume_clocks(complaint: Complaint, *kinds: str) -> None:
    now = clock.now()
    for item in Clock.objects.filter(complaint=complaint, state=Clock.State.PAUSED, kind__in=kinds):
        # Never earlier than the deadline already promised: deadlines do not move backwards.
        item.due_at = max(item.due_at, _due(now, item.unit, item.remaining or 0))
        item.state = Clock.State.RUNNING
        item.paused_at = None
        item.remaining = None
        item.save(update_fields=["due_at", "state", "paused_at", "remaining"])


# --- attachments ---------------------------------------------------------------------------


def _store_uploads(
    complaint: Complaint,
    uploads: Sequence[CheckedUpload],
    *,
    user: Any,
    internal: bool = False,
    followup: FollowUp | None = None,
    stored: list[Attachment],
    from_reporter: bool | None = None,
) -> list[Attachment]:
    """Save checked uploads, appending to ``stored`` (from :func:`remove_files_on_error`).

    ``from_reporter`` defaults to whether ``user`` is the complaint's reporter; the files of a
    submission are the reporter's whoever typed it in (a guest, or an officer at the counter).
    """
    if from_reporter is None:
        from_reporter = policies.is_reporter(user, complaint)
    for item in uploads:
        attachment = Attachment(
            complaint=complaint,
            followup=followup,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            is_internal=internal,
            from_reporter=from_reporter,
            uploaded_by=None if from_reporter else policies.user_or_none(user),
            created_at=clock.now(),
        )
        attachment.file.save(item.name, item.upload, save=False)
        stored.append(attachment)
        attachment.save()
    return stored


@contextmanager
def remove_files_on_error(stored: list[Attachment] | None = None) -> Iterator[list[Attachment]]:
    """Files are not transactional: delete those stored inside the block (the caller appends
    them to the list) when the block fails (their rows roll back with the transaction)."""
    stored = [] if stored is None else stored
    try:
        yield stored
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


# --- submit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """The stored complaint; ``guest_secret`` is shown to a guest once and never stored."""

    complaint: Complaint
    guest_secret: str | None
    created: bool


_PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")


def normalize_phone(value: str) -> str:
    """Indonesian numbers in one form: 08xx / 62xx / +62xx → +62xx."""
    digits = re.sub(r"[\s().-]", "", value or "")
    if not digits:
        return ""
    if not _PHONE_RE.match(digits):
        raise InvalidInput(_("The phone number “%(phone)s” is not valid."), phone=value)
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif digits.startswith("62"):
        digits = "+" + digits
    return digits


def _check_coordinates(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except Exception:
        raise InvalidInput(_("The coordinates are not valid.")) from None
    # NaN cannot be compared (it would raise, a 500), infinities are out of range anyway.
    if not (lat.is_finite() and lon.is_finite()):
        raise InvalidInput(_("The coordinates are not valid."))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(_("The coordinates are not valid."))
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


MAX_ATTRIBUTE_TEXT: dict[str, int] = {
    CategoryField.Datatype.STRING: 500,
    CategoryField.Datatype.TEXT: 4000,
}


def _check_attribute(field: CategoryField, value: Any) -> Any:
    """One answer in its stored form, or InvalidInput naming the question."""
    Datatype = CategoryField.Datatype
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(v, (dict, list, tuple)) for v in values):
        raise InvalidInput(
            _("“%(question)s” takes text, a number or choices."), question=field.description
        )
    values = [v.strip() if isinstance(v, str) else v for v in values if v not in (None, "")]
    _refuse_nul(*(v for v in values if isinstance(v, str)))
    if field.datatype != Datatype.MULTI_VALUE_LIST and len(values) > 1:
        raise InvalidInput(_("“%(question)s” takes one answer."), question=field.description)
    if field.datatype == Datatype.MULTI_VALUE_LIST:
        allowed = field.choice_keys()
        keys = [str(v) for v in values]
        if any(key not in allowed for key in keys):
            raise InvalidInput(_("“%(question)s” has no such choice."), question=field.description)
        return list(dict.fromkeys(keys))
    if not values:
        return ""
    value = values[0]
    if field.datatype == Datatype.SINGLE_VALUE_LIST:
        if str(value) not in field.choice_keys():
            raise InvalidInput(_("“%(question)s” has no such choice."), question=field.description)
        return str(value)
    if field.datatype == Datatype.NUMBER:
        try:
            number = Decimal(str(value))
        except Exception:
            number = Decimal("NaN")
        if not number.is_finite() or number.adjusted() > 15:
            raise InvalidInput(_("“%(question)s” needs a number."), question=field.description)
        return int(number) if number == number.to_integral_value() else float(number)
    if field.datatype == Datatype.DATETIME:
        text = str(value)
        try:
            day = parse_date(text) if len(text) == 10 else None
            moment = None if day else parse_datetime(text)
        except ValueError:
            day = moment = None
        if moment is None and day is None:
            raise InvalidInput(
                _("“%(question)s” needs a date (YYYY-MM-DD) or a date and time."),
                question=field.description,
            )
        return (moment or day).isoformat()  # type: ignore[union-attr]
    text = str(value)
    limit = MAX_ATTRIBUTE_TEXT.get(field.datatype, 500)
    if len(text) > limit:
        raise InvalidInput(
            _("The answer to “%(question)s” may be at most %(max)d characters."),
            question=field.description,
            max=limit,
        )
    return text


def _check_attributes(
    category: Category | None, attributes: dict[str, Any] | None
) -> dict[str, Any]:
    """Answers to the category's extra questions: known codes only, each of its type (lists:
    only offered keys), and the required ones given -- unless ``attributes`` is None: the
    channel cannot ask the questions (the web portal's form, the message channels), and a
    citizen must not be refused for a question never put to them."""
    asked = attributes is not None
    attributes = dict(attributes or {})
    fields = (
        {field.code: field for field in category.extra_fields.filter(variable=True)}
        if category is not None
        else {}
    )
    unknown = sorted(set(attributes) - set(fields))
    if unknown:
        raise InvalidInput(_("Unknown extra question “%(code)s”."), code=unknown[0])
    checked: dict[str, Any] = {}
    for code, field in fields.items():
        if code in attributes:
            value = _check_attribute(field, attributes[code])
            if value not in ("", []):
                checked[code] = value
        if asked and field.required and code not in checked:
            raise InvalidInput(_("Please answer “%(question)s”."), question=field.description)
    return checked


def complaint_submit(
    *,
    actor: Any,
    title: str,
    description: str,
    kind: str = Kind.COMPLAINT,
    category: Category | None = None,
    region: Region | None = None,
    event_date: date | None = None,
    latitude: Any = None,
    longitude: Any = None,
    address_text: str = "",
    channel: str = Channel.WEB,
    is_anonymous: bool = False,
    is_confidential: bool = False,
    is_supervisory: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    attachments: Sequence[File[Any]] = (),
    idempotency_key: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> SubmitResult:
    """Receive a complaint from any channel. A signed-in ``actor`` is the reporter; otherwise the
    reporter is a guest who gets a secret. A retried call with the same ``idempotency_key`` on the
    same channel from the same reporter (account, or guest contact) returns the first complaint
    (and, for a guest, the same secret) and creates nothing. ``attributes`` answers the
    category's extra questions (``agencies.CategoryField``), by code; a channel that can ask
    them passes a dict (even empty: required questions are then enforced), one that cannot
    passes None (answers are not required)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    title = _require_text(title, field_label=_("Title"), max_length=MAX_TITLE)
    description = _require_text(
        description,
        field_label=_("Description"),
        max_length=MAX_DESCRIPTION,
        min_length=MIN_DESCRIPTION,
    )
    if kind not in Kind.values:
        raise InvalidInput(_("Unknown kind of report."))
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."))
    if category is not None and not category.is_active:
        raise InvalidInput(_("This category is no longer in use."))
    now = clock.now()
    if event_date is not None and event_date > local_date(now):
        raise InvalidInput(_("The date of the event cannot be in the future."))
    lat, lon = _check_coordinates(latitude, longitude)
    answers = _check_attributes(category, attributes)
    reporter_name = (reporter_name or "").strip()[:200]
    _refuse_nul(reporter_name, address_text or "", reporter_email or "")
    reporter_phone = normalize_phone(reporter_phone)
    reporter_email = (reporter_email or "").strip()
    if reporter_email:
        try:
            validate_email(reporter_email)
        except ValidationError:
            raise InvalidInput(
                _("The e-mail address “%(email)s” is not valid."), email=reporter_email
            ) from None
    if user is None:
        if not reporter_name:
            raise InvalidInput(_("Please give your name."))
        if not (reporter_phone or reporter_email):
            raise InvalidInput(
                _("Please give a phone number or an e-mail address so we can reach you.")
            )
    else:
        reporter_name = reporter_name or user.get_full_name() or user.get_username()
        reporter_email = reporter_email or user.email
        reporter_phone = reporter_phone or normalize_phone(user.phone)
    checked = [check_upload(upload, default_name="lampiran") for upload in attachments]

    stored_key = ""
    if idempotency_key:
        # Bound to whoever sends it, so another caller's key can neither fetch nor block theirs.
        owner = (
            f"user:{user.pk}"
            if user is not None
            else f"guest:{reporter_phone}|{reporter_email.lower()}"
        )
        stored_key = hashlib.sha256(f"{owner}\n{idempotency_key}".encode()).hexdigest()
        replay = _replay(channel, stored_key, user)
        if replay is not None:
            return replay
    if user is not None:
        secret = None
    elif stored_key:
        secret = _derived_guest_secret(stored_key)  # the same secret again on a replay
    else:
        secret = _new_guest_secret()
    for _attempt in range(20):
        tracking_id = new_tracking_id()
        try:
            with remove_files_on_error() as stored, transaction.atomic():
                complaint = Complaint.objects.create(
                    tracking_id=tracking_id,
                    guest_secret_hash=policies.guest_secret_hash(tracking_id, secret)
                    if secret
                    else "",
                    idempotency_key=stored_key,
                    kind=kind,
                    title=title,
                    description=description,
                    event_date=event_date,
                    region=region,
                    latitude=lat,
                    longitude=lon,
                    address_text=(address_text or "").strip()[:300],
                    category=category,
                    channel=channel,
                    attributes=answers,
                    is_anonymous=is_anonymous,
                    is_confidential=is_confidential,
                    is_supervisory=is_supervisory,
                    reporter=user,
                    reporter_name=reporter_name,
                    reporter_phone=reporter_phone,
                    reporter_email=reporter_email,
                    status=Status.SUBMITTED,
                    submitted_at=now,
                    updated_at=now,
                )
                _store_uploads(complaint, checked, user=user, stored=stored, from_reporter=True)
                _start_clock(
                    complaint,
                    Clock.Kind.VERIFY,
                    Clock.Unit.WORKING_DAYS,
                    _deadline("verify_working_days", category),
                )
                event = _audit(
                    user or GuestPass(complaint_id=complaint.pk),
                    "complaint.submitted",
                    complaint,
                    channel=channel,
                    kind=kind,
                    category=category.code if category else None,
                    attachments=len(checked),
                )
                outbox_enqueue(
                    event=event,
                    complaint=complaint,
                    audiences=[Audience.REPORTER, _coordinators(complaint)],
                )
            return SubmitResult(complaint, secret, True)
        except IntegrityError:
            if stored_key:
                replay = _replay(channel, stored_key, user)
                if replay is not None:
                    return replay
            if Complaint.objects.filter(tracking_id=tracking_id).exists():
                continue  # a tracking ID collision: draw again
            raise
    raise RuntimeError("could not draw a free tracking ID")


def _replay(channel: str, stored_key: str, user: Any) -> SubmitResult | None:
    existing = Complaint.objects.filter(channel=channel, idempotency_key=stored_key).first()
    if existing is None:
        return None
    secret = None if user is not None else _derived_guest_secret(stored_key)
    return SubmitResult(existing, secret, False)


# --- coordinator actions -------------------------------------------------------------------


@transaction.atomic
def complaint_dispatch(
    *,
    actor: Any,
    complaint: Complaint,
    lead_agency: Agency,
    supporting_agencies: Sequence[Agency] = (),
    note: str = "",
    category: Category | None = None,
    is_anonymous: bool | None = None,
    is_confidential: bool | None = None,
    is_supervisory: bool | None = None,
) -> Complaint:
    """Verify a complaint and dispatch it to a lead agency and optional supporting agencies.

    The coordinator may correct the category and the privacy flags at the same time.
    """
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    _require_state(complaint, [Status.SUBMITTED])
    support = [a for a in supporting_agencies if a.pk != lead_agency.pk]
    if len({a.pk for a in support}) != len(support):
        raise InvalidInput(_("An agency is listed twice."))
    for agency in [lead_agency, *support]:
        if not agency.is_active:
            raise InvalidInput(_("The agency “%(agency)s” is not active."), agency=str(agency))
    fields = ["status", "lead_agency"]
    if category is not None and category.pk != complaint.category_id:
        if not category.is_active:
            raise InvalidInput(_("This category is no longer in use."))
        complaint.category = category
        fields.append("category")
    fields += _raise_flags(
        complaint,
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        is_supervisory=is_supervisory,
    )
    if complaint.is_supervisory and lead_agency.kind != Agency.Kind.INSPECTORATE:
        raise InvalidInput(_("Reports about misconduct of officials go to the Inspectorate only."))
    now = clock.now()
    if complaint.verified_at is None:
        complaint.verified_at = now
        fields.append("verified_at")
    complaint.status = Status.DISPATCHED
    complaint.lead_agency = lead_agency
    _save(complaint, *fields)
    _stop_clocks(complaint, Clock.Kind.VERIFY)
    user = policies.user_or_none(actor)
    dispatches = []
    for agency, role in [
        (lead_agency, Dispatch.Role.LEAD),
        *[(a, Dispatch.Role.SUPPORT) for a in support],
    ]:
        hop = Dispatch.objects.create(
            complaint=complaint,
            agency=agency,
            role=role,
            note=note.strip(),
            dispatched_by=user,
            dispatched_at=now,
        )
        _start_clock(
            complaint,
            Clock.Kind.FIRST_FOLLOWUP,
            Clock.Unit.WORKING_DAYS,
            _deadline("first_followup_working_days", complaint.category),
            dispatch=hop,
        )
        dispatches.append(hop)
    if not complaint.clocks.filter(kind=Clock.Kind.RESOLUTION).exists():
        _start_clock(
            complaint,
            Clock.Kind.RESOLUTION,
            Clock.Unit.DAYS,
            _deadline("resolution_days", complaint.category),
        )
    event = _audit(
        actor,
        "complaint.dispatched",
        complaint,
        lead_agency=lead_agency.code,
        supporting_agencies=[a.code for a in support],
        note=note.strip(),
        changed=[f for f in fields if f not in ("status", "lead_agency", "verified_at")],
    )
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[
            Audience.REPORTER,
            Audience.FOLLOWERS,
            *[(Audience.AGENCY, d.agency) for d in dispatches],
        ],
    )
    return complaint


@transaction.atomic
def complaint_hold(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    """Ask the reporter to complete the report; the verification clock pauses meanwhile."""
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    _require_state(complaint, [Status.SUBMITTED])
    reason = _require_text(reason, field_label=_("Reason"))
    complaint.status = Status.ON_HOLD
    _save(complaint, "status")
    _pause_clocks(complaint, Clock.Kind.VERIFY)
    _start_clock(
        complaint, Clock.Kind.HOLD, Clock.Unit.WORKING_DAYS, _deadline("hold_working_days")
    )
    event = _audit(actor, "complaint.held", complaint, reason=reason)
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER], payload={"reason": reason}
    )
    return complaint


@transaction.atomic
def complaint_complete(
    *, actor: Any, complaint: Complaint, body: str, attachments: Sequence[File[Any]] = ()
) -> Complaint:
    """The reporter completes a held report; it goes back to verification."""
    complaint = _lock(complaint)
    policies.ensure(policies.is_reporter(actor, complaint))
    _require_state(complaint, [Status.ON_HOLD])
    body = _require_text(body, field_label=_("Completion"))
    checked = [check_upload(upload, default_name="lampiran") for upload in attachments]
    ReporterReply.objects.create(complaint=complaint, body=body, created_at=clock.now())
    with remove_files_on_error() as stored:
        _store_uploads(complaint, checked, user=actor, stored=stored)
        complaint.status = Status.SUBMITTED
        _save(complaint, "status")
        _stop_clocks(complaint, Clock.Kind.HOLD)
        _resume_clocks(complaint, Clock.Kind.VERIFY)
        event = _audit(actor, "complaint.completed", complaint, attachments=len(checked))
        outbox_enqueue(event=event, complaint=complaint, audiences=[_coordinators(complaint)])
    return complaint


@transaction.atomic
def complaint_archive(
    *, actor: Any, complaint: Complaint, reason: str, note: str = ""
) -> Complaint:
    """Archive a report that will not be handled (with the reason the reporter is told)."""
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    _require_state(complaint, [Status.SUBMITTED, Status.ON_HOLD])
    return _archive(actor, complaint, reason, note)


def _archive(actor: Any, complaint: Complaint, reason: str, note: str) -> Complaint:
    if reason not in ArchiveReason.values:
        raise InvalidInput(_("Choose a reason for archiving."))
    note = (note or "").strip()
    if reason == ArchiveReason.OTHER and not note:
        raise InvalidInput(_("Explain the reason for archiving."))
    now = clock.now()
    complaint.status = Status.ARCHIVED
    complaint.archive_reason = reason
    complaint.archive_note = note
    complaint.closed_at = now
    _save(complaint, "status", "archive_reason", "archive_note", "closed_at")
    _stop_clocks(complaint)
    event = _audit(actor, "complaint.archived", complaint, reason=reason, note=note)
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER, Audience.FOLLOWERS]
    )
    return complaint


@transaction.atomic
def complaint_transfer(
    *, actor: Any, complaint: Complaint, target: str, note: str = ""
) -> Complaint:
    """Forward a report outside our jurisdiction (dialihkan), e.g. to another instansi."""
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    _require_state(complaint, [Status.SUBMITTED, Status.ON_HOLD])
    target = _require_text(target, field_label=_("Destination"), max_length=300)
    complaint.status = Status.TRANSFERRED
    complaint.transfer_target = target
    complaint.closed_at = clock.now()
    _save(complaint, "status", "transfer_target", "closed_at")
    _stop_clocks(complaint)
    event = _audit(actor, "complaint.transferred", complaint, target=target, note=note.strip())
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER, Audience.FOLLOWERS]
    )
    return complaint


@transaction.atomic
def complaint_set_privacy(
    *,
    actor: Any,
    complaint: Complaint,
    is_anonymous: bool | None = None,
    is_confidential: bool | None = None,
    is_supervisory: bool | None = None,
) -> Complaint:
    """Add the anonymous / confidential / supervisory flags while the report is being verified."""
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    _require_state(complaint, [Status.SUBMITTED, Status.ON_HOLD])
    changed = _raise_flags(
        complaint,
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        is_supervisory=is_supervisory,
    )
    if changed:
        _save(complaint, *changed)
        _audit(actor, "complaint.privacy_changed", complaint, **dict.fromkeys(changed, True))
    return complaint


def _raise_flags(complaint: Complaint, **flags: bool | None) -> list[str]:
    """Set protection flags. They can only be raised: clearing "anonymous" or "confidential"
    would show the reporter to every agency without a reveal, and clearing "supervisory" would
    take a misconduct report away from the Inspectorate."""
    changed = []
    for name, value in flags.items():
        if value is None or value == getattr(complaint, name):
            continue
        if not value:
            raise InvalidInput(
                _("A protection chosen for this report cannot be removed; only added.")
            )
        setattr(complaint, name, True)
        changed.append(name)
    return changed


@dataclass(frozen=True)
class Identity:
    """Who reported: shown only to those allowed (see policies.can_see_identity)."""

    name: str
    phone: str
    email: str
    username: str


def identity_of(complaint: Complaint) -> Identity:
    return Identity(
        name=complaint.reporter_name,
        phone=complaint.reporter_phone,
        email=complaint.reporter_email,
        username=complaint.reporter.get_username() if complaint.reporter else "",
    )


@transaction.atomic
def complaint_reveal_identity(*, actor: Any, complaint: Complaint, reason: str) -> Identity:
    """Show a protected reporter's identity to a permitted officer, for an audited reason."""
    complaint = _lock(complaint)
    policies.ensure(policies.can_reveal_identity(actor, complaint))
    reason = _require_text(reason, field_label=_("Reason"), min_length=10, max_length=1000)
    _audit(actor, "complaint.identity_revealed", complaint, reason=reason)
    return identity_of(complaint)


@transaction.atomic
def complaint_merge(
    *, actor: Any, duplicate: Complaint, into: Complaint, note: str = ""
) -> Complaint:
    """Merge a duplicate into the surviving complaint: the duplicate is archived with a link,
    keeps its history and tracking ID, and its reporter (and followers) follow the survivor."""
    if duplicate.pk == into.pk:
        raise InvalidInput(_("A complaint cannot be merged into itself."))
    # Lock both rows in a fixed order so two crossing merges cannot deadlock.
    first, second = sorted([duplicate.pk, into.pk])
    locked = {
        c.pk: c
        for c in Complaint.objects.select_for_update(no_key=True)  # see ``_lock``
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    policies.ensure(
        policies.acts_as_coordinator(actor, duplicate) and policies.acts_as_coordinator(actor, into)
    )
    _require_state(duplicate, [Status.SUBMITTED, Status.ON_HOLD])
    if into.status in (Status.ARCHIVED, Status.TRANSFERRED) or into.merged_into_id is not None:
        raise TransitionNotAllowed(
            _("The complaint %(tracking_id)s cannot receive duplicates."),
            tracking_id=into.tracking_id,
        )
    now = clock.now()
    duplicate.merged_into = into
    duplicate.save(update_fields=["merged_into"])
    _archive(actor, duplicate, ArchiveReason.DUPLICATE, note or into.tracking_id)
    Follower.objects.get_or_create(complaint=into, source=duplicate, defaults={"created_at": now})
    for follower in Follower.objects.filter(complaint=duplicate):
        Follower.objects.get_or_create(
            complaint=into, source=follower.source, defaults={"created_at": now}
        )
    existing_keys = set(
        Support.objects.filter(complaint=into).values_list("supporter_key", flat=True)
    )
    Support.objects.filter(complaint=duplicate).exclude(supporter_key__in=existing_keys).update(
        complaint=into
    )
    into.support_count = Support.objects.filter(complaint=into).count()
    _save(into, "support_count")
    _audit(actor, "complaint.merged_in", into, duplicate=duplicate.tracking_id)
    event = _audit(actor, "complaint.merged", duplicate, into=into.tracking_id)
    outbox_enqueue(
        event=event,
        complaint=duplicate,
        audiences=[Audience.REPORTER],
        payload={"into": into.tracking_id},
    )
    return into


# --- agency actions ------------------------------------------------------------------------


def _lock_dispatch(dispatch: Dispatch) -> tuple[Complaint, Dispatch]:
    complaint = _lock(dispatch.complaint)
    # Only the hop's row (see ``_lock``): locking the agency row too (FOR UPDATE covers every
    # joined table) would block every insert that references the agency, e.g. an outbox row
    # written while another transaction holds the audit chain head: a deadlock.
    hop = (
        Dispatch.objects.select_for_update(of=("self",), no_key=True)
        .select_related("agency")
        .get(pk=dispatch.pk)
    )
    hop.complaint = complaint
    return complaint, hop


@transaction.atomic
def dispatch_accept(*, actor: Any, dispatch: Dispatch) -> Dispatch:
    """The agency's liaison officer accepts a dispatch."""
    complaint, dispatch = _lock_dispatch(dispatch)
    policies.ensure(policies.acts_for_dispatch(actor, dispatch, approve=True))
    _require_state(complaint, answerable_statuses(dispatch))
    if dispatch.state != Dispatch.State.PENDING:
        raise TransitionNotAllowed(_("This dispatch has already been answered."))
    dispatch.state = Dispatch.State.ACCEPTED
    dispatch.responded_at = clock.now()
    dispatch.save(update_fields=["state", "responded_at"])
    event = _audit(actor, "dispatch.accepted", complaint, agency=dispatch.agency.code)
    outbox_enqueue(event=event, complaint=complaint, audiences=[_coordinators(complaint)])
    return dispatch


def answerable_statuses(dispatch: Dispatch) -> list[str]:
    """The complaint statuses in which a pending dispatch can be accepted (or a supporting one
    declined): a supporting agency may still answer after the lead marked it resolved."""
    if dispatch.role == Dispatch.Role.LEAD:
        return [Status.DISPATCHED, Status.IN_PROGRESS]
    return [Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED]


def _back_to_verification(
    complaint: Complaint, now: datetime, *, declined: Dispatch | None = None, reason: str = ""
) -> list[Dispatch]:
    """End every active hop (``declined`` declined with ``reason``, the others withdrawn), stop
    their follow-up deadlines and return the complaint to the coordinator with a fresh
    verification deadline. Returns the hops ended. The caller writes its own audit event, then
    ``_audit_returned``."""
    ended = list(
        complaint.dispatches.filter(state__in=Dispatch.ACTIVE_STATES).select_related("agency")
    )
    for hop in ended:
        is_declined = declined is not None and hop.pk == declined.pk
        hop.state = Dispatch.State.DECLINED if is_declined else Dispatch.State.WITHDRAWN
        hop.responded_at = now
        hop.decline_reason = reason if is_declined else ""
        hop.save(update_fields=["state", "responded_at", "decline_reason"])
    _stop_clocks(complaint, Clock.Kind.FIRST_FOLLOWUP, Clock.Kind.FOLLOWUP)
    complaint.status = Status.SUBMITTED
    complaint.lead_agency = None
    _save(complaint, "status", "lead_agency")
    _start_clock(
        complaint,
        Clock.Kind.VERIFY,
        Clock.Unit.WORKING_DAYS,
        _deadline("verify_working_days", complaint.category),
    )
    return ended


def _audit_returned(actor: Any, complaint: Complaint) -> None:
    """The step the reporter, the public and webhooks see of a return to verification: no data,
    so neither the internal reason nor the agency that gave it back. The reporter is not
    notified: nothing is asked of them, and the coordinator's next step will tell them."""
    _audit(actor, "complaint.returned", complaint)


@transaction.atomic
def dispatch_withdraw(
    *,
    actor: Any,
    complaint: Complaint,
    reason: str = "",
    action: str = "complaint.dispatch_withdrawn",
    **audit_data: Any,
) -> Complaint:
    """A coordinator takes a dispatch back before any agency has accepted it: the hops are
    withdrawn and the complaint returns to verification, as after a declined lead dispatch.

    The staff of each withdrawn hop's agency are notified (``Audience.AGENCY_WITHDRAWN``).
    ``action`` and ``audit_data`` name the audit event, for callers that withdraw on their own
    account (an automatic dispatch undone: ``routing.auto_dispatch_undone``)."""
    complaint = _lock(complaint)
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    reason = reason.strip()
    _refuse_nul(reason)
    _require_state(complaint, [Status.DISPATCHED])
    if complaint.dispatches.filter(state=Dispatch.State.ACCEPTED).exists():
        raise TransitionNotAllowed(
            _("An agency has already accepted this dispatch; it can no longer be taken back.")
        )
    ended = _back_to_verification(complaint, clock.now())
    event = _audit(
        actor,
        action,
        complaint,
        agency=", ".join(hop.agency.code for hop in ended),
        reason=reason,
        **audit_data,
    )
    _audit_returned(actor, complaint)
    # The agencies that were told of the dispatch are told it is no longer theirs. One whose
    # "dispatched to you" message is still waiting in the outbox was never told: that message now
    # finds nobody (the hop is withdrawn), so no notice follows it. Locking the waiting rows waits
    # for a worker that is fanning them out (it holds them until they are sent).
    agencies = {hop.agency_id: hop.agency for hop in ended}
    untold = set(
        OutboxMessage.objects.select_for_update()
        .filter(
            complaint=complaint,
            audience=Audience.AGENCY,
            agency_id__in=agencies,
            status=OutboxMessage.Status.PENDING,
        )
        .values_list("agency_id", flat=True)
    )
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[
            (Audience.AGENCY_WITHDRAWN, agency)
            for agency_id, agency in agencies.items()
            if agency_id not in untold
        ],
    )
    return complaint


@transaction.atomic
def dispatch_decline(*, actor: Any, dispatch: Dispatch, reason: str) -> Complaint:
    """The liaison officer declines a dispatch (not our authority). A declined lead dispatch sends
    the complaint back to the coordinator with a fresh verification clock."""
    complaint, dispatch = _lock_dispatch(dispatch)
    policies.ensure(policies.acts_for_dispatch(actor, dispatch, approve=True))
    if dispatch.state != Dispatch.State.PENDING:
        raise TransitionNotAllowed(_("This dispatch has already been answered."))
    reason = _require_text(reason, field_label=_("Reason"))
    now = clock.now()
    if dispatch.role == Dispatch.Role.LEAD:
        _require_state(complaint, [Status.DISPATCHED])
        _back_to_verification(complaint, now, declined=dispatch, reason=reason)
    else:
        _require_state(complaint, answerable_statuses(dispatch))
        dispatch.state = Dispatch.State.DECLINED
        dispatch.responded_at = now
        dispatch.decline_reason = reason
        dispatch.save(update_fields=["state", "responded_at", "decline_reason"])
        _stop_clocks(complaint, dispatch=dispatch)
    event = _audit(
        actor,
        "dispatch.declined",
        complaint,
        agency=dispatch.agency.code,
        role=dispatch.role,
        reason=reason,
    )
    if dispatch.role == Dispatch.Role.LEAD:
        _audit_returned(actor, complaint)
    outbox_enqueue(event=event, complaint=complaint, audiences=[_coordinators(complaint)])
    return complaint


FOLLOWUP_STATES = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED)


@transaction.atomic
def followup_draft(
    *, actor: Any, complaint: Complaint, body: str, response_template_id: int | None = None
) -> FollowUp:
    """An operator (or liaison officer) of a dispatched agency drafts a follow-up.

    ``response_template_id``: the canned response the officer chose on the form to start the
    text from; it must be one offered to them for this complaint (``InvalidInput`` else)."""
    complaint = _lock(complaint)
    hops = policies.dispatches_for(actor, complaint)
    policies.ensure(bool(hops))
    _require_state(complaint, FOLLOWUP_STATES)
    body = _require_text(body, field_label=_("Follow-up"))
    template = None
    if response_template_id is not None:
        template = offered_templates(actor, complaint, hops).filter(pk=response_template_id).first()
        if template is None:
            raise InvalidInput(_("This canned response is not offered for this follow-up."))
    followup = FollowUp.objects.create(
        complaint=complaint,
        dispatch=hops[0],
        body=body,
        author=actor,
        created_at=clock.now(),
        response_template=template,
    )
    _audit(
        actor,
        "followup.drafted",
        complaint,
        followup=followup.pk,
        agency=hops[0].agency.code,
        **({"response_template": template.pk} if template else {}),
    )
    return followup


def _lock_followup(followup: FollowUp) -> tuple[Complaint, FollowUp]:
    complaint = _lock(followup.complaint)
    # Only the follow-up's row, not its hop's and agency's (see ``_lock_dispatch``).
    locked = (
        FollowUp.objects.select_for_update(of=("self",), no_key=True)
        .select_related("dispatch__agency")
        .get(pk=followup.pk)
    )
    locked.complaint = complaint
    locked.dispatch.complaint = complaint
    return complaint, locked


@transaction.atomic
def followup_submit(*, actor: Any, followup: FollowUp, body: str | None = None) -> FollowUp:
    """Send a draft (or a returned, optionally revised one) to the liaison officer."""
    complaint, followup = _lock_followup(followup)
    policies.ensure(policies.acts_for_dispatch(actor, followup.dispatch))
    _require_state(complaint, FOLLOWUP_STATES)
    if followup.state not in (FollowUp.State.DRAFT, FollowUp.State.RETURNED):
        raise TransitionNotAllowed(_("Only a draft or a returned follow-up can be submitted."))
    if body is not None:
        followup.body = _require_text(body, field_label=_("Follow-up"))
    followup.state = FollowUp.State.PENDING
    followup.submitted_at = clock.now()
    followup.save(update_fields=["body", "state", "submitted_at"])
    event = _audit(actor, "followup.submitted", complaint, followup=followup.pk)
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[(Audience.AGENCY_LIAISON, followup.dispatch.agency)],
    )
    return followup


@transaction.atomic
def followup_return(*, actor: Any, followup: FollowUp, note: str) -> FollowUp:
    """The liaison officer sends a draft back for revision, saying why."""
    complaint, followup = _lock_followup(followup)
    policies.ensure(policies.acts_for_dispatch(actor, followup.dispatch, approve=True))
    _require_state(complaint, FOLLOWUP_STATES)
    if followup.state != FollowUp.State.PENDING:
        raise TransitionNotAllowed(_("Only a follow-up awaiting approval can be returned."))
    followup.state = FollowUp.State.RETURNED
    followup.reviewed_by = actor
    followup.review_note = _require_text(note, field_label=_("Note"))
    followup.save(update_fields=["state", "reviewed_by", "review_note"])
    event = _audit(
        actor, "followup.returned", complaint, followup=followup.pk, note=followup.review_note
    )
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[(Audience.AGENCY, followup.dispatch.agency)]
    )
    return followup


@transaction.atomic
def followup_approve(*, actor: Any, followup: FollowUp) -> FollowUp:
    """The liaison officer approves a follow-up, which publishes it to the reporter.

    The first published follow-up moves the complaint to "in progress" and meets the hop's clock.
    """
    complaint, followup = _lock_followup(followup)
    policies.ensure(policies.acts_for_dispatch(actor, followup.dispatch, approve=True))
    _require_state(complaint, FOLLOWUP_STATES)
    if followup.state != FollowUp.State.PENDING:
        raise TransitionNotAllowed(_("Only a follow-up awaiting approval can be approved."))
    now = clock.now()
    followup.state = FollowUp.State.PUBLISHED
    followup.reviewed_by = actor
    followup.published_at = now
    followup.save(update_fields=["state", "reviewed_by", "published_at"])
    _stop_clocks(
        complaint, Clock.Kind.FIRST_FOLLOWUP, Clock.Kind.FOLLOWUP, dispatch=followup.dispatch
    )
    fields = []
    if complaint.status == Status.DISPATCHED:
        complaint.status = Status.IN_PROGRESS
        fields.append("status")
    if complaint.first_followup_at is None:
        complaint.first_followup_at = now
        fields.append("first_followup_at")
    if (
        complaint.status == Status.RESOLVED
        and not complaint.clocks.filter(
            kind=Clock.Kind.AUTO_CLOSE, state=Clock.State.RUNNING
        ).exists()
    ):
        # An answer to a reporter's reply restarts the reporter's response window.
        _stop_clocks(complaint, Clock.Kind.FOLLOWUP)
        auto_close = _start_clock(
            complaint,
            Clock.Kind.AUTO_CLOSE,
            Clock.Unit.WORKING_DAYS,
            _deadline("auto_close_working_days"),
        )
        complaint.reopen_until = max(complaint.reopen_until or auto_close.due_at, auto_close.due_at)
        fields.append("reopen_until")
    if fields:
        _save(complaint, *fields)
    event = _audit(
        actor,
        "followup.published",
        complaint,
        followup=followup.pk,
        agency=followup.dispatch.agency.code,
    )
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER, Audience.FOLLOWERS]
    )
    return followup


@transaction.atomic
def note_add(*, actor: Any, complaint: Complaint, body: str) -> Note:
    """An internal note between staff; never shown to the reporter or the public."""
    complaint = _lock(complaint)
    roles = staff_roles(actor)
    policies.ensure(
        policies.can_see(actor, complaint)
        and (
            policies.acts_as_coordinator(actor, complaint)
            or roles.has(Role.LEADERSHIP)
            or bool(policies.dispatches_for(actor, complaint))
        )
    )
    note = Note.objects.create(
        complaint=complaint,
        author=actor,
        body=_require_text(body, field_label=_("Note")),
        created_at=clock.now(),
    )
    _audit(actor, "complaint.noted", complaint, note=note.pk)
    return note


@transaction.atomic
def attachment_add(
    *, actor: Any, complaint: Complaint, upload: File[Any], internal: bool = False
) -> Attachment:
    """Attach a file: staff working on the complaint (optionally internal) or its reporter."""
    complaint = _lock(complaint)
    reporter = policies.is_reporter(actor, complaint)
    staff = policies.acts_as_coordinator(actor, complaint) or bool(
        policies.dispatches_for(actor, complaint)
    )
    policies.ensure(reporter or staff)
    _require_state(complaint, OPEN_STATUSES)
    checked = check_upload(upload, default_name="lampiran")
    with remove_files_on_error() as stored:
        (attachment,) = _store_uploads(
            complaint, [checked], user=actor, internal=internal and not reporter, stored=stored
        )
        _audit(
            actor,
            "attachment.added",
            complaint,
            attachment=attachment.pk,
            internal=attachment.is_internal,
        )
    return attachment


@transaction.atomic
def complaint_resolve(*, actor: Any, complaint: Complaint, note: str = "") -> Complaint:
    """The lead agency's liaison officer marks the complaint resolved; the reporter has 10 working
    days to respond before it closes by itself."""
    complaint = _lock(complaint)
    lead = _lead_hop(complaint)
    policies.ensure(lead is not None and policies.acts_for_dispatch(actor, lead, approve=True))
    _require_state(complaint, [Status.IN_PROGRESS])
    if new_followup_owed(complaint, lead):
        raise TransitionNotAllowed(
            _(
                "The reporter reopened this complaint: publish a new follow-up before marking "
                "it resolved."
            )
        )
    now = clock.now()
    complaint.status = Status.RESOLVED
    complaint.resolved_at = now
    _stop_clocks(complaint, Clock.Kind.RESOLUTION, Clock.Kind.FOLLOWUP, Clock.Kind.FIRST_FOLLOWUP)
    auto_close = _start_clock(
        complaint,
        Clock.Kind.AUTO_CLOSE,
        Clock.Unit.WORKING_DAYS,
        _deadline("auto_close_working_days"),
    )
    complaint.reopen_until = max(
        add_working_days(now, _deadline("reopen_working_days")), auto_close.due_at
    )
    _save(complaint, "status", "resolved_at", "reopen_until")
    event = _audit(actor, "complaint.resolved", complaint, note=note.strip())
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER, Audience.FOLLOWERS]
    )
    return complaint


def _lead_hop(complaint: Complaint) -> Dispatch | None:
    """The lead dispatch, if the complaint is (or was, until it closed) with an agency."""
    return (
        complaint.dispatches.filter(role=Dispatch.Role.LEAD, state__in=Dispatch.VISIBLE_STATES)
        .select_related("agency")
        .first()
    )


def new_followup_owed(complaint: Complaint, lead: Dispatch | None) -> bool:
    """Whether the lead agency owes the reporter a new follow-up (after a reopen or a reply),
    which it must publish before the complaint can be marked resolved again."""
    return complaint.clocks.filter(
        kind=Clock.Kind.FOLLOWUP, dispatch=lead, state=Clock.State.RUNNING
    ).exists()


def _owe_followup(complaint: Complaint) -> None:
    """The lead agency owes the reporter a (new) follow-up within the follow-up deadline."""
    lead = _lead_hop(complaint)
    if new_followup_owed(complaint, lead):
        return
    _start_clock(
        complaint,
        Clock.Kind.FOLLOWUP,
        Clock.Unit.WORKING_DAYS,
        _deadline("first_followup_working_days", complaint.category),
        dispatch=lead,
    )


# --- reporter actions ----------------------------------------------------------------------


@transaction.atomic
def complaint_reply(
    *, actor: Any, complaint: Complaint, body: str, attachments: Sequence[File[Any]] = ()
) -> ReporterReply:
    """The reporter writes to the officers, at any time. While resolved, it stops the auto-close
    until the agency answers."""
    complaint = _lock(complaint)
    policies.ensure(policies.is_reporter(actor, complaint))
    _require_state(complaint, OPEN_STATUSES)
    body = _require_text(body, field_label=_("Reply"))
    checked = [check_upload(upload, default_name="lampiran") for upload in attachments]
    reply = ReporterReply.objects.create(complaint=complaint, body=body, created_at=clock.now())
    with remove_files_on_error() as stored:
        _store_uploads(complaint, checked, user=actor, stored=stored)
        if complaint.status == Status.RESOLVED:
            # The complaint stays open: the lead agency owes an answer instead.
            _stop_clocks(complaint, Clock.Kind.AUTO_CLOSE)
            _owe_followup(complaint)
        event = _audit(
            actor, "complaint.replied", complaint, reply=reply.pk, attachments=len(checked)
        )
        outbox_enqueue(
            event=event, complaint=complaint, audiences=[_lead_or_coordinators(complaint)]
        )
    return reply


@transaction.atomic
def complaint_reopen(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    """The reporter is not satisfied: within 10 working days of the resolution the complaint goes
    back to the lead agency, which owes a new follow-up within the follow-up deadline."""
    complaint = _lock(complaint)
    policies.ensure(policies.is_reporter(actor, complaint))
    _require_state(complaint, [Status.RESOLVED])
    if complaint.reopen_until is None or clock.now() > complaint.reopen_until:
        raise TransitionNotAllowed(_("The time to reopen this complaint has passed."))
    reason = _require_text(reason, field_label=_("Reason"))
    ReporterReply.objects.create(complaint=complaint, body=reason, created_at=clock.now())
    complaint.status = Status.IN_PROGRESS
    complaint.resolved_at = None
    complaint.reopen_until = None
    complaint.reopen_count += 1
    _save(complaint, "status", "resolved_at", "reopen_until", "reopen_count")
    _stop_clocks(complaint, Clock.Kind.AUTO_CLOSE)
    _owe_followup(complaint)
    # Not resolved after all: the resolution deadline (from verification) runs again, unchanged.
    resolution = complaint.clocks.filter(kind=Clock.Kind.RESOLUTION).order_by("-id").first()
    if resolution is not None:
        resolution.state = Clock.State.RUNNING
        resolution.stopped_at = None
        resolution.save(update_fields=["state", "stopped_at"])
    event = _audit(actor, "complaint.reopened", complaint, reason=reason)
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[_lead_or_coordinators(complaint), _coordinators(complaint)],
    )
    return complaint


@transaction.atomic
def complaint_rate(*, actor: Any, complaint: Complaint, score: int, comment: str = "") -> Complaint:
    """The reporter rates the handling (1 to 5). Rating a resolved complaint closes it."""
    complaint = _lock(complaint)
    policies.ensure(policies.is_reporter(actor, complaint))
    if complaint.status == Status.CLOSED and complaint.rating is not None:
        raise TransitionNotAllowed(_("This complaint has already been rated."))
    _require_state(complaint, [Status.RESOLVED, Status.CLOSED])
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput(_("The rating must be a number from 1 to 5."))
    complaint.rating = score
    complaint.rating_comment = (comment or "").strip()[:MAX_TEXT]
    fields = ["rating", "rating_comment"]
    if complaint.status == Status.RESOLVED:
        _close(complaint, clock.now())
        fields += ["status", "closed_at"]
    _save(complaint, *fields)
    event = _audit(actor, "complaint.rated", complaint, score=score)
    outbox_enqueue(event=event, complaint=complaint, audiences=[_lead_or_coordinators(complaint)])
    return complaint


@transaction.atomic
def complaint_support(*, actor: Any, complaint: Complaint, supporter_key: str = "") -> bool:
    """Add a citizen's support ("dukung") to a public complaint; once per person.

    Returns False when this person already supports it. Guests identify with ``supporter_key``
    (e.g. a hash of a verified phone number); accounts with their user ID.
    """
    complaint = _lock(complaint)
    user = actor if getattr(actor, "is_authenticated", False) else None
    key = f"user:{user.pk}" if user is not None else supporter_key.strip()
    if not key:
        raise InvalidInput(_("Sign in to support a complaint."))
    if not complaint.is_public:
        raise TransitionNotAllowed(_("Only public complaints can be supported."))
    if policies.is_reporter(actor, complaint):
        raise PermissionDenied(_("You cannot support your own complaint."))
    if Support.objects.filter(complaint=complaint, supporter_key=key).exists():
        return False
    Support.objects.create(
        complaint=complaint, user=user, supporter_key=key, created_at=clock.now()
    )
    Complaint.objects.filter(pk=complaint.pk).update(support_count=F("support_count") + 1)
    return True


# --- leadership ----------------------------------------------------------------------------


@transaction.atomic
def complaint_instruct(*, actor: Any, complaint: Complaint, body: str) -> Instruction:
    """A leader's instruction (arahan) to whoever holds the complaint."""
    complaint = _lock(complaint)
    policies.ensure(staff_roles(actor).has(Role.LEADERSHIP))
    instruction = Instruction.objects.create(
        complaint=complaint,
        author=actor,
        body=_require_text(body, field_label=_("Instruction")),
        created_at=clock.now(),
    )
    event = _audit(actor, "complaint.instructed", complaint, instruction=instruction.pk)
    audiences: list[Audience | tuple[Audience, Agency]] = [_coordinators(complaint)]
    if complaint.lead_agency is not None:
        audiences.append((Audience.AGENCY, complaint.lead_agency))
    outbox_enqueue(event=event, complaint=complaint, audiences=audiences)
    return instruction


# --- time-based rules (run by ``aduan sweep``) -----------------------------------------------


@transaction.atomic
def complaint_auto_close(*, complaint: Complaint) -> bool:
    """Close a resolved complaint whose reporter did not respond in time. Safe to repeat."""
    complaint = _lock(complaint)
    now = clock.now()
    if complaint.status != Status.RESOLVED:
        return False
    if not complaint.clocks.filter(
        kind=Clock.Kind.AUTO_CLOSE, state=Clock.State.RUNNING, due_at__lt=now
    ).exists():
        return False
    _close(complaint, now)
    _save(complaint, "status", "closed_at")
    event = _audit(None, "complaint.auto_closed", complaint)
    outbox_enqueue(
        event=event, complaint=complaint, audiences=[Audience.REPORTER, Audience.FOLLOWERS]
    )
    return True


@transaction.atomic
def complaint_expire_hold(*, complaint: Complaint) -> bool:
    """Archive a held complaint that the reporter did not complete in time. Safe to repeat."""
    complaint = _lock(complaint)
    if complaint.status != Status.ON_HOLD:
        return False
    if not complaint.clocks.filter(
        kind=Clock.Kind.HOLD, state=Clock.State.RUNNING, due_at__lt=clock.now()
    ).exists():
        return False
    _archive(None, complaint, ArchiveReason.INCOMPLETE, "")
    return True


@transaction.atomic
def clock_mark_breached(*, clock_id: int) -> bool:
    """Flag an overdue clock once, with its audit event and a notice to whoever holds it."""
    now = clock.now()
    updated = Clock.objects.filter(
        pk=clock_id,
        kind__in=Clock.STAFF_KINDS,
        state=Clock.State.RUNNING,
        breached_at__isnull=True,
        due_at__lt=now,
    ).update(breached_at=now)
    if not updated:
        return False
    _tell_holder(clock_id, "clock.breached")
    return True


def _tell_holder(clock_id: int, action: str) -> None:
    """Audit event ``action`` on the clock's complaint and a notice to whoever holds the clock:
    the hop's agency, the lead agency for the resolution, else the coordinators."""
    item = Clock.objects.select_related("complaint__lead_agency", "dispatch__agency").get(
        pk=clock_id
    )
    complaint = item.complaint
    agency = _clock_agency(item)
    event = _audit(
        None,
        action,
        complaint,
        clock=item.kind,
        due_at=item.due_at.isoformat(),
        agency=agency.code if agency else None,
    )
    audience: Audience | tuple[Audience, Agency] = (
        (Audience.AGENCY, agency) if agency is not None else _coordinators(complaint)
    )
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[audience],
        payload={"clock": item.kind, "due_at": item.due_at.isoformat()},
    )


# Escalation levels of an overdue deadline (``Clock.escalation_level``). A deadline an agency
# owes starts with its operators (level 0) and goes up one level at a time; one the coordinators
# (or the Inspectorate) hold starts at their level and goes to leadership only.
ESCALATION_LIAISON = 1
ESCALATION_COORDINATORS = 2
ESCALATION_LEADERSHIP = 3


def _deadline_setting(key: str, default: int) -> int:
    # ``get``: a deployment (or a test) that replaces ADUAN_DEADLINES keeps the defaults.
    return int(settings.ADUAN_DEADLINES.get(key, default))


def _clock_agency(item: Clock) -> Agency | None:
    """The agency that owes ``item``: its hop's agency, or the lead agency for the resolution
    deadline; None when the coordinators (or the Inspectorate) hold it."""
    if item.dispatch is not None:
        return item.dispatch.agency
    if item.kind == Clock.Kind.RESOLUTION and item.complaint.lead_agency is not None:
        return item.complaint.lead_agency
    return None


def reminder_horizon(now: datetime) -> datetime | None:
    """Running staff deadlines ending by this moment get their reminder now: the end of the
    ``remind_working_days_before``-th working day after today. None: reminders are off."""
    days = _deadline_setting("remind_working_days_before", 1)
    return add_working_days(now, days) if days > 0 else None


@transaction.atomic
def clock_remind(*, clock_id: int) -> bool:
    """Remind whoever holds a running staff deadline that it ends soon, once per deadline, with
    its audit event ("clock.reminder") and a notice. Safe to repeat and to run concurrently:
    the conditional UPDATE on ``reminded_at`` lets only one caller through."""
    now = clock.now()
    horizon = reminder_horizon(now)
    if horizon is None:
        return False
    updated = Clock.objects.filter(
        pk=clock_id,
        kind__in=Clock.STAFF_KINDS,
        state=Clock.State.RUNNING,
        reminded_at__isnull=True,
        breached_at__isnull=True,
        due_at__gte=now,
        due_at__lte=horizon,
    ).update(reminded_at=now)
    if not updated:
        return False
    _tell_holder(clock_id, "clock.reminder")
    return True


def clock_escalation_due(item: Clock, now: datetime) -> int | None:
    """The level ``item`` should be escalated to now, or None.

    Step k of the chain is due once k times ``escalate_every_working_days`` working days have
    passed after the deadline (the breach itself notifies the holder). One step per call: a sweep
    that was stopped for a while catches up one level per run.
    """
    every = _deadline_setting("escalate_every_working_days", 1)
    if (
        every <= 0
        or item.kind not in Clock.STAFF_KINDS
        or item.state != Clock.State.RUNNING
        or item.breached_at is None
    ):
        return None
    base = 0 if _clock_agency(item) is not None else ESCALATION_COORDINATORS
    level = max(item.escalation_level, base) + 1
    if level > ESCALATION_LEADERSHIP:
        return None
    if now <= add_working_days(item.due_at, (level - base) * every):
        return None
    return level


@transaction.atomic
def clock_escalate(*, clock_id: int) -> bool:
    """Escalate an overdue running deadline one step (liaison officers, then coordinators or the
    Inspectorate, then leadership) when that step is due, with its audit event
    ("clock.escalated") and a notice to the new level. Never beyond leadership; safe to repeat
    and to run concurrently: the conditional UPDATE on the level lets only one caller through."""
    now = clock.now()
    item = (
        Clock.objects.select_related("complaint__lead_agency", "dispatch__agency")
        .filter(pk=clock_id)
        .first()
    )
    if item is None:
        return False
    level = clock_escalation_due(item, now)
    if level is None:
        return False
    updated = Clock.objects.filter(
        pk=clock_id,
        state=Clock.State.RUNNING,
        due_at=item.due_at,
        escalation_level=item.escalation_level,
    ).update(escalation_level=level, escalated_at=now)
    if not updated:
        return False
    complaint = item.complaint
    agency = _clock_agency(item)
    audience: Audience | tuple[Audience, Agency]
    if level == ESCALATION_LIAISON and agency is not None:
        audience = (Audience.AGENCY_LIAISON, agency)
    elif level == ESCALATION_COORDINATORS:
        audience = _coordinators(complaint)
    else:
        audience = Audience.LEADERSHIP
    to = audience[0] if isinstance(audience, tuple) else audience
    event = _audit(
        None,
        "clock.escalated",
        complaint,
        clock=item.kind,
        level=level,
        to=str(to),
        due_at=item.due_at.isoformat(),
        agency=agency.code if agency else None,
    )
    outbox_enqueue(
        event=event,
        complaint=complaint,
        audiences=[audience],
        payload={"clock": item.kind, "due_at": item.due_at.isoformat(), "level": level},
    )
    return True
