"""One bad national report, one clashing national answer or one slow reconcile must not stop the
connector: the report is kept for an administrator and the feed goes on; the message is parked
and the others go out; the reconcile keeps its lease; a repair is all done or not at all."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import httpx
import pytest
from django.utils import translation

from aduan.complaints.models import Status
from aduan.core.problems import problem_in_english, problem_text
from aduan.lapor import inbound
from aduan.lapor import services as lapor_services
from aduan.lapor.client import use_transport
from aduan.lapor.models import NationalLink, OutboundMessage, SyncState
from aduan.lapor.reconcile import reconcile
from aduan.lapor.selectors import overview
from aduan.lapor.sync import lease_acquire, sync
from tests.lapor.conftest import FakeClock
from tests.lapor.simulator import NationalSimulator, Scripted
from tests.world import World, make

State = OutboundMessage.State


def test_a_report_that_cannot_be_applied_is_kept_and_the_feed_goes_on(
    national: NationalSimulator, world: World
) -> None:
    bad = national.dispose(title="Laporan yang gagal diterima")
    others = [national.dispose() for _ in range(6)]  # the bad one first; two pages of five
    submit = inbound.complaint_submit

    def fails_for_bad(**fields: Any) -> Any:
        if fields["idempotency_key"] == f"lapor:{bad}":
            raise RuntimeError("nilai ditolak basis data")
        return submit(**fields)

    # The worker runs in Bahasa Indonesia; what it keeps is shown in the reader's language.
    with (
        mock.patch.object(inbound, "complaint_submit", side_effect=fails_for_bad),
        translation.override("id"),
    ):
        result = sync()
    assert not result.error
    assert (result.counts["failed"], result.counts["created"]) == (1, 6)
    assert SyncState.objects.get(pk=1).cursor == str(national.seq)  # moved past it
    for national_id in others:
        assert NationalLink.objects.get(national_id=national_id).complaint is not None
    link = NationalLink.objects.get(national_id=bad)
    assert link.complaint is None and link.snapshot["tracking_id"] == bad
    assert problem_in_english(link.problem) == (
        "Could not be applied: RuntimeError: nilai ditolak basis data"
    )
    with translation.override("id"):
        assert problem_text(link.problem) == (
            "Tidak dapat diterapkan: RuntimeError: nilai ditolak basis data"
        )
    assert link in overview().problems  # listed on /staf/lapor/
    assert sync().counts.get("received", 0) == 0  # not read again and again
    # Once the cause is gone an administrator takes it in.
    assert lapor_services.report_retry(actor=world.admin, link=link) == "created"
    link.refresh_from_db()
    assert link.complaint is not None and link.problem == {} and link.snapshot == {}


def test_over_long_national_values_are_cut_to_what_we_store(
    national: NationalSimulator, world: World
) -> None:
    # Valid e-mail (RFC: up to 320) longer than our 254; a status and an instansi ID longer
    # than our columns. PostgreSQL refuses such values; SQLite would store them whole.
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".id"
    assert len(email) > 254
    national_id = national.dispose(email_pelapor=email, status="S" * 100)
    result = sync()
    assert result.counts["created"] == 1 and not result.error
    link = NationalLink.objects.select_related("complaint").get(national_id=national_id)
    assert link.complaint is not None
    assert link.complaint.reporter_email == ""  # left out, like an invalid one
    assert link.national_status == "S" * 64
    # Given to another instansi known only by a (very long) ID: transferred, target cut.
    report = national.reports[national_id]
    report.update(instansi_id="X" * 400, instansi_nama="", status="Belum Terverifikasi")
    national._changed(report)
    result = sync()
    assert result.counts["updated"] == 1 and not result.counts.get("failed")
    complaint = link.complaint
    complaint.refresh_from_db()
    assert complaint.status == Status.TRANSFERRED
    assert complaint.transfer_target == "X" * 300


def test_a_registration_answered_with_a_taken_tracking_id_is_parked(
    national: NationalSimulator, world: World
) -> None:
    first = make(world, "dispatched")
    sync()
    taken = NationalLink.objects.get(complaint=first).national_id
    clashing = make(world, "dispatched")
    after = make(world, "dispatched")
    # SP4N-LAPOR! answers the next registration with the first complaint's tracking ID.
    national.scripted.append(
        Scripted(201, body=json.dumps({"tracking_id": taken, "versi": 1}), path_contains="/laporan")
    )
    with translation.override("id"):
        result = sync()
    assert not result.error and result.counts["parked"] == 1
    register = OutboundMessage.objects.get(link__complaint=clashing, kind="register")
    assert register.state == State.PARKED
    why = problem_in_english(register.problem)
    assert f"tracking ID {taken}, which already belongs" in why
    assert first.tracking_id in why
    assert NationalLink.objects.get(complaint=clashing).national_id == ""
    assert NationalLink.objects.get(complaint=first).national_id == taken
    # The others still go out and the feed is still read.
    assert NationalLink.objects.get(complaint=after).national_id not in ("", taken)
    assert SyncState.objects.get(pk=1).cursor == str(national.seq)
    again = sync()
    assert not again.error and not again.counts.get("delivered")


def test_a_long_reconcile_keeps_its_lease(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    for _ in range(12):  # three pages of five
        national.dispose()
    sync()
    competitor_won: list[bool] = []

    def slow(request: httpx.Request) -> httpx.Response:
        fake_clock.advance(seconds=300)  # each national answer takes half the lease
        competitor_won.append(lease_acquire() is not None)  # the periodic sync tries
        return national.handle(request)

    with use_transport(httpx.MockTransport(slow)):
        result = reconcile()
    assert len(competitor_won) >= 3
    assert not any(competitor_won)
    assert result.equal


def test_a_reconcile_that_lost_its_lease_stops(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    national.dispose()
    sync()

    def taken_over(request: httpx.Request) -> httpx.Response:
        SyncState.objects.filter(pk=1).update(lease_token="another-run")
        return national.handle(request)

    with use_transport(httpx.MockTransport(taken_over)):
        result = reconcile()
    assert "lost its lease" in result.error
    assert SyncState.objects.get(pk=1).lease_token == "another-run"  # not released


def test_a_repeated_registration_is_repaired_whole_or_not_at_all(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "in_progress")
    national.fail_next(422, path_contains="/laporan")
    sync()
    register = OutboundMessage.objects.get(link__complaint=complaint, kind="register")
    lapor_services.message_discard(actor=world.admin, message=register, reason="uji")
    waiting = set(
        OutboundMessage.objects.filter(link__complaint=complaint, state=State.PENDING).values_list(
            "pk", flat=True
        )
    )
    assert waiting
    with (
        mock.patch("aduan.lapor.reconcile.enqueue_full_state", side_effect=RuntimeError("x")),
        pytest.raises(RuntimeError),
    ):
        reconcile(repair=True)
    still = OutboundMessage.objects.filter(link__complaint=complaint, state=State.PENDING)
    assert set(still.values_list("pk", flat=True)) == waiting  # not discarded


def test_a_missing_registration_is_repaired_whole_or_not_at_all(
    national: NationalSimulator, world: World, settings: Any
) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""
    complaint = make(world, "in_progress")
    settings.ADUAN_LAPOR_BASE_URL = "https://lapor.test/api/v1"
    with (
        mock.patch("aduan.lapor.reconcile.enqueue_full_state", side_effect=RuntimeError("x")),
        pytest.raises(RuntimeError),
    ):
        reconcile(repair=True)
    assert not NationalLink.objects.filter(complaint=complaint).exists()
    reconcile(repair=True)
    assert NationalLink.objects.get(complaint=complaint).messages.filter(kind="register").exists()
