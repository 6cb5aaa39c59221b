"""Human labels for what the audit log records (dotted action names are never shown)."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import ArchiveReason, Clock, Dispatch

ACTION_LABELS: dict[str, Promise] = {
    "complaint.submitted": _("Submitted"),
    "complaint.dispatched": _("Verified and dispatched"),
    "complaint.held": _("Put on hold: the reporter was asked to complete the report"),
    "complaint.completed": _("Completed by the reporter"),
    "complaint.archived": _("Archived"),
    "complaint.transferred": _("Transferred to another instansi"),
    "complaint.merged": _("Merged into another complaint"),
    "complaint.merged_in": _("A duplicate was merged into this complaint"),
    "complaint.duplicate_dismissed": _("Marked as not a duplicate of another complaint"),
    "routing.auto_dispatched": _("Dispatched automatically by the routing suggestion"),
    "routing.auto_dispatch_undone": _("Automatic dispatch undone"),
    "complaint.dispatch_withdrawn": _("Dispatch taken back by the coordinator"),
    "complaint.returned": _(
        "Shown to the reporter: returned to the coordinator, to be sent to the right agency"
    ),
    "complaint.privacy_changed": _("Protection changed"),
    "complaint.identity_revealed": _("Reporter's identity revealed"),
    "dispatch.accepted": _("Dispatch accepted"),
    "dispatch.declined": _("Dispatch declined"),
    "followup.drafted": _("Follow-up drafted"),
    "followup.submitted": _("Follow-up submitted for approval"),
    "followup.returned": _("Follow-up returned for revision"),
    "followup.published": _("Follow-up approved and published"),
    "complaint.noted": _("Internal note added"),
    "attachment.added": _("Attachment added"),
    "complaint.resolved": _("Marked resolved"),
    "complaint.replied": _("The reporter replied"),
    "complaint.reopened": _("Reopened by the reporter"),
    "complaint.rated": _("Rated by the reporter"),
    "complaint.instructed": _("Instruction from leadership"),
    "complaint.auto_closed": _("Closed automatically (no response from the reporter)"),
    "clock.breached": _("Deadline passed"),
    "clock.reminder": _("Deadline reminder"),
    "clock.escalated": _("Escalated"),
}

# "clock.escalated" names who it went to (the audit data's ``to``, an Audience value).
ESCALATED_TO = _("Escalated to %(audience)s")

# Audit data worth showing next to a step, with its label.
DATA_LABELS: dict[str, Promise] = {
    "lead_agency": _("Lead agency"),
    "supporting_agencies": _("Supporting agencies"),
    "agency": _("Agency"),
    "role": _("Role"),
    "reason": _("Reason"),
    "note": _("Note"),
    "target": _("Transferred to"),
    "into": _("Merged into"),
    "duplicate": _("Duplicate"),
    "score": _("Rating"),
    "clock": _("Deadline"),
}

# The label of a data key on one step, where the key's own label would mislead: the other
# complaint of a dismissed pair is named, but as *not* a duplicate.
STEP_DATA_LABELS: dict[tuple[str, str], Promise] = {
    ("complaint.duplicate_dismissed", "duplicate"): _("Not a duplicate of"),
}

# Audit data holding a code: shown by its choice's label (a code no longer known as it is).
# On every step for a key that is always a code...
DATA_CHOICES: dict[str, type[models.TextChoices]] = {
    "clock": Clock.Kind,
}
# ...and on one step only for a key that elsewhere holds free text: "reason" is the officer's
# own words on a hold, a decline or a reveal, and only an archive's reason is a code.
STEP_DATA_CHOICES: dict[tuple[str, str], type[models.TextChoices]] = {
    ("complaint.archived", "reason"): ArchiveReason,
    ("dispatch.declined", "role"): Dispatch.Role,
}
