"""Writes of the monitoring app: the action-plan targets (DESIGN §1.5) set from the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.complaints.policies import staff_roles
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.monitoring.models import Target

TARGET_EDITORS = (Role.ADMIN, Role.LEADERSHIP)


@dataclass(frozen=True)
class TargetValues:
    """What a person sets for one year."""

    year: int
    complaints: int
    resolved_percent: Decimal


def may_edit_targets(user: Any) -> bool:
    """System administrators and leadership (instansi-wide roles) set the targets."""
    roles = staff_roles(user)
    return any(role in roles.instansi_wide for role in TARGET_EDITORS)


def _snapshot(target: Target) -> dict[str, Any]:
    return {
        "complaints": target.complaints,
        "resolved_percent": str(target.resolved_percent),
    }


def _check(values: TargetValues) -> Decimal:
    if not 2000 <= values.year <= 2100:
        raise InvalidInput(_("Choose a year between 2000 and 2100."))
    if values.complaints < 0:
        raise InvalidInput(_("The number of complaints cannot be negative."))
    percent = Decimal(values.resolved_percent).quantize(Decimal("0.01"))
    if not Decimal(0) <= percent <= Decimal(100):
        raise InvalidInput(_("A percentage is between 0 and 100."))
    return percent


@transaction.atomic
def targets_set(*, actor: Any, values: Sequence[TargetValues]) -> list[Target]:
    """Create or change the targets of the given years, all or none.

    Writes one ``target.changed`` audit event per year whose values changed; a repeated request
    with the same values changes nothing and writes nothing. Returns the changed targets.
    """
    if not may_edit_targets(actor):
        raise PermissionDenied(_("Only administrators and leadership may change the targets."))
    years = [v.year for v in values]
    if len(set(years)) != len(years):
        raise InvalidInput(_("Each year can have only one target."))
    changed = []
    for item in sorted(values, key=lambda v: v.year):
        percent = _check(item)
        target, created = Target.objects.select_for_update().get_or_create(
            year=item.year,
            defaults={"complaints": item.complaints, "resolved_percent": percent},
        )
        before = None if created else _snapshot(target)
        if not created:
            if target.complaints == item.complaints and target.resolved_percent == percent:
                continue
            target.complaints = item.complaints
            target.resolved_percent = percent
            target.save(update_fields=["complaints", "resolved_percent"])
        audit_log(
            actor=actor,
            action="target.changed",
            target=target,
            data={"year": target.year, "before": before, "after": _snapshot(target)},
        )
        changed.append(target)
    return changed
