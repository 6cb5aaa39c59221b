"""Who may see and keep which documents and canned responses (docs/knowledge.md "Who may do
what"). Selectors scope their querysets with these; services check them again before writing.

- Documents: every staff member reads them (scoped by agency when a document names agencies);
  system administrators keep them.
- Canned responses: staff who work with complaints (and administrators) read them; an agency's
  operators, liaison officers (and the Inspectorate for its own agency) keep their agency's and
  its sub-units'; coordinators and administrators keep the shared, instansi-wide ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from aduan.accounts.models import Role
from aduan.complaints.policies import StaffRoles, staff_roles

if TYPE_CHECKING:
    from aduan.agencies.models import Agency

# Agency roles that keep their agency's canned responses (they draft and approve follow-ups).
TEMPLATE_KEEPERS = (Role.OPERATOR, Role.LIAISON, Role.INSPECTORATE)
# Instansi-wide roles that keep the shared canned responses.
SHARED_TEMPLATE_KEEPERS = frozenset({Role.COORDINATOR, Role.ADMIN})
# Instansi-wide roles that read every canned response.
TEMPLATE_READERS = frozenset({Role.COORDINATOR, Role.ADMIN, Role.LEADERSHIP, Role.INSPECTORATE})


def ancestor_paths(path: str) -> list[str]:
    """The paths above ``/DPU/UPTD-JALAN/``: ``["/DPU/"]``."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[:depth]) + "/" for depth in range(1, len(codes))]


def _related_agencies(field: str, paths: list[str]) -> Q:
    """Agencies at or below ``paths``, or above them (a parent's documents and canned responses
    apply to its sub-units; a parent's staff oversee their sub-units)."""
    condition = Q(pk__in=[])
    above: set[str] = set()
    for path in paths:
        condition |= Q(**{f"{field}__path__startswith": path})
        above.update(ancestor_paths(path))
    if above:
        condition |= Q(**{f"{field}__path__in": sorted(above)})
    return condition


def _agency_paths(roles: StaffRoles, wanted: tuple[str, ...]) -> list[str]:
    return [path for role in wanted for path in roles.agency_paths.get(role, [])]


# --- documents ---------------------------------------------------------------------------------


def may_read_documents(user: Any) -> bool:
    return staff_roles(user).is_staff


def may_manage_documents(user: Any) -> bool:
    """System administrators keep the document library."""
    return Role.ADMIN in staff_roles(user).instansi_wide


def documents_filter(user: Any) -> Q:
    """The documents ``user`` may read (``Q`` on ``Document``), archived ones included."""
    from aduan.knowledge.models import Document

    roles = staff_roles(user)
    if not roles.is_staff:
        return Q(pk__in=[])
    # Instansi-wide roles, and the Inspectorate (which supervises SOP compliance), read all.
    if roles.instansi_wide or roles.has(Role.INSPECTORATE):
        return Q()
    links = Document.agencies.through.objects.filter(document_id=OuterRef("pk"))
    paths = [path for paths in roles.agency_paths.values() for path in paths]
    return ~Exists(links) | Exists(links.filter(_related_agencies("agency", paths)))


# --- canned responses --------------------------------------------------------------------------


def may_read_templates(user: Any) -> bool:
    roles = staff_roles(user)
    return bool(roles.instansi_wide & TEMPLATE_READERS) or bool(
        _agency_paths(roles, TEMPLATE_KEEPERS)
    )


def reads_all_templates(user: Any) -> bool:
    return bool(staff_roles(user).instansi_wide & TEMPLATE_READERS)


def templates_filter(user: Any) -> Q:
    """The canned responses ``user`` may read (``Q`` on ``ResponseTemplate``): all for the
    instansi-wide roles; for agency staff the shared ones and those of their agencies, the
    sub-units and the parents."""
    if reads_all_templates(user):
        return Q()
    paths = _agency_paths(staff_roles(user), TEMPLATE_KEEPERS)
    if not paths:
        return Q(pk__in=[])
    return Q(agency__isnull=True) | _related_agencies("agency", paths)


def template_uses_filter(user: Any) -> Q:
    """The follow-ups counted as uses of canned responses for ``user`` (``Q`` on ``FollowUp``):
    all for the instansi-wide readers; for agency staff those of their agencies and sub-units."""
    if reads_all_templates(user):
        return Q()
    condition = Q(pk__in=[])
    for path in _agency_paths(staff_roles(user), TEMPLATE_KEEPERS):
        condition |= Q(dispatch__agency__path__startswith=path)
    return condition


def may_keep_shared_templates(user: Any) -> bool:
    return bool(staff_roles(user).instansi_wide & SHARED_TEMPLATE_KEEPERS)


def may_keep_templates_of(user: Any, agency: Agency | None) -> bool:
    """May ``user`` create, change or archive canned responses of ``agency`` (None: shared)?"""
    if agency is None:
        return may_keep_shared_templates(user)
    roles = staff_roles(user)
    return any(agency.path.startswith(path) for path in _agency_paths(roles, TEMPLATE_KEEPERS))


def may_keep_any_templates(user: Any) -> bool:
    roles = staff_roles(user)
    return may_keep_shared_templates(user) or bool(_agency_paths(roles, TEMPLATE_KEEPERS))


def template_keeper_agencies(user: Any) -> Q:
    """The agencies whose canned responses ``user`` keeps (``Q`` on ``Agency``)."""
    paths = _agency_paths(staff_roles(user), TEMPLATE_KEEPERS)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition
