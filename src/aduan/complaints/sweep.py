"""Time-based rules: overdue flags, reminders, escalation, auto-close, expired holds. Run by
``aduan sweep``.

Safe at any time, any number of times, concurrently: every step re-checks its condition under the
row lock (or with a conditional UPDATE) and does nothing when another run got there first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import F, Q

from aduan.complaints import services
from aduan.complaints.models import Clock, Complaint, Status
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date


@dataclass(frozen=True)
class SweepResult:
    breached: int
    auto_closed: int
    holds_expired: int
    reminded: int = 0
    escalated: int = 0


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
    reminded = _remind(now, batch_size)
    escalated = _escalate(now, batch_size)
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
    return SweepResult(
        breached=breached,
        auto_closed=auto_closed,
        holds_expired=holds_expired,
        reminded=reminded,
        escalated=escalated,
    )


def _remind(now: datetime, batch_size: int) -> int:
    """Remind the holders of running staff deadlines that end within the configured working
    days (``services.clock_remind`` re-checks each one)."""
    horizon = services.reminder_horizon(now)
    if horizon is None:
        return 0
    due_soon = Clock.objects.filter(
        state=Clock.State.RUNNING,
        kind__in=Clock.STAFF_KINDS,
        reminded_at__isnull=True,
        breached_at__isnull=True,
        due_at__gte=now,
        due_at__lte=horizon,
    ).values_list("pk", flat=True)
    return sum(services.clock_remind(clock_id=pk) for pk in list(due_soon[: batch_size * 10]))


def _escalate(now: datetime, batch_size: int) -> int:
    """Escalate overdue running staff deadlines whose next step is due.

    Steps are at least a working day apart, so a deadline escalated today is not looked at
    again until tomorrow; the working-day rule itself is checked per deadline in Python.
    """
    start_of_today = datetime.combine(local_date(now), time.min, tzinfo=JAKARTA)
    candidates = (
        Clock.objects.filter(
            Q(escalated_at__isnull=True) | Q(escalated_at__lt=start_of_today),
            state=Clock.State.RUNNING,
            kind__in=Clock.STAFF_KINDS,
            breached_at__isnull=False,
            escalation_level__lt=services.ESCALATION_LEADERSHIP,
            due_at__lt=start_of_today,
        )
        .select_related("complaint__lead_agency", "dispatch__agency")
        # Longest since the last step first, so deadlines not yet due for their next step
        # (escalated recently) cannot fill the batch ahead of those that are.
        .order_by(F("escalated_at").asc(nulls_first=True), "due_at", "id")
    )
    return sum(
        services.clock_escalate(clock_id=item.pk)
        for item in list(candidates[: batch_size * 10])
        if services.clock_escalation_due(item, now) is not None
    )
