"""Sending: in order per complaint, once nationally however often it is resent, retried with
backoff, parked with a clear message when SP4N-LAPOR! refuses, slowed down by HTTP 429."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aduan.complaints import services
from aduan.core.problems import problem_in_english
from aduan.lapor import services as lapor_services
from aduan.lapor.models import NationalLink, OutboundMessage, SyncRun, SyncState
from aduan.lapor.sync import lease_acquire, lease_release, sync
from tests.lapor.conftest import FakeClock
from tests.lapor.simulator import NationalSimulator
from tests.world import World, make, publish_followup

State = OutboundMessage.State


def states(complaint: Any) -> list[tuple[str, str]]:
    return list(
        OutboundMessage.objects.filter(link__complaint=complaint)
        .order_by("id")
        .values_list("kind", "state")
    )


def national_of(national: NationalSimulator, complaint: Any) -> dict[str, Any]:
    link = NationalLink.objects.get(complaint=complaint)
    return national.reports[link.national_id]


def test_a_local_complaint_reaches_sp4n_lapor_in_order(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "resolved")
    result = sync()
    assert result.counts["delivered"] == 4 and not result.error
    report = national_of(national, complaint)
    assert report["referensi_instansi"] == complaint.tracking_id
    assert report["status"] == "Selesai" and report["status_instansi"] == "resolved"
    assert [f["id_referensi"] for f in report["tindak_lanjut"]] == [
        f"tl-{complaint.followups.get().pk}"
    ]
    paths = [request.url.path for request in national.posts()]
    assert paths[0] == "/api/v1/laporan"  # registration first
    assert all(request.headers["Idempotency-Key"] for request in national.posts())
    link = NationalLink.objects.get(complaint=complaint)
    assert link.national_status == "Selesai"
    state = SyncState.objects.get(pk=1)
    assert state.last_success_at is not None and state.last_error == ""
    assert SyncRun.objects.get().counts["delivered"] == 4


def test_a_lost_answer_is_resent_and_applied_once(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    complaint = make(world, "in_progress")
    national.faults.timeout_after = 1.0
    first = sync()
    assert first.counts["retry"] == 1
    registration = OutboundMessage.objects.get(link__complaint=complaint, kind="register")
    assert registration.state == State.PENDING and registration.attempts == 1
    national.faults.off()
    fake_clock.advance(hours=1)
    sync()
    assert len(national.reports) == 1  # registered once
    assert national.applied_twice() == []
    assert sum(national.replayed.values()) == 1
    assert [kind for kind, state in states(complaint) if state == State.DELIVERED] == [
        "register",
        "followup",
        "status",
    ]


def test_retries_back_off_then_park(
    national: NationalSimulator, world: World, fake_clock: FakeClock, settings: Any
) -> None:
    settings.ADUAN_LAPOR_MAX_ATTEMPTS = 3
    complaint = make(world, "dispatched")
    national.fail_next(503, times=10)
    start = fake_clock.now()
    sync()
    message = OutboundMessage.objects.get(link__complaint=complaint)
    assert message.attempts == 1 and message.last_http_status == 503
    assert start + timedelta(seconds=15) <= message.next_attempt_at <= start + timedelta(seconds=30)
    sync()  # not due yet: nothing sent
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 1
    fake_clock.advance(seconds=31)
    sync()
    message.refresh_from_db()
    assert message.attempts == 2
    assert fake_clock.now() + timedelta(seconds=30) <= message.next_attempt_at
    assert message.next_attempt_at <= fake_clock.now() + timedelta(seconds=60)
    fake_clock.advance(seconds=61)
    sync()
    message.refresh_from_db()
    assert message.state == State.PARKED and message.attempts == 3
    assert problem_in_english(message.problem).startswith("Gave up after 3 attempts")
    assert "HTTP 503" in message.last_error  # the last error, as it came


def test_a_refusal_parks_the_message_and_holds_that_complaint_only(
    national: NationalSimulator, world: World
) -> None:
    refused = make(world, "in_progress")
    other = make(world, "dispatched")
    national.fail_next(422, path_contains="/laporan")  # the first registration is refused
    sync()
    assert states(refused) == [
        ("register", State.PARKED),
        ("followup", State.PENDING),
        ("status", State.PENDING),
    ]
    assert states(other) == [("register", State.DELIVERED)]
    message = OutboundMessage.objects.get(link__complaint=refused, kind="register")
    assert message.last_http_status == 422
    assert "HTTP 422" in message.last_error and "press Retry" in problem_in_english(message.problem)
    result = sync()
    assert result.counts["blocked"] == 1
    assert states(refused)[1:] == [("followup", State.PENDING), ("status", State.PENDING)]
    # The administrator retries once the cause is fixed.
    assert lapor_services.message_retry(actor=world.admin, messages=[message]) == 1
    sync()
    assert [state for _kind, state in states(refused)] == [State.DELIVERED] * 3


def test_rate_limiting_pauses_sending(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    first = make(world, "dispatched")
    second = make(world, "dispatched")
    national.fail_next(429, **{"Retry-After": "120"})
    result = sync()
    assert result.counts["paused"] == 1
    message = OutboundMessage.objects.get(link__complaint=first)
    assert message.next_attempt_at == fake_clock.now() + timedelta(seconds=120)
    assert states(second) == [("register", State.PENDING)]  # not even tried
    fake_clock.advance(seconds=60)
    assert sync().counts.get("delivered", 0) == 0
    fake_clock.advance(seconds=61)
    assert sync().counts["delivered"] == 2


def test_a_message_that_cannot_be_built_is_parked(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "dispatched")
    publish_followup(world, complaint)
    message = OutboundMessage.objects.get(link__complaint=complaint, kind="followup")
    OutboundMessage.objects.filter(pk=message.pk).update(payload={"followup": 999999})
    sync()
    message.refresh_from_db()
    assert message.state == State.PARKED
    assert "follow-up no longer exists" in problem_in_english(message.problem)
    assert lapor_services.message_discard(actor=world.admin, message=message, reason="gone")
    sync()
    assert [state for _kind, state in states(complaint)] == [
        State.DELIVERED,
        State.DISCARDED,
        State.DELIVERED,
    ]


def test_one_run_at_a_time(national: NationalSimulator, world: World) -> None:
    make(world, "dispatched")
    token = lease_acquire()
    assert token is not None
    assert sync().busy
    assert not national.requests
    lease_release(token)
    assert not sync().busy


def test_a_national_outage_is_reported(national: NationalSimulator, world: World) -> None:
    national.fail_next(502, path_contains="/instansi/")
    result = sync()
    assert "HTTP 502" in result.error
    state = SyncState.objects.get(pk=1)
    assert "HTTP 502" in state.last_error and state.last_success_at is None
    assert sync().error == ""
    assert SyncState.objects.get(pk=1).last_error == ""


def test_a_transfer_of_a_national_disposition_goes_back_through_sp4n_lapor(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    services.complaint_transfer(
        actor=world.coordinator, complaint=complaint, target="Kementerian PUPR"
    )
    sync()
    report = national.reports[national_id]
    assert (report["instansi_id"], report["tujuan"], report["status"]) == (
        "",
        "Kementerian PUPR",
        "Belum Didisposisi",
    )
    assert states(complaint) == [("transfer", State.DELIVERED)]


def test_sending_stops_for_the_run_when_sp4n_lapor_seems_down(
    national: NationalSimulator, world: World
) -> None:
    complaints = [make(world, "dispatched") for _ in range(5)]
    national.faults.server_error = 1.0
    result = sync()
    assert result.counts["retry"] == 3 and result.counts["stopped"] == 1
    assert len(national.posts()) == 3
    assert [states(c)[0][1] for c in complaints] == [State.PENDING] * 5


def test_old_runs_are_pruned(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    sync()
    fake_clock.advance(days=15)
    sync()
    assert SyncRun.objects.count() == 1
