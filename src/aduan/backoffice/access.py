"""Who may open which back-office page, and the staff menu built from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.complaints.policies import StaffRoles, staff_roles


@dataclass(frozen=True)
class Queue:
    """A work queue in the staff menu, shown to the roles in ``roles``."""

    key: str
    url_name: str
    title: Promise
    description: Promise
    roles: frozenset[str]


QUEUES = (
    Queue(
        "verification",
        "backoffice:verification",
        _("Verification"),
        _("New and held reports to verify, dispatch, hold or archive."),
        frozenset({Role.COORDINATOR, Role.INSPECTORATE}),
    ),
    Queue(
        "inbox",
        "backoffice:inbox",
        _("Agency inbox"),
        _("Complaints dispatched to your agency: accept, answer, resolve."),
        frozenset({Role.OPERATOR, Role.LIAISON}),
    ),
    Queue(
        "approval",
        "backoffice:approval",
        _("Approval"),
        _("Follow-ups waiting for your approval before the reporter sees them."),
        frozenset({Role.LIAISON, Role.INSPECTORATE}),
    ),
    Queue(
        "supervisory",
        "backoffice:supervisory",
        _("Supervisory"),
        _("Reports about misconduct of officials."),
        frozenset({Role.INSPECTORATE}),
    ),
    Queue(
        "overdue",
        "backoffice:overdue",
        _("Overdue and due soon"),
        _("Deadlines that have passed or end within a day."),
        frozenset(
            {Role.COORDINATOR, Role.OPERATOR, Role.LIAISON, Role.LEADERSHIP, Role.INSPECTORATE}
        ),
    ),
    Queue(
        "leadership",
        "backoffice:leadership",
        _("Leadership overview"),
        _("Overdue complaints by agency and the instructions given."),
        frozenset({Role.LEADERSHIP, Role.COORDINATOR}),
    ),
)
QUEUES_BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(roles: StaffRoles) -> list[Queue]:
    """The queues a person with ``roles`` works in, in menu order."""
    return [queue for queue in QUEUES if any(roles.has(role) for role in queue.roles)]


def works_with_complaints(roles: StaffRoles) -> bool:
    """Staff who handle complaints (monitors and administrators only read aggregates)."""
    return roles.is_staff and not roles.reads_aggregates_only


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/forbidden.html", status=403)


View = Callable[..., HttpResponseBase]


def staff_page(*, queue: str | None = None, works: bool = True) -> Callable[[View], View]:
    """Require a signed-in staff member (sign-in page for guests, 403 for everyone else); with
    ``works``, one who handles complaints; with ``queue``, one who works in that queue.

    The two-factor step is enforced before this by ``StaffSecurityMiddleware``.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            roles = staff_roles(request.user)
            if not roles.is_staff or (works and not works_with_complaints(roles)):
                return forbidden(request)
            if queue is not None and QUEUES_BY_KEY[queue] not in queues_for(roles):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def menu_context(request: HttpRequest, current: str = "") -> dict[str, Any]:
    """What backoffice/base.html needs for its menu."""
    from aduan.monitoring.report_views import uses_reports
    from aduan.renaksi.services import may_view_progress

    roles = staff_roles(request.user)
    return {
        "staff_queues": queues_for(roles),
        "current_queue": current,
        "staff_reports": uses_reports(roles),
        "staff_exports": works_with_complaints(roles),
        "staff_routing": Role.ADMIN in roles.instansi_wide,
        "staff_renaksi": may_view_progress(request.user),
        "staff_lapor": Role.ADMIN in roles.instansi_wide,
        "staff_knowledge": roles.is_staff,
    }
