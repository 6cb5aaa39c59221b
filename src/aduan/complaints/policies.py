"""Who may see and do what (DESIGN §4). One place: views, API, channels and services ask here.

``visible_to(user)`` is the only scoping function for staff queries; ``ensure(...)`` is what every
service calls before it changes anything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.complaints.models import PUBLIC_LIST, Complaint, Dispatch
from aduan.core.errors import PermissionDenied

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.agencies.models import Agency


class Action(StrEnum):
    """Every lifecycle action a person can take."""

    DISPATCH = "dispatch"
    HOLD = "hold"
    COMPLETE = "complete"
    ARCHIVE = "archive"
    TRANSFER = "transfer"
    MERGE = "merge"
    SET_PRIVACY = "set_privacy"
    REVEAL_IDENTITY = "reveal_identity"
    ACCEPT_DISPATCH = "accept_dispatch"
    DECLINE_DISPATCH = "decline_dispatch"
    DRAFT_FOLLOWUP = "draft_followup"
    REVIEW_FOLLOWUP = "review_followup"
    NOTE = "note"
    ATTACH = "attach"
    RESOLVE = "resolve"
    REPLY = "reply"
    REOPEN = "reopen"
    RATE = "rate"
    INSTRUCT = "instruct"


@dataclass(frozen=True)
class GuestPass:
    """Proof that a guest knows a complaint's tracking ID and secret."""

    complaint_id: int


def guest_secret_hash(tracking_id: str, secret: str) -> str:
    """What is stored for a guest secret: a hash bound to its tracking ID. The secret is letters
    and digits; what people add when they type it (spaces, dashes, lower case) is ignored."""
    typed = re.sub(r"[^0-9A-Za-z]", "", secret).upper()
    return hashlib.sha256(f"{tracking_id}:{typed}".encode()).hexdigest()


def guest_pass(complaint: Complaint, secret: str) -> GuestPass:
    """Check a guest's secret in constant time; raise PermissionDenied when it is wrong."""
    if not complaint.guest_secret_hash or not hmac.compare_digest(
        complaint.guest_secret_hash, guest_secret_hash(complaint.tracking_id, secret)
    ):
        raise PermissionDenied(_("The tracking ID or secret code is wrong."))
    return GuestPass(complaint_id=complaint.pk)


@dataclass
class StaffRoles:
    """A user's active roles; for agency-bound roles, the agency paths they act for."""

    instansi_wide: set[str] = field(default_factory=set)
    agency_paths: dict[str, list[str]] = field(default_factory=dict)

    def has(self, role: str) -> bool:
        return role in self.instansi_wide or role in self.agency_paths

    def acts_in(self, role: str, agency: Agency | None) -> bool:
        """True when the role is held instansi-wide, or in ``agency`` or one of its parents."""
        if role in self.instansi_wide:
            return True
        if agency is None:
            return False
        return any(agency.path.startswith(path) for path in self.agency_paths.get(role, ()))

    @property
    def is_staff(self) -> bool:
        return bool(self.instansi_wide or self.agency_paths)

    @property
    def reads_aggregates_only(self) -> bool:
        """Monitors (and administrators): no personal data, no internal working."""
        return (
            self.is_staff
            and self.instansi_wide <= {Role.MONITOR, Role.ADMIN}
            and not self.agency_paths
        )


def staff_roles(user: Any) -> StaffRoles:
    """The user's roles, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return StaffRoles()
    cached = getattr(user, "_aduan_staff_roles", None)
    if isinstance(cached, StaffRoles):
        return cached
    roles = StaffRoles()
    for role, path in user.memberships.filter(is_active=True).values_list("role", "agency__path"):
        if path:
            roles.agency_paths.setdefault(role, []).append(path)
        else:
            roles.instansi_wide.add(role)
    user._aduan_staff_roles = roles
    return roles


def is_system_admin(user: Any) -> bool:
    """System administrators (an instansi-wide role): they run the connector, routing and
    document-library screens."""
    return Role.ADMIN in staff_roles(user).instansi_wide


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after memberships change)."""
    if hasattr(user, "_aduan_staff_roles"):
        del user._aduan_staff_roles


def _dispatched_to(paths: list[str]) -> Q:
    agency_q = Q()
    for path in paths:
        agency_q |= Q(agency__path__startswith=path)
    complaint_ids = Dispatch.objects.filter(agency_q, state__in=Dispatch.VISIBLE_STATES).values(
        "complaint_id"
    )
    return Q(pk__in=complaint_ids)


def visible_to(user: Any, *, as_staff: bool = False) -> QuerySet[Complaint]:
    """Every complaint ``user`` may see. Every staff query starts here.

    ``as_staff`` leaves out the user's own reports: the back office shows a complaint only to
    those who work on it, so an officer who reported something sees it as a reporter does.
    """
    base = Complaint.objects.all()
    roles = staff_roles(user)
    if roles.has(Role.COORDINATOR) or roles.has(Role.LEADERSHIP):
        return base
    condition = Q(pk__in=[])
    if getattr(user, "is_authenticated", False) and not as_staff:
        condition |= Q(reporter=user)
    if roles.has(Role.MONITOR):
        # Samples for evaluation: what the public may see.
        condition |= PUBLIC_LIST
    if Role.INSPECTORATE in roles.instansi_wide:
        condition |= Q(is_supervisory=True)
    elif Role.INSPECTORATE in roles.agency_paths:
        condition |= Q(is_supervisory=True) | _dispatched_to(roles.agency_paths[Role.INSPECTORATE])
    agency_paths = [
        path for role in (Role.OPERATOR, Role.LIAISON) for path in roles.agency_paths.get(role, [])
    ]
    if agency_paths:
        condition |= _dispatched_to(agency_paths)
    return base.filter(condition)


def can_see(user: Any, complaint: Complaint) -> bool:
    if isinstance(user, GuestPass):
        return user.complaint_id == complaint.pk
    return visible_to(user).filter(pk=complaint.pk).exists()


def is_reporter(actor: Any, complaint: Complaint) -> bool:
    """The reporter: the account that submitted it, or a guest holding its secret."""
    if isinstance(actor, GuestPass):
        return actor.complaint_id == complaint.pk
    return bool(
        getattr(actor, "is_authenticated", False)
        and complaint.reporter_id is not None
        and complaint.reporter_id == actor.pk
    )


def acts_as_coordinator(user: Any, complaint: Complaint) -> bool:
    """Coordinators, and the Inspectorate for reports about officials' misconduct."""
    roles = staff_roles(user)
    return roles.has(Role.COORDINATOR) or (
        complaint.is_supervisory and roles.has(Role.INSPECTORATE)
    )


def acts_for_dispatch(user: Any, dispatch: Dispatch, *, approve: bool = False) -> bool:
    """May ``user`` work on this hop? Operators draft; liaison officers also approve/accept/decline.

    The Inspectorate acts as both for supervisory complaints dispatched to its agency.
    """
    if dispatch.state not in Dispatch.VISIBLE_STATES:
        return False  # ended without its complaint closing: declined or withdrawn
    roles = staff_roles(user)
    wanted = [Role.LIAISON] if approve else [Role.OPERATOR, Role.LIAISON]
    if dispatch.complaint.is_supervisory:
        wanted.append(Role.INSPECTORATE)
    return any(roles.acts_in(role, dispatch.agency) for role in wanted)


def dispatches_for(user: Any, complaint: Complaint, *, approve: bool = False) -> list[Dispatch]:
    """The complaint's hops that ``user`` may work on, lead first: the active ones, or those
    completed when it closed (the services then refuse by the complaint's state, not by
    permission)."""
    dispatches = complaint.dispatches.filter(state__in=Dispatch.VISIBLE_STATES).select_related(
        "agency"
    )
    mine = [d for d in dispatches if acts_for_dispatch(user, d, approve=approve)]
    return sorted(mine, key=lambda d: d.role != Dispatch.Role.LEAD)


def can_see_identity(user: Any, complaint: Complaint) -> bool:
    """Whether the reporter's identity may be shown to ``user`` without an audited reveal."""
    return identity_visible(user, complaint, visible=can_see(user, complaint))


def identity_visible(user: Any, complaint: Complaint, *, visible: bool) -> bool:
    """:func:`can_see_identity` when the caller already knows whether ``user`` may see the
    complaint (e.g. it came from ``visible_to(user)``)."""
    if is_reporter(user, complaint):
        return True
    roles = staff_roles(user)
    if not roles.is_staff or not visible:
        return False
    if complaint.is_confidential:
        return False
    if complaint.is_anonymous:
        return acts_as_coordinator(user, complaint)
    return not roles.reads_aggregates_only


def can_reveal_identity(user: Any, complaint: Complaint) -> bool:
    return acts_as_coordinator(user, complaint)


def ensure(allowed: bool) -> None:
    """Raise the domain error that every audience knows how to show."""
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this on this complaint."))


def ensure_visible(user: Any, complaint: Complaint) -> None:
    if not can_see(user, complaint):
        raise PermissionDenied(_("You are not allowed to do this on this complaint."))


def user_or_none(actor: Any) -> User | None:
    """The account behind an actor, for foreign keys and the audit log (None for guests)."""
    from aduan.accounts.models import User

    return actor if isinstance(actor, User) else None
