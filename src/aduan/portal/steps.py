"""What the portal says about a complaint's history, deadlines and holder, in plain sentences.

Audit actions are dotted codes (``complaint.dispatched``); people never see them. Each one the
reporter may see (``selectors.REPORTER_ACTIONS``) has a sentence here; the public page, which has
no access to the audit trail, tells the public steps from the complaint's own dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.complaints.models import ArchiveReason, Clock, Complaint, Dispatch, FollowUp, Status
from aduan.complaints.selectors import (
    REPORTER_ACTIONS,
    REPORTER_DATA_KEYS,
    TimelineEntry,
    agency_names,
)

# One sentence per step, as the reporter reads it ("you").
REPORTER_SENTENCES: dict[str, Any] = {
    "complaint.submitted": gettext_lazy("You sent the report."),
    "complaint.dispatched": gettext_lazy(
        "The coordinator verified the report and sent it to %(agency)s."
    ),
    "complaint.returned": gettext_lazy(
        "The report was returned to the coordinator, to be sent to the right agency."
    ),
    "complaint.held": gettext_lazy("The coordinator asked you to complete the report."),
    "complaint.completed": gettext_lazy("You completed the report; it is being verified again."),
    "complaint.archived": gettext_lazy("The report was archived: %(reason)s."),
    "complaint.transferred": gettext_lazy(
        "The report is outside our authority and was transferred to %(target)s."
    ),
    "complaint.merged": gettext_lazy(
        "The report was merged into %(into)s, which reports the same problem; you will hear "
        "about its progress."
    ),
    "complaint.merged_in": gettext_lazy(
        "Another report about the same problem (%(duplicate)s) was merged into this one."
    ),
    "followup.published": gettext_lazy("An agency published a follow-up."),
    "complaint.resolved": gettext_lazy(
        "The agency marked the problem as solved and is waiting for your response."
    ),
    "complaint.replied": gettext_lazy("You sent a message."),
    "complaint.reopened": gettext_lazy("You reopened the report."),
    "complaint.rated": gettext_lazy("You rated the handling %(score)s out of 5."),
    "complaint.auto_closed": gettext_lazy(
        "The report was closed because there was no response in time."
    ),
}
# Lead dispatches that ended by going back to the coordinator.
RETURNED_STATES = (Dispatch.State.WITHDRAWN, Dispatch.State.DECLINED)
# Actions whose ``reason`` is a free text written for the reporter (shown as a quotation).
QUOTED_REASONS = frozenset({"complaint.held", "complaint.reopened"})


@dataclass(frozen=True)
class Step:
    """One line of a timeline: when, what happened, and optionally a quoted text."""

    at: datetime
    sentence: str
    quote: str = ""


def reporter_steps(entries: Sequence[TimelineEntry]) -> list[Step]:
    """The reporter's timeline from ``selectors.complaint_timeline`` (only the steps and data
    meant for reporters, whoever the viewer is)."""
    visible = [entry for entry in entries if entry.action in REPORTER_ACTIONS]
    names = agency_names(str(entry.data.get("lead_agency") or "") for entry in visible)
    steps = []
    for entry in visible:
        data = {k: v for k, v in entry.data.items() if k in REPORTER_DATA_KEYS}
        template = REPORTER_SENTENCES.get(entry.action)
        if template is None:
            continue
        reason = str(data.get("reason") or "")
        params = {
            "agency": names.get(str(data.get("lead_agency") or ""), _("an agency")),
            "reason": _archive_reason(reason),
            "target": data.get("target") or _("another institution"),
            "into": data.get("into") or "",
            "duplicate": data.get("duplicate") or "",
            "score": data.get("score") or "",
        }
        quote = reason if entry.action in QUOTED_REASONS else ""
        steps.append(Step(entry.at, str(template) % params, quote))
    return steps


def _archive_reason(code: str) -> str:
    try:
        return str(ArchiveReason(code).label).lower()
    except ValueError:
        return code


def public_steps(
    complaint: Complaint, followups: Sequence[FollowUp], lead_hops: Iterable[Dispatch]
) -> list[Step]:
    """The public history, from the complaint's own dates (no audit trail, no names).

    ``lead_hops``: the complaint's lead dispatches. One given back (taken back by the
    coordinator, or declined) shows as sent to "an agency", then a neutral "returned" step: the
    public is not told which agency it was, nor why."""
    steps = [Step(complaint.submitted_at, _("The report was received."))]
    for hop in lead_hops:
        returned = hop.state in RETURNED_STATES
        agency = _("an agency") if returned else hop.agency
        steps.append(
            Step(hop.dispatched_at, _("Verified and sent to %(agency)s.") % {"agency": agency})
        )
        if returned and hop.responded_at:
            steps.append(
                Step(
                    hop.responded_at,
                    _("Returned to the coordinator, to be sent to the right agency."),
                )
            )
    for followup in followups:
        if followup.published_at:
            steps.append(
                Step(
                    followup.published_at,
                    _("%(agency)s published a follow-up.") % {"agency": followup.dispatch.agency},
                )
            )
    if complaint.resolved_at:
        steps.append(Step(complaint.resolved_at, _("Marked as solved by the agency.")))
    if complaint.closed_at and complaint.status == Status.CLOSED:
        steps.append(Step(complaint.closed_at, _("Closed.")))
    return sorted(steps, key=lambda step: step.at)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@dataclass(frozen=True)
class Deadline:
    sentence: str
    due_at: datetime
    paused: bool
    overdue: bool


def deadlines(clocks: Iterable[Clock], now: datetime) -> list[Deadline]:
    """The running and paused deadlines as sentences for the reporter."""
    result = []
    for item in clocks:
        agency = item.dispatch.agency if item.dispatch_id and item.dispatch else None
        when = _when(item.due_at)
        if item.kind == Clock.Kind.VERIFY:
            sentence = _("The coordinator verifies the report by %(when)s.") % {"when": when}
        elif item.kind == Clock.Kind.FIRST_FOLLOWUP:
            sentence = _("%(agency)s publishes a first follow-up by %(when)s.") % {
                "agency": agency or _("The agency"),
                "when": when,
            }
        elif item.kind == Clock.Kind.FOLLOWUP:
            sentence = _("%(agency)s answers you by %(when)s.") % {
                "agency": agency or _("The agency"),
                "when": when,
            }
        elif item.kind == Clock.Kind.RESOLUTION:
            sentence = _("The problem should be solved by %(when)s.") % {"when": when}
        elif item.kind == Clock.Kind.AUTO_CLOSE:
            sentence = _("Please respond by %(when)s; after that the report closes by itself.") % {
                "when": when
            }
        elif item.kind == Clock.Kind.HOLD:
            sentence = _("Please complete the report by %(when)s; after that it is archived.") % {
                "when": when
            }
        else:  # a kind added later: still say when
            sentence = _("%(what)s: by %(when)s.") % {"what": item.get_kind_display(), "when": when}
        paused = item.state == Clock.State.PAUSED
        if paused:
            sentence = _("%(deadline)s Paused while the report is on hold.") % {
                "deadline": sentence
            }
        overdue = not paused and item.kind in Clock.STAFF_KINDS and item.due_at < now
        result.append(Deadline(sentence, item.due_at, paused, overdue))
    return result


def holder(complaint: Complaint, clocks: Iterable[Clock] = ()) -> str:
    """Who has to act on the complaint now, in one phrase (``clocks``: its open deadlines)."""
    status = complaint.status
    if status == Status.RESOLVED and any(
        item.kind == Clock.Kind.FOLLOWUP and item.state == Clock.State.RUNNING for item in clocks
    ):
        # The reporter wrote back after the resolution: the agency answers before the reporter
        # is asked to respond again.
        return str(complaint.lead_agency or _("The coordinator"))
    if status == Status.SUBMITTED:
        return _("The coordinator, who verifies the report")
    if status == Status.ON_HOLD:
        return _("You: the coordinator asked you to complete the report")
    if status in (Status.DISPATCHED, Status.IN_PROGRESS):
        return str(complaint.lead_agency or _("The coordinator"))
    if status == Status.RESOLVED:
        return _("You: %(agency)s says the problem is solved; please respond") % {
            "agency": complaint.lead_agency or _("the agency")
        }
    if status == Status.TRANSFERRED:
        return _("%(target)s (outside our authority)") % {"target": complaint.transfer_target}
    if status == Status.ARCHIVED:
        return _("Nobody: the report was archived (%(reason)s)") % {
            "reason": _archive_reason(complaint.archive_reason)
        }
    return _("Nobody: the report is finished")
