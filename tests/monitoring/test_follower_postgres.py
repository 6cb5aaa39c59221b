"""The follower under real concurrency (PostgreSQL): lifecycle changes in several threads, each
catching up on its own commit, beside bare catch-up runs, leave the rollups exact."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.core.errors import TransitionNotAllowed
from aduan.core.models import AuditChainHead
from aduan.monitoring import direct, rollups, selectors
from aduan.monitoring.models import FollowerCursor
from tests.complaints.test_concurrency_postgres import run_together, tworld  # noqa: F401
from tests.world import World, submit

pytestmark = pytest.mark.postgres


def test_changes_and_catch_ups_in_parallel_leave_exact_rollups(tworld: World) -> None:  # noqa: F811
    world = tworld
    complaints = [submit(world) for _ in range(8)]
    rollups.catch_up()

    def refused_or_done(action: Any) -> Any:
        # Later rounds find the complaints already dispatched or held: refused cleanly. The
        # refusal is returned, not raised, so that it does not break the other threads' barrier.
        def call() -> str:
            try:
                action()
            except TransitionNotAllowed:
                return "refused"
            return "done"

        return call

    def dispatch(pk: int) -> Any:
        complaint = Complaint.objects.get(pk=pk)
        return refused_or_done(
            lambda: services.complaint_dispatch(
                actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
            )
        )

    def hold(pk: int) -> Any:
        complaint = Complaint.objects.get(pk=pk)
        return refused_or_done(
            lambda: services.complaint_hold(
                actor=world.coordinator, complaint=complaint, reason="Mohon lengkapi."
            )
        )

    for _round in range(3):
        jobs: list[Any] = [lambda: rollups.catch_up for _ in range(2)]
        outcomes = run_together(
            *jobs,
            *[lambda pk=c.pk: dispatch(pk) for c in complaints[:4]],
            *[lambda pk=c.pk: hold(pk) for c in complaints[4:]],
        )
        assert [o.error for o in outcomes] == [None] * len(outcomes)
        expected = "done" if _round == 0 else "refused"
        assert [o.value for o in outcomes[2:]] == [expected] * len(complaints)
    rollups.catch_up()
    assert rollups.differences() == []
    period = selectors.Period.current()
    assert selectors.counts(period) == direct.counts(period)
    assert selectors.counts(period)["received"] == 8
    assert FollowerCursor.objects.get().seq == AuditChainHead.objects.get().seq
