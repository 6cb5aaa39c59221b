"""Two undos of one automatic dispatch at the same moment (a double submit reaching two
workers) on PostgreSQL: one undoes it, the other is refused, and the agency is told once.

Skipped on SQLite, whose single writer lock serialises everything anyway.
"""

from __future__ import annotations

from typing import Any

import pytest

from aduan.accounts.models import User
from aduan.complaints.models import Complaint, Status
from aduan.notifications import delivery
from aduan.notifications.models import OutboxMessage
from aduan.routing import services
from tests.complaints.test_concurrency_postgres import (
    REPEAT,
    _assert_chain_intact,
    _one_wins,
    run_together,
    tworld,  # noqa: F401 (fixture)
)
from tests.routing.test_undo_notifications import UNDONE, _auto_dispatched
from tests.world import World

pytestmark = pytest.mark.postgres


def _undo_job(world: World, complaint: Complaint) -> Any:
    def job() -> Any:
        actor = User.objects.get(pk=world.coordinator.pk)
        target = Complaint.objects.get(pk=complaint.pk)
        return lambda: services.auto_dispatch_undo(actor=actor, complaint=target, reason="Keliru")

    return job


def test_simultaneous_undos_undo_once_and_notify_once(tworld: World) -> None:  # noqa: F811
    for _round in range(REPEAT):
        complaint = _auto_dispatched(tworld)
        delivery.deliver()  # the agency was told of the dispatch
        outcomes = run_together(_undo_job(tworld, complaint), _undo_job(tworld, complaint))
        _one_wins(outcomes)
        complaint.refresh_from_db()
        assert complaint.status == Status.SUBMITTED
        assert OutboxMessage.objects.filter(complaint=complaint, event=UNDONE).count() == 1
    _assert_chain_intact()
