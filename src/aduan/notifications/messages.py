"""What a notification says, per event, in the recipient's language (Bahasa Indonesia or English).

Texts name the tracking ID, the new status and a link; never a person's name, contact or the
complaint's free text, so no message carries personal data of anyone, and a staff member never
learns an anonymous or confidential reporter's identity from one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aduan.accounts.services import PHONE_CODE_EVENT
from aduan.complaints.models import Clock, Status
from aduan.core.calendar import local_date

# event -> (title, text for the reporter and followers). ``%(tracking_id)s`` is the complaint,
# ``%(status)s`` its status label.
CITIZEN_TEXTS: dict[str, tuple[Promise, Promise]] = {
    "complaint.submitted": (
        _("Report %(tracking_id)s received"),
        _(
            "We have received your report %(tracking_id)s. It will be checked and forwarded to "
            "the agency responsible."
        ),
    ),
    "complaint.dispatched": (
        _("Report %(tracking_id)s forwarded"),
        _("Your report %(tracking_id)s has been forwarded to the agency that will handle it."),
    ),
    "complaint.held": (
        _("Report %(tracking_id)s needs more information"),
        _(
            "Your report %(tracking_id)s is on hold until you add what is missing: %(reason)s. "
            "Please complete it on the tracking page."
        ),
    ),
    "complaint.archived": (
        _("Report %(tracking_id)s archived"),
        _("Your report %(tracking_id)s has been archived. See the tracking page for the reason."),
    ),
    "complaint.transferred": (
        _("Report %(tracking_id)s transferred"),
        _(
            "Your report %(tracking_id)s is outside our authority and has been forwarded to the "
            "authority responsible. See the tracking page for details."
        ),
    ),
    "complaint.merged": (
        _("Report %(tracking_id)s merged"),
        _(
            "Your report %(tracking_id)s describes the same problem as report %(into)s and has "
            "been merged into it. You will be told about its progress."
        ),
    ),
    "followup.published": (
        _("New follow-up on report %(tracking_id)s"),
        _("The agency has published a follow-up on report %(tracking_id)s."),
    ),
    "complaint.resolved": (
        _("Report %(tracking_id)s resolved"),
        _(
            "Report %(tracking_id)s has been marked resolved. If you are not satisfied you may "
            "reopen it; otherwise please rate the handling."
        ),
    ),
    "complaint.auto_closed": (
        _("Report %(tracking_id)s closed"),
        _("Report %(tracking_id)s has been closed. Thank you for your report."),
    ),
    "complaint.closed": (
        _("Report %(tracking_id)s closed"),
        _("Report %(tracking_id)s has been closed. Thank you for your report."),
    ),
    "complaint.reopened": (
        _("Report %(tracking_id)s reopened"),
        _("Report %(tracking_id)s has been reopened."),
    ),
}

# event -> (title, text) for staff; they open the complaint in the back office.
STAFF_TEXTS: dict[str, tuple[Promise, Promise]] = {
    "complaint.submitted": (
        _("New report %(tracking_id)s"),
        _("Report %(tracking_id)s has been submitted and waits for verification."),
    ),
    "complaint.completed": (
        _("Report %(tracking_id)s completed by the reporter"),
        _("The reporter has added the missing information to report %(tracking_id)s."),
    ),
    "complaint.dispatched": (
        _("Report %(tracking_id)s dispatched to your agency"),
        _("Report %(tracking_id)s has been dispatched to %(agency)s. Please accept and act."),
    ),
    "complaint.dispatch_withdrawn": (
        _("Dispatch of %(tracking_id)s taken back"),
        _(
            "The coordinator has taken back the dispatch of report %(tracking_id)s to "
            "%(agency)s. It is no longer your agency's to handle; please stop any work on it."
        ),
    ),
    "routing.auto_dispatch_undone": (
        _("Automatic dispatch of %(tracking_id)s undone"),
        _(
            "The coordinator has undone the automatic dispatch of report %(tracking_id)s to "
            "%(agency)s. It is no longer your agency's to handle; please stop any work on it."
        ),
    ),
    "dispatch.accepted": (
        _("Dispatch of %(tracking_id)s accepted"),
        _("An agency has accepted the dispatch of report %(tracking_id)s."),
    ),
    "dispatch.declined": (
        _("Dispatch of %(tracking_id)s declined"),
        _("An agency has declined the dispatch of report %(tracking_id)s. Please review it."),
    ),
    "followup.submitted": (
        _("Follow-up on %(tracking_id)s awaits approval"),
        _("A follow-up on report %(tracking_id)s has been drafted and awaits your approval."),
    ),
    "followup.returned": (
        _("Follow-up on %(tracking_id)s returned"),
        _("The follow-up on report %(tracking_id)s has been returned for revision."),
    ),
    "complaint.replied": (
        _("Reporter replied on %(tracking_id)s"),
        _("The reporter has replied on report %(tracking_id)s."),
    ),
    "complaint.reopened": (
        _("Report %(tracking_id)s reopened"),
        _("The reporter has reopened report %(tracking_id)s; a new follow-up is owed."),
    ),
    "complaint.rated": (
        _("Report %(tracking_id)s rated"),
        _("The reporter has rated the handling of report %(tracking_id)s."),
    ),
    "complaint.instructed": (
        _("Instruction on %(tracking_id)s"),
        _("Leadership has given an instruction on report %(tracking_id)s."),
    ),
    "clock.breached": (
        _("Report %(tracking_id)s is overdue"),
        _("A deadline on report %(tracking_id)s has passed (%(clock)s)."),
    ),
    "clock.reminder": (
        _("Report %(tracking_id)s is due soon"),
        _(
            "A deadline on report %(tracking_id)s ends on %(due)s (%(clock)s). Please act "
            "before it passes."
        ),
    ),
    "clock.escalated": (
        _("Overdue report %(tracking_id)s escalated to you"),
        _(
            "A deadline on report %(tracking_id)s passed on %(due)s (%(clock)s) and has not "
            "been met. It has been escalated to you: please see that it is handled."
        ),
    ),
}

# event -> (title, text) for messages about a person's own request rather than a complaint
# (exports, issue 5). ``%(list)s`` is the list's title, translated here from the English one in
# the payload; the link is the payload's site path.
OWN_REQUEST_TEXTS: dict[str, tuple[Promise, Promise]] = {
    "export.ready": (
        _("Your export is ready"),
        _(
            'Your export of the list "%(list)s" (%(rows)s rows) is ready. Download it within '
            "%(days)s days on the exports page."
        ),
    ),
    "export.failed": (
        _("Your export could not be made"),
        _(
            'Your export of the list "%(list)s" could not be made. Please try again, or ask '
            "the administrator."
        ),
    ),
}

# Staff events about a complaint the recipients may no longer open (its dispatch to their agency
# was taken back): the link goes to their inbox instead.
NO_LONGER_THEIRS = frozenset({"complaint.dispatch_withdrawn", "routing.auto_dispatch_undone"})

GENERIC_TEXT = (
    _("News on report %(tracking_id)s"),
    _("Report %(tracking_id)s has changed. Its status is now: %(status)s."),
)

FOLLOWER_NOTE = _("You receive this because your report %(own)s was merged into it.")
SIGNATURE = _("This message was sent automatically by %(instansi)s. Please do not reply.")


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str  # site path; prefix ADUAN_SITE_URL for outside channels

    @property
    def absolute_link(self) -> str:
        return f"{settings.ADUAN_SITE_URL}{self.link}"

    def text(self) -> str:
        """The whole message for e-mail, WhatsApp and SMS."""
        return f"{self.body}\n{self.absolute_link}" if self.link else self.body


def _label(choices: Any, value: Any) -> str:
    """The translated label of a stored choice; the value itself if it is unknown."""
    return str(choices(value).label) if value in choices.values else str(value or "")


def _due_date(value: Any) -> str:
    """A deadline from the payload as a date in the active language (Asia/Jakarta)."""
    moment = parse_datetime(str(value or ""))
    if moment is None:
        return "-"
    return date_format(local_date(moment), "DATE_FORMAT")


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def render(
    *,
    event: str,
    payload: dict[str, Any],
    language: str,
    staff: bool,
    via_tracking_id: str = "",
    agency_name: str = "",
) -> Rendered:
    """Render ``event`` for one recipient in ``language``. Uses only the outbox payload."""
    if event == PHONE_CODE_EVENT:
        # The text was written, in the account's language, when the code was drawn.
        return Rendered(title="", body=str(payload.get("text", "")), link="")
    if event in OWN_REQUEST_TEXTS:
        with translation.override(language):
            title, body = OWN_REQUEST_TEXTS[event]
            values = _Default(
                list=gettext(str(payload.get("list_title", ""))),
                rows=payload.get("rows", ""),
                days=payload.get("days", ""),
            )
            return Rendered(
                title=str(title) % values,
                body=str(body) % values,
                link=str(payload.get("link", "")),
            )
    tracking_id = str(payload.get("tracking_id", ""))
    with translation.override(language):
        table = STAFF_TEXTS if staff else CITIZEN_TEXTS
        title, body = table.get(event, GENERIC_TEXT)
        status = payload.get("status", "")
        values = _Default(
            tracking_id=tracking_id,
            status=_label(Status, status),
            reason=payload.get("reason", ""),
            into=payload.get("into", ""),
            clock=_label(Clock.Kind, payload.get("clock", "")),
            due=_due_date(payload.get("due_at")),
            agency=agency_name,
        )
        text = str(body) % values
        if via_tracking_id and via_tracking_id != tracking_id:
            text = f"{text} {FOLLOWER_NOTE % {'own': via_tracking_id}}"
        if staff and event in NO_LONGER_THEIRS:
            link = reverse("backoffice:inbox")
        elif staff:
            link = reverse("backoffice:complaint", kwargs={"tracking_id": tracking_id})
        else:
            link = reverse(
                "portal:track_detail", kwargs={"tracking_id": via_tracking_id or tracking_id}
            )
        return Rendered(title=str(title) % values, body=text, link=link)


def email_body(rendered: Rendered, *, language: str) -> str:
    with translation.override(language):
        signature = SIGNATURE % {"instansi": settings.ADUAN_INSTANSI_NAME}
    return f"{rendered.body}\n\n{rendered.absolute_link}\n\n-- \n{signature}\n"
