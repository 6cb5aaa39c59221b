"""Writes of the duplicates app: store what detection found, dismiss a pair.

Merging is not here: the workspace's "merge" action calls ``complaints.services.complaint_merge``
(archives the duplicate with a link, moves followers and supporters, audited).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aduan.complaints import policies
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, TransitionNotAllowed
from aduan.duplicates import detection
from aduan.duplicates.models import DuplicateCandidate, DuplicateScan


def pair_q(complaint_id: int) -> Q:
    """Pairs with ``complaint_id`` on either side."""
    return Q(complaint_id=complaint_id) | Q(candidate_id=complaint_id)


@transaction.atomic
def duplicates_detect(*, complaint: Complaint) -> list[DuplicateCandidate]:
    """Find the likely duplicates of ``complaint`` and store the pairs not known yet (a pair
    already stored from the other side, or dismissed, is left as it is). Derived data written by
    the system: not audited. Returns the new rows."""
    now = clock.now()
    found = detection.find(complaint)
    known = set()
    if found:
        for left, right in DuplicateCandidate.objects.filter(pair_q(complaint.pk)).values_list(
            "complaint_id", "candidate_id"
        ):
            known.add(right if left == complaint.pk else left)
    rows = [
        DuplicateCandidate(
            complaint=complaint,
            candidate=other,
            score=match.score,
            reasons=match.reasons,
            detected_at=now,
        )
        for other, match in found
        if other.pk not in known
    ]
    # A concurrent run for the same complaint may have stored them first.
    DuplicateCandidate.objects.bulk_create(rows, ignore_conflicts=True)
    DuplicateScan.objects.update_or_create(complaint=complaint, defaults={"scanned_at": now})
    return rows


def duplicates_detect_if_missing(*, complaint: Complaint) -> bool:
    """Detect for a complaint never scanned (older complaints, generated data); True if run."""
    if DuplicateScan.objects.filter(complaint_id=complaint.pk).exists():
        return False
    try:
        duplicates_detect(complaint=Complaint.objects.get(pk=complaint.pk))
    except IntegrityError:  # a concurrent scan won: its result stands
        return False
    return True


@transaction.atomic
def duplicate_dismiss(*, actor: Any, pair: DuplicateCandidate, complaint: Complaint) -> None:
    """A coordinator decides that the pair are different reports: it is no longer shown (on
    either complaint) and never found again. Audited on ``complaint``, the page it was done on."""
    pair = DuplicateCandidate.objects.select_for_update().get(pk=pair.pk)
    if complaint.pk not in (pair.complaint_id, pair.candidate_id):
        raise InvalidInput(_("This possible duplicate belongs to another complaint."))
    other_id = pair.candidate_id if pair.complaint_id == complaint.pk else pair.complaint_id
    other = Complaint.objects.get(pk=other_id)
    policies.ensure(
        policies.acts_as_coordinator(actor, complaint)
        and policies.acts_as_coordinator(actor, other)
    )
    if complaint.merged_into_id == other.pk or other.merged_into_id == complaint.pk:
        raise TransitionNotAllowed(
            _("These two reports were merged: they are one report now, not possible duplicates.")
        )
    if pair.dismissed_at is not None:
        return
    pair.dismissed_at = clock.now()
    pair.dismissed_by = policies.user_or_none(actor)
    pair.save(update_fields=["dismissed_at", "dismissed_by"])
    audit_log(
        actor=policies.user_or_none(actor),
        action="complaint.duplicate_dismissed",
        target=complaint,
        data={"duplicate": other.tracking_id},
    )
