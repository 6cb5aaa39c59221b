"""Reads of the duplicates app, scoped like every staff read (``complaints.selectors``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext, ngettext

from aduan.complaints import policies, selectors
from aduan.complaints.models import Complaint, Status
from aduan.duplicates import detection
from aduan.duplicates.models import DuplicateCandidate
from aduan.duplicates.services import pair_q

VERIFYING = (Status.SUBMITTED, Status.ON_HOLD)


def reason_text(reason: dict[str, Any]) -> str:
    """One stored reason in words, in the active language."""
    code = reason.get("code")
    if code == "text":
        return gettext("text %(percent)s %% similar") % {"percent": reason.get("percent", 0)}
    if code == "same_kelurahan":
        return gettext("same kelurahan")
    if code == "same_kecamatan":
        return gettext("same kecamatan")
    if code == "distance":
        return gettext("%(metres)s m apart") % {"metres": reason.get("metres", 0)}
    if code == "same_category":
        return gettext("same category")
    if code == "time":
        days = int(reason.get("days", 0))
        if days == 0:
            return gettext("the same day")
        if reason.get("before"):
            return ngettext("%(days)d day earlier", "%(days)d days earlier", days) % {"days": days}
        return ngettext("%(days)d day later", "%(days)d days later", days) % {"days": days}
    return str(code)


def reasons_text(reasons: Iterable[dict[str, Any]]) -> str:
    return " · ".join(reason_text(reason) for reason in reasons)


def _flip(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reasons seen from the other complaint of the pair (earlier becomes later)."""
    return [
        {**reason, "before": not reason.get("before")} if reason.get("code") == "time" else reason
        for reason in reasons
    ]


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate of the complaint on screen, as its viewer may see it."""

    pair_id: int
    other: Complaint
    score: float
    reasons: str
    # Merge the complaint on screen into ``other`` / ``other`` into it (the workspace's action).
    can_merge_into_other: bool
    can_merge_other_here: bool
    # "Not a duplicate" (a coordinator of both).
    can_dismiss: bool

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _merged(one: Complaint, other: Complaint) -> bool:
    """One of the two was merged into the other: they are one report now, not a question."""
    return one.merged_into_id == other.pk or other.merged_into_id == one.pk


def candidates_for(user: Any, complaint: Complaint) -> list[Candidate]:
    """The open (not dismissed) possible duplicates of ``complaint`` that ``user`` may see,
    best first, without the pair it was merged into or from. Empty for staff who may not see
    ``complaint`` itself."""
    pairs = list(
        DuplicateCandidate.objects.filter(pair_q(complaint.pk), dismissed_at__isnull=True)
        .order_by("-score", "pk")
        .values_list("pk", "complaint_id", "candidate_id", "score", "reasons")
    )
    if not pairs:
        return []
    other_ids = {left if right == complaint.pk else right for _pk, left, right, _s, _r in pairs}
    others = {
        other.pk: other
        for other in selectors.complaint_list(user, as_staff=True).filter(pk__in=other_ids)
    }
    coordinator = policies.acts_as_coordinator(user, complaint)
    result, seen = [], set()
    for pk, left, right, score, reasons in pairs:
        other_id = right if left == complaint.pk else left
        other = others.get(other_id)
        if other is None or other_id in seen or _merged(complaint, other):
            continue
        seen.add(other_id)
        receives = other.status not in detection.CLOSED_FOR_MERGING and not other.merged_into_id
        here_receives = (
            complaint.status not in detection.CLOSED_FOR_MERGING and not complaint.merged_into_id
        )
        result.append(
            Candidate(
                pair_id=pk,
                other=other,
                score=score,
                reasons=reasons_text(reasons if left == complaint.pk else _flip(reasons)),
                can_merge_into_other=coordinator and complaint.status in VERIFYING and receives,
                can_merge_other_here=(
                    coordinator
                    and other.status in VERIFYING
                    and here_receives
                    and policies.acts_as_coordinator(user, other)
                ),
                can_dismiss=coordinator and policies.acts_as_coordinator(user, other),
            )
        )
    return result


def flagged_ids(user: Any, complaint_ids: Iterable[int]) -> set[int]:
    """Which of ``complaint_ids`` have an open possible duplicate that ``user`` may see and that
    is still open for merging (two queries, whatever the number of rows: for queue pages)."""
    ids = set(complaint_ids)
    if not ids:
        return set()
    pairs = list(
        DuplicateCandidate.objects.filter(
            Q(complaint_id__in=ids) | Q(candidate_id__in=ids), dismissed_at__isnull=True
        ).values_list("complaint_id", "candidate_id")
    )
    others = {pk for pair in pairs for pk in pair}
    visible = set(
        policies.visible_to(user, as_staff=True)
        .filter(pk__in=others)
        .exclude(status__in=detection.CLOSED_FOR_MERGING)
        .values_list("pk", flat=True)
    )
    flagged = set()
    for left, right in pairs:
        if left in ids and right in visible:
            flagged.add(left)
        if right in ids and left in visible:
            flagged.add(right)
    return flagged


def similar_public(complaint: Complaint, *, limit: int = 5) -> list[Complaint]:
    """Public complaints (``selectors.public_complaints``) likely about the same problem as
    ``complaint``: what the portal offers its reporter to support or follow instead."""
    public = selectors.public_complaints()
    found = detection.find(complaint, public, limit=limit)
    ids = [other.pk for other, _match in found]
    by_pk = {other.pk: other for other in public.filter(pk__in=ids)}
    return [by_pk[pk] for pk in ids if pk in by_pk]
