"""Time-based rules: overdue flags, auto-close, expired holds. Run by ``aduan sweep``.

Safe at any time, any number of times, concurrently: every step re-checks its condition under the
row lock (or with a conditional UPDATE) and does nothing when another run got there first.
"""

from __future__ import annotations

from dataclasses import dataclass

from aduan.complaints import services
from aduan.complaints.models import Clock, Complaint, Status
from aduan.core import clock


@dataclass(frozen=True)
class SweepResult:
    breached: int
    auto_closed: int
    holds_expired: int


def sweep(batch_size: int = 500) -> SweepResult:
    """Apply every time-based rule that is due now."""
    now = clock.now()
    overdue = Clock.objects.filter(
        state=Clock.State.RUNNING,
        breached_at__isnull=True,
        due_at__lt=now,
        kind__in=Clock.STAFF_KINDS,
    ).values_list("pk", flat=True)
    breached = sum(
        services.clock_mark_breached(clock_id=pk) for pk in list(overdue[: batch_size * 10])
    )
    auto_close_due = Complaint.objects.filter(
        status=Status.RESOLVED,
        clocks__kind=Clock.Kind.AUTO_CLOSE,
        clocks__state=Clock.State.RUNNING,
        clocks__due_at__lt=now,
    ).distinct()
    auto_closed = sum(
        services.complaint_auto_close(complaint=c) for c in list(auto_close_due[:batch_size])
    )
    hold_due = Complaint.objects.filter(
        status=Status.ON_HOLD,
        clocks__kind=Clock.Kind.HOLD,
        clocks__state=Clock.State.RUNNING,
        clocks__due_at__lt=now,
    ).distinct()
    holds_expired = sum(
        services.complaint_expire_hold(complaint=c) for c in list(hold_due[:batch_size])
    )
    return SweepResult(breached=breached, auto_closed=auto_closed, holds_expired=holds_expired)
