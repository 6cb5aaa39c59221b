"""Reconcile lists what differs between both sides and, with repair, makes them equal."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from aduan.complaints import services
from aduan.core.problems import problem_text
from aduan.lapor import services as lapor_services
from aduan.lapor.models import NationalLink, OutboundMessage, SyncRun, SyncState
from aduan.lapor.reconcile import reconcile
from aduan.lapor.sync import sync
from tests.lapor.conftest import FakeClock
from tests.lapor.simulator import NationalSimulator
from tests.world import World, make, publish_followup


def codes(result: Any) -> list[tuple[str, bool]]:
    return sorted((item.code, item.repaired) for item in result.differences)


def linked(complaint: Any) -> NationalLink:
    return NationalLink.objects.get(complaint=complaint)


def test_equal_sides_have_no_differences(national: NationalSimulator, world: World) -> None:
    make(world, "resolved")
    national.dispose()
    result = reconcile()
    # Messages still waiting are in flight; a disposition not read yet is missing here.
    assert result.in_flight == 1 and codes(result) == [("missing_locally", False)]
    sync()
    sync()
    result = reconcile()
    assert result.equal and result.compared == 2 and result.in_flight == 0
    run = SyncRun.objects.filter(kind="reconcile").first()
    assert run is not None and run.counts["differences"] == 0


def test_a_national_status_that_drifted_is_set_back(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "in_progress")
    sync()
    report = national.reports[linked(complaint).national_id]
    report["status"] = "Belum Terverifikasi"
    result = reconcile()
    assert codes(result) == [("status", False)]
    assert "Belum Terverifikasi" in problem_text(result.differences[0].detail)
    result = reconcile(repair=True)
    assert codes(result) == [("status", True)]
    sync()
    assert report["status"] == "Sedang Diproses"
    assert reconcile().equal


def test_lost_follow_ups_and_files_are_sent_again(
    national: NationalSimulator, world: World
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.lapor.test_outbox import PNG

    complaint = make(world, "dispatched")
    services.attachment_add(
        actor=world.operator,
        complaint=complaint,
        upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )
    publish_followup(world, complaint)
    sync()
    report = national.reports[linked(complaint).national_id]
    report["tindak_lanjut"].clear()
    report["lampiran"].clear()
    assert codes(reconcile()) == [("attachment_missing", False), ("followup_missing", False)]
    assert codes(reconcile(repair=True)) == [
        ("attachment_missing", True),
        ("followup_missing", True),
    ]
    sync()
    assert len(report["tindak_lanjut"]) == 1 and len(report["lampiran"]) == 1
    assert reconcile().equal
    assert national.applied_twice() == []


def test_national_changes_we_missed_are_taken_in(national: NationalSimulator, world: World) -> None:
    first = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=first).complaint
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    sync()
    national.reply(first, "Halo, ada kabar?")
    second = national.dispose()
    # The feed moved on without us (e.g. a cursor restored from an old backup, reversed).
    SyncState.objects.filter(pk=1).update(cursor=str(national.seq))
    result = reconcile()
    assert codes(result) == [("missing_locally", False), ("national_actions_missing", False)]
    result = reconcile(repair=True)
    assert codes(result) == [("missing_locally", True), ("national_actions_missing", True)]
    assert NationalLink.objects.get(national_id=second).complaint is not None
    assert complaint.replies.get().body == "Halo, ada kabar?"
    assert reconcile().equal


def test_complaints_verified_while_the_connector_was_off_are_registered(
    national: NationalSimulator, world: World, settings: Any
) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""
    complaint = make(world, "in_progress")
    unverified = make(world, "submitted")
    settings.ADUAN_LAPOR_BASE_URL = "https://lapor.test/api/v1"
    result = reconcile()
    assert codes(result) == [("not_registered", False)]
    assert result.differences[0].tracking_id == complaint.tracking_id
    reconcile(repair=True)
    sync()
    report = national.reports[linked(complaint).national_id]
    assert report["status"] == "Sedang Diproses" and len(report["tindak_lanjut"]) == 1
    assert not NationalLink.objects.filter(complaint=unverified).exists()
    assert reconcile().equal


def test_a_discarded_registration_is_made_again(national: NationalSimulator, world: World) -> None:
    complaint = make(world, "in_progress")
    national.fail_next(422, path_contains="/laporan")
    sync()
    register = OutboundMessage.objects.get(link__complaint=complaint, kind="register")
    assert codes(reconcile()) == [("parked", False)]
    lapor_services.message_discard(actor=world.admin, message=register, reason="uji")
    assert codes(reconcile()) == [("not_registered", False)]
    assert codes(reconcile(repair=True)) == [("not_registered", True)]
    sync()
    link = linked(complaint)
    assert link.national_id
    report = national.reports[link.national_id]
    # The follow-up that waited behind the discarded registration went out once.
    assert [f["id_referensi"] for f in report["tindak_lanjut"]] == [
        f"tl-{complaint.followups.get().pk}"
    ]
    followups = national.posts("/tindak-lanjut")
    assert len(followups) == 1  # sent once, not once more for the superseded message
    assert reconcile().equal


def test_a_transfer_nationally_unknown_is_sent_again(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    services.complaint_transfer(actor=world.coordinator, complaint=complaint, target="Kab. Agam")
    sync()
    report = national.reports[national_id]
    report["instansi_id"] = national.instansi  # as if SP4N-LAPOR! lost our transfer
    assert codes(reconcile()) == [("transfer_missing", False)]
    reconcile(repair=True)
    sync()
    assert report["instansi_id"] == "" and report["tujuan"] == "Kab. Agam"
    assert reconcile().equal


def test_conflicts_are_listed_for_people(national: NationalSimulator, world: World) -> None:
    national_id = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    sync()
    national.redispose(national_id)
    sync()
    result = reconcile(repair=True)
    assert ("national_transferred", False) in codes(result)
    assert ("conflict", False) in codes(result)


def test_differences_are_kept_as_source_text_and_told_in_the_readers_language(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "in_progress")
    sync()
    national.reports[linked(complaint).national_id]["status"] = "Belum Terverifikasi"

    detail = reconcile().differences[0].detail

    run = SyncRun.objects.filter(kind="reconcile").first()
    assert run is not None and run.differences[0]["detail"] == detail
    assert detail["params"]["national"] == "Belum Terverifikasi"
    with translation.override("en"):
        assert problem_text(detail) == (
            "National status “Belum Terverifikasi”; here it is In progress, which is "
            "“Sedang Diproses” nationally."
        )
    with translation.override("id"):
        assert problem_text(detail) == (
            "Status nasional “Belum Terverifikasi”; di sini statusnya Ditindaklanjuti, yang "
            "secara nasional berarti “Sedang Diproses”."
        )


def test_the_command_exits_1_while_differences_remain(
    national: NationalSimulator, world: World, fake_clock: FakeClock, commands_in_english: None
) -> None:
    complaint = make(world, "in_progress")
    sync()
    national.reports[linked(complaint).national_id]["status"] = "Arsip"
    out = StringIO()
    with pytest.raises(CommandError, match="1 difference"):
        call_command("lapor", "reconcile", stdout=out)
    assert "DIFFERENT\tstatus\t" + complaint.tracking_id in out.getvalue()
    out = StringIO()
    call_command("lapor", "reconcile", "--repair", stdout=out)
    assert "repaired\tstatus" in out.getvalue()
    assert "aduan lapor sync" in out.getvalue()
    call_command("lapor", "sync", stdout=StringIO())
    call_command("lapor", "reconcile", stdout=StringIO())
