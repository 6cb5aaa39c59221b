"""Reads of NIK data, scoped by who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aduan.complaints import policies
from aduan.complaints.models import Complaint


@dataclass(frozen=True)
class ReporterNik:
    """A complaint reporter's NIK and its status, for the coordinators' complaint page."""

    nik: str
    status: str  # an aduan.accounts.models.NikStatus value ("" when the account has none)


def reporter_nik(viewer: Any, complaint: Complaint, *, identity_shown: bool) -> ReporterNik | None:
    """The reporter's NIK for ``viewer``, or None.

    Only for those who act as coordinator on this complaint (coordinators; the Inspectorate for
    supervisory reports), and only where the page already shows the reporter's identity (the
    privacy rules, or an audited reveal, decided that). Agencies, leadership, monitors and the
    public never get it. None for a guest's report (no account, no NIK).
    """
    if not identity_shown or not policies.acts_as_coordinator(viewer, complaint):
        return None
    # Read afresh: the instance may have its reporter blanked in memory (before a reveal).
    row = (
        Complaint.objects.filter(pk=complaint.pk, reporter__isnull=False)
        .values_list("reporter__nik", "reporter__nik_status")
        .first()
    )
    if row is None:
        return None
    return ReporterNik(nik=row[0], status=row[1])
