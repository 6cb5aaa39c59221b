"""The rollups follow every lifecycle change and always equal a fresh GROUP BY."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aduan.complaints import services
from aduan.complaints.models import Channel, Clock, Complaint, Status
from aduan.complaints.sweep import sweep
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring import direct, rollups, selectors
from aduan.monitoring.models import ComplaintFact, FollowerCursor, Rollup, StaffActivity
from aduan.monitoring.selectors import Period, histogram_quantile
from tests.world import STATES, later, make, submit


def _period() -> Period:
    return Period(local_date(clock.now()).year)


def _all_states(world: Any) -> list[Complaint]:
    return [make(world, state) for state in STATES]


@pytest.fixture
def applied(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the on-commit catch-up the way a request would."""
    return django_capture_on_commit_callbacks


def test_every_lifecycle_change_reaches_the_rollups_on_commit(world: Any, applied: Any) -> None:
    with applied(execute=True):
        _all_states(world)
    period = _period()
    assert selectors.counts(period) == direct.counts(period)
    counts = selectors.counts(period)
    assert counts["received"] == len(STATES)
    assert counts["resolved"] == 2  # resolved and closed
    assert counts["closed"] == 1
    assert counts["archived"] == 1
    assert counts["transferred"] == 1
    assert counts["backlog"] == 5
    assert rollups.differences() == []
    assert FollowerCursor.objects.get().seq > 0


def test_the_follower_picks_up_what_no_request_applied(world: Any) -> None:
    _all_states(world)  # on-commit callbacks never ran: as if every process had crashed
    assert Rollup.objects.count() == 0
    done = rollups.catch_up()
    assert done.complaints == len(STATES)
    assert rollups.differences() == []
    assert rollups.catch_up().events == 0  # nothing new


def test_agency_scope_counts_the_agency_and_its_sub_units(world: Any) -> None:
    make(world, "in_progress")
    services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.public_works_unit
    )
    services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.health
    )
    rollups.catch_up()
    period = _period()
    assert selectors.counts(period, world.public_works)["received"] == 2
    assert selectors.counts(period, world.public_works_unit)["received"] == 1
    assert selectors.counts(period, world.health)["received"] == 1
    for agency in (world.public_works, world.health, None):
        assert selectors.counts(period, agency) == direct.counts(period, agency)


def test_breakdowns_match_group_by(world: Any) -> None:
    _all_states(world)
    submit(world, channel=Channel.WHATSAPP)
    rollups.catch_up()
    period = _period()
    for dim in ("channel", "kind", "category", "status", "agency", "region"):
        rows = {
            row.value: {"received": row.counts["received"], "resolved": row.counts["resolved"]}
            for row in selectors.breakdown(period, dim)
        }
        assert rows == direct.breakdown(period, dim), dim
    channels = {row.value: row for row in selectors.breakdown(period, "channel")}
    assert channels[Channel.WHATSAPP].counts["received"] == 1
    assert channels[Channel.WHATSAPP].label == "WhatsApp"


def test_breached_deadlines_count_as_overdue_then_as_missed(world: Any) -> None:
    complaint = services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.public_works
    )
    with later(20):
        sweep()
    rollups.catch_up()
    period = _period()
    assert selectors.counts(period)["overdue"] == 1
    first = selectors.compliance(period)[Clock.Kind.FIRST_FOLLOWUP]
    assert first.overdue >= 1 and first.met == 0
    expected = direct.compliance(period)
    for kind, value in selectors.compliance(period).items():
        assert (value.met, value.missed, value.overdue) == expected.get(kind, (0, 0, 0)), kind
    with later(21):
        draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Sudah.")
        services.followup_submit(actor=world.operator, followup=draft)
        services.followup_approve(actor=world.liaison, followup=draft)
    rollups.catch_up()
    assert selectors.counts(period)["overdue"] == 0
    after = selectors.compliance(period)[Clock.Kind.FIRST_FOLLOWUP]
    assert after.overdue == 0 and after.missed >= 1
    scores = {row.agency.code: row for row in selectors.compliance_by_agency(period)}
    assert scores["DPU"].score is not None and scores["DPU"].score < 100
    assert rollups.differences() == []


def test_satisfaction_reopen_and_medians(world: Any) -> None:
    complaint = make(world, "resolved")
    services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Belum beres.")
    other = make(world, "resolved")
    services.complaint_rate(actor=world.reporter, complaint=other, score=5)
    rollups.catch_up()
    summary = selectors.summary(_period())
    assert summary.reopened == 1
    assert summary.resolved_once == 2
    assert summary.reopen_percent == 50.0
    assert summary.average_rating == 5.0
    assert summary.satisfied_percent == 100.0
    assert summary.medians["verify"] is not None and summary.medians["verify"] <= 1.0
    assert summary.active_officers >= 3  # coordinator, operator, liaison acted
    assert StaffActivity.objects.filter(user_id=world.reporter.pk).count() == 0


def test_histogram_quantile_interpolates_inside_the_bucket() -> None:
    assert histogram_quantile({}) is None
    assert histogram_quantile({0: 2}) == pytest.approx(0.5)  # half of the first hour
    assert histogram_quantile({5: 1, 6: 1}) == pytest.approx(24.0)  # top of the 12-24 h bucket


def test_rebuild_recomputes_from_scratch_and_check_reports_drift(world: Any) -> None:
    _all_states(world)
    call_command("rollups", "rebuild")
    assert ComplaintFact.objects.count() == len(STATES)
    call_command("rollups", "check")
    Rollup.objects.filter(dim="total").update(received=999)
    with pytest.raises(CommandError):
        call_command("rollups", "check")
    call_command("rollups", "rebuild")
    call_command("rollups", "check")
    assert rollups.catch_up().complaints == 0  # the cursor moved to the head


def test_deleted_complaints_leave_the_rollups(world: Any) -> None:
    complaint = submit(world)
    rollups.catch_up()
    assert selectors.counts(_period())["received"] == 1
    Complaint.objects.filter(pk=complaint.pk).delete()
    rollups.refresh([complaint.pk])
    assert selectors.counts(_period())["received"] == 0
    assert not ComplaintFact.objects.exists()


def test_yearly_figures_stand_next_to_the_action_plan_targets(world: Any) -> None:
    submit(world)
    rollups.catch_up()
    years = {row.year: row for row in selectors.yearly()}
    assert years[2020].target is not None and years[2020].target.is_baseline
    assert years[2020].target.complaints == 50
    assert float(years[2024].target.resolved_percent) == 100.0  # type: ignore[union-attr]
    this_year = local_date(clock.now()).year
    assert years[this_year].received == 1


def test_periods_and_monthly_trend(world: Any) -> None:
    assert Period(2024, quarter=2).months()[0].month == 4
    assert len(Period(2024).months()) == 12
    with pytest.raises(ValueError):
        Period(2024, quarter=5)
    submit(world)
    rollups.catch_up()
    points = selectors.monthly(_period())
    assert sum(p.received for p in points) == 1


def test_connectedness_needs_an_operator_and_a_liaison(world: Any) -> None:
    result = selectors.connectedness()
    codes = {a.code for a in result.connected}
    assert {"DPU", "DINKES"} <= codes
    assert "DISDIK" not in codes  # a liaison officer but no operator
    assert result.percent is not None and 0 < result.percent < 100


def test_random_walk_keeps_rollups_exact(world: Any) -> None:
    """Many transitions on a few complaints, catching up at random points."""
    complaints = [submit(world) for _ in range(4)]
    steps = [
        lambda c: services.complaint_dispatch(
            actor=world.coordinator, complaint=c, lead_agency=world.public_works
        ),
        lambda c: services.complaint_hold(actor=world.coordinator, complaint=c, reason="Lengkapi."),
    ]
    for index, complaint in enumerate(complaints):
        steps[index % 2](complaint)
        if index % 2:
            rollups.catch_up()
    with later(10):
        sweep()
    rollups.catch_up()
    assert rollups.differences() == []
    period = _period()
    assert selectors.counts(period) == direct.counts(period)
    assert selectors.counts(period)["received"] == 4
    assert Complaint.objects.filter(status=Status.ON_HOLD).count() == 2


def test_loadgen_leaves_rollups_that_match_the_complaints(world: Any) -> None:
    call_command("loadgen", "--complaints", "60", "--seed", "7")
    assert rollups.differences() == []
    for year in {local_date(c.submitted_at).year for c in Complaint.objects.all()}:
        assert selectors.counts(Period(year)) == direct.counts(Period(year))


# --- what counts, checked against hand-counted expectations (not against direct.py) ---------


def _kind(period: Period, kind: str, agency: Any = None) -> tuple[int, int, int]:
    value = selectors.compliance(period, agency)[kind]
    return (value.met, value.missed, value.overdue)


def test_a_reply_after_resolution_is_not_a_reopening(world: Any) -> None:
    replied = make(world, "resolved")
    services.complaint_reply(actor=world.reporter, complaint=replied, body="Terima kasih.")
    reopened = make(world, "resolved")
    services.complaint_reopen(actor=world.reporter, complaint=reopened, reason="Belum beres.")
    rollups.catch_up()
    counts = selectors.counts(_period())
    assert counts["reopened"] == 1
    assert counts["resolved_once"] == 2
    assert Complaint.objects.get(pk=reopened.pk).reopen_count == 1


def test_a_supporting_agency_that_never_answered_keeps_no_deadline(world: Any) -> None:
    """make() dispatches to DPU (lead) with DINKES supporting; only DPU answers, then resolves."""
    make(world, "resolved")
    rollups.catch_up()
    period = _period()
    assert _kind(period, Clock.Kind.FIRST_FOLLOWUP, world.public_works) == (1, 0, 0)
    assert _kind(period, Clock.Kind.FIRST_FOLLOWUP, world.health) == (0, 0, 0)
    assert _kind(period, Clock.Kind.FIRST_FOLLOWUP) == (1, 0, 0)


def test_the_resolution_deadline_belongs_to_the_lead_agency(world: Any) -> None:
    make(world, "resolved")
    rollups.catch_up()
    period = _period()
    assert _kind(period, Clock.Kind.RESOLUTION, world.public_works) == (1, 0, 0)
    assert _kind(period, Clock.Kind.RESOLUTION, world.health) == (0, 0, 0)
    scores = {row.agency.code: row for row in selectors.compliance_by_agency(period)}
    assert scores["DPU"].by_kind[Clock.Kind.RESOLUTION].met == 1
    assert scores["DPU"].score == 100.0


def test_cancelled_deadlines_are_neither_kept_nor_missed(world: Any) -> None:
    complaint = services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.public_works
    )
    hop = complaint.dispatches.get()
    services.dispatch_decline(actor=world.liaison, dispatch=hop, reason="Bukan kewenangan kami.")
    services.complaint_transfer(
        actor=world.coordinator, complaint=complaint, target="Pemerintah Kota Padang"
    )
    rollups.catch_up()
    period = _period()
    assert _kind(period, Clock.Kind.VERIFY) == (2, 0, 0)  # dispatched, then transferred in time
    assert _kind(period, Clock.Kind.FIRST_FOLLOWUP) == (0, 0, 0)
    assert _kind(period, Clock.Kind.RESOLUTION) == (0, 0, 0)
    assert selectors.summary(period).resolved_on_time_percent is None


def test_a_late_answer_is_missed_for_that_agency(world: Any) -> None:
    complaint = services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.public_works
    )
    with later(20):
        draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Sudah.")
        services.followup_submit(actor=world.operator, followup=draft)
        services.followup_approve(actor=world.liaison, followup=draft)
    rollups.catch_up()
    assert _kind(_period(), Clock.Kind.FIRST_FOLLOWUP, world.public_works) == (0, 1, 0)


def test_one_catch_up_per_transaction(world: Any, applied: Any) -> None:
    with applied() as callbacks:
        from django.db import transaction

        with transaction.atomic():
            submit(world)
            submit(world)
    assert [c for c in callbacks if c is rollups._catch_up_quietly] == [rollups._catch_up_quietly]


def test_the_last_possible_period_has_twelve_months() -> None:
    assert len(Period(9999).months()) == 12
    assert Period(9999, quarter=4).months()[-1].month == 12
