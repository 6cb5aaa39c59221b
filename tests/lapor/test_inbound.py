"""National dispositions come in as complaints, once; the reporter's actions and national
administrators' decisions there become our services' calls, once, in version order."""

from __future__ import annotations

from typing import Any
from unittest import mock

from aduan.complaints import services
from aduan.complaints.models import Channel, Complaint, ReporterReply, Status
from aduan.core.errors import InvalidInput
from aduan.core.problems import problem_in_english
from aduan.lapor.config import load_config
from aduan.lapor.inbound import apply_report, parse_report
from aduan.lapor.models import NationalItem, NationalLink, OutboundMessage, SyncState
from aduan.lapor.services import report_retry
from aduan.lapor.sync import sync
from tests.lapor.conftest import FakeClock
from tests.lapor.simulator import NationalSimulator
from tests.world import World, lead_dispatch, publish_followup


def taken_in(national_id: str) -> Complaint:
    link = NationalLink.objects.select_related("complaint").get(national_id=national_id)
    assert link.complaint is not None
    return link.complaint


def apply(national: NationalSimulator, snapshot: dict[str, Any], force: bool = False) -> str:
    config = load_config()
    return apply_report(parse_report(snapshot, config.mapping), config=config, force=force)


def test_a_disposition_becomes_a_complaint_from_the_lapor_channel(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose(
        title="Lampu jalan mati",
        isi="Lampu penerangan jalan di Jalan Khatib Sulaiman mati seminggu.",
        jenis="Aspirasi",
        nama_pelapor="Rina",
        email_pelapor="rina@example.org",
        telepon_pelapor="0812 9999 8888",
        rahasia=True,
    )
    result = sync()
    assert result.counts["created"] == 1
    complaint = taken_in(national_id)
    assert complaint.channel == Channel.LAPOR
    assert complaint.status == Status.SUBMITTED
    assert (complaint.title, complaint.kind) == ("Lampu jalan mati", "aspiration")
    assert complaint.is_confidential and not complaint.is_anonymous
    assert (complaint.reporter_name, complaint.reporter_email, complaint.reporter_phone) == (
        "Rina",
        "rina@example.org",
        "+6281299998888",
    )
    # The reporter acts on SP4N-LAPOR!: an account that cannot sign in stands for them here.
    assert complaint.reporter is not None and not complaint.reporter.is_active
    assert not complaint.reporter.has_usable_password()
    assert SyncState.objects.get(pk=1).cursor == "1"
    # Nothing is sent back for what came from SP4N-LAPOR!.
    assert not OutboundMessage.objects.exists()
    # Verification coordinators are told, as for any new complaint.
    assert complaint.outbox_messages.filter(audience="coordinators").exists()


def test_the_same_disposition_twice_makes_one_complaint(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    snapshot = national.reports[national_id]
    assert apply(national, snapshot) == "created"
    assert apply(national, snapshot) == "ignored"
    assert apply(national, snapshot, force=True) == "updated"
    SyncState.objects.all().delete()  # the feed read again from the start
    sync()
    national.faults.duplicate_item = 1.0
    SyncState.objects.all().delete()
    sync()
    assert Complaint.objects.filter(channel=Channel.LAPOR).count() == 1


def test_short_or_odd_content_is_still_taken_in(national: NationalSimulator, world: World) -> None:
    national_id = national.dispose(
        title="",
        isi="Rusak\x00",
        telepon_pelapor="bukan nomor",
        email_pelapor="bukan-email",
        lat="999",
        lng="1",
        tanggal_kejadian="2999-01-01",
    )
    sync()
    complaint = taken_in(national_id)
    assert complaint.title == "Rusak"
    assert national_id in complaint.description
    assert complaint.reporter_phone == "" and complaint.reporter_email == ""
    assert complaint.latitude is None and complaint.event_date is None


def test_a_report_that_cannot_be_taken_in_waits_for_an_administrator(
    national: NationalSimulator, world: World, settings: Any
) -> None:
    national_id = national.dispose()
    # The fallbacks make this rare: the intake refuses the report whatever we leave out.
    with mock.patch("aduan.lapor.inbound.complaint_submit", side_effect=InvalidInput("refused")):
        result = sync()
    assert result.counts["failed"] == 1
    link = NationalLink.objects.get(national_id=national_id)
    assert link.complaint is None and link.snapshot
    assert problem_in_english(link.problem) == "Could not be taken in: refused"
    assert report_retry(actor=world.admin, link=link) == "created"
    link.refresh_from_db()
    assert link.complaint is not None and link.problem == {} and link.snapshot == {}


def test_reporter_actions_are_taken_in_once_each(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    national_id = national.dispose()
    sync()
    complaint = taken_in(national_id)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    national.reply(national_id, "Kapan diperbaiki?")
    sync()
    assert list(complaint.replies.values_list("body", flat=True)) == ["Kapan diperbaiki?"]
    # The same snapshot again, and forced: still one reply.
    apply(national, national.reports[national_id], force=True)
    assert complaint.replies.count() == 1
    publish_followup(world, complaint)
    complaint.refresh_from_db()
    services.complaint_resolve(actor=world.liaison, complaint=complaint)
    sync()
    assert national.reports[national_id]["status"] == "Selesai"
    national.reopen(national_id, "Masih berlubang.")
    sync()
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.reopen_count == 1
    publish_followup(world, complaint, "Sudah ditambal.")
    complaint.refresh_from_db()
    services.complaint_resolve(actor=world.liaison, complaint=complaint)
    sync()
    national.rate(national_id, 4, "Cukup baik.")
    sync()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating, complaint.rating_comment) == (
        Status.CLOSED,
        4,
        "Cukup baik.",
    )
    assert sorted(NationalItem.objects.values_list("kind", "applied")) == [
        ("rating", True),
        ("reopen", True),
        ("reply", True),
    ]
    # Closing here because of the rating sends nothing back: SP4N-LAPOR! did it.
    assert not OutboundMessage.objects.filter(
        link__complaint=complaint, kind="status", payload__status="closed"
    ).exists()


def test_older_versions_are_ignored(national: NationalSimulator, world: World) -> None:
    national_id = national.dispose()
    national.reply(national_id, "Pertama")
    national.reply(national_id, "Kedua")
    newest, middle = national.history[national_id][-1], national.history[national_id][-2]
    assert apply(national, newest) == "created"
    complaint = taken_in(national_id)
    assert apply(national, middle) == "ignored"
    assert apply(national, newest) == "ignored"
    assert sorted(complaint.replies.values_list("body", flat=True)) == ["Kedua", "Pertama"]
    link = NationalLink.objects.get(national_id=national_id)
    assert link.national_version == newest["versi"]
    # Out of order the other way round: nothing lost, the newest carries everything.
    other = national.dispose()
    national.reply(other, "Satu")
    national.reply(other, "Dua")
    assert apply(national, national.history[other][0]) == "created"
    assert apply(national, national.history[other][2]) == "updated"
    assert apply(national, national.history[other][1]) == "ignored"
    assert sorted(taken_in(other).replies.values_list("body", flat=True)) == ["Dua", "Satu"]


def test_a_reply_that_cannot_be_applied_is_recorded_not_retried(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = taken_in(national_id)
    services.complaint_archive(actor=world.coordinator, complaint=complaint, reason="abusive")
    national.reply(national_id, "Halo?")
    sync()
    item = NationalItem.objects.get()
    assert not item.applied and "cannot be done" in item.note
    assert ReporterReply.objects.count() == 0
    sync()
    assert NationalItem.objects.count() == 1


def test_national_decisions_are_followed_while_verifying(
    national: NationalSimulator, world: World
) -> None:
    archived, moved, late = national.dispose(), national.dispose(), national.dispose()
    sync()
    national.archive(archived)
    national.redispose(moved)
    complaint = taken_in(late)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    sync()  # sends our "Sedang Diproses" for ``late`` before reading the feed
    national.archive(late)  # a national administrator archives it anyway
    sync()
    assert taken_in(archived).status == Status.ARCHIVED
    assert taken_in(moved).status == Status.TRANSFERRED
    assert taken_in(moved).transfer_target == "Pemerintah Kota Padang"
    assert taken_in(late).status == Status.DISPATCHED
    link = NationalLink.objects.get(national_id=late)
    assert problem_in_english(link.problem) == (
        "SP4N-LAPOR! archived this report, but it is “Dispatched” here."
    )
    # Following national decisions sends nothing back.
    assert (
        list(
            OutboundMessage.objects.filter(link__national_id__in=[archived, moved]).values_list(
                "kind", flat=True
            )
        )
        == []
    )
    lead_dispatch(complaint)  # still with the agency


def test_reports_of_other_instansi_are_not_taken_in(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose(instansi_id="PEMKOT-PADANG")
    assert apply(national, national.reports[national_id]) == "not_ours"
    assert not Complaint.objects.exists()


def test_malformed_items_are_skipped(national: NationalSimulator, world: World) -> None:
    national.dispose()
    national.reports["BROKEN"] = {"tracking_id": "BROKEN", "instansi_id": national.instansi}
    national.held_by["BROKEN"] = {national.instansi}
    national.changed_at["BROKEN"] = 999
    result = sync()
    assert result.counts["malformed"] == 1 and result.counts["created"] == 1
    assert "BROKEN" in str(result.run.differences if result.run else "")
