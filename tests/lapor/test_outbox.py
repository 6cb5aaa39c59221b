"""Outgoing messages are written in the transaction of the local change, from the lifecycle's
audit events, only for what SP4N-LAPOR! should know, and never with personal data."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from aduan.complaints import services
from aduan.lapor.config import load_config
from aduan.lapor.models import NationalLink, Origin, OutboundMessage
from aduan.lapor.sync import build_request
from tests.lapor.simulator import NationalSimulator
from tests.world import World, make, publish_followup, submit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def kinds(complaint: Any) -> list[str]:
    return list(
        OutboundMessage.objects.filter(link__complaint=complaint)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def png(name: str = "foto.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_nothing_is_written_while_the_connector_is_off(world: World, settings: Any) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""
    make(world, "closed")
    make(world, "transferred")
    assert not NationalLink.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_a_local_complaint_is_registered_when_verified(
    national: NationalSimulator, world: World
) -> None:
    complaint = submit(world)
    assert kinds(complaint) == []  # not yet: unverified reports may be spam or incomplete
    complaint = services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    link = NationalLink.objects.get(complaint=complaint)
    assert link.origin == Origin.LOCAL and link.national_id == ""
    message = OutboundMessage.objects.get(link=link)
    assert message.kind == "register"
    assert message.idempotency_key == f"aduan:PEMPROV-13:register-c{complaint.pk}"
    assert message.payload == {"complaint": complaint.pk, "status": "dispatched"}


def test_each_status_change_and_publication_is_one_message(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "dispatched")
    publish_followup(world, complaint, "Sudah dijadwalkan.")
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Belum terbit")
    services.followup_submit(actor=world.operator, followup=draft)  # not published: not sent
    services.note_add(actor=world.operator, complaint=complaint, body="Catatan internal")
    services.complaint_resolve(actor=world.liaison, complaint=complaint)
    assert kinds(complaint) == ["register", "followup", "status", "status"]
    statuses = OutboundMessage.objects.filter(link__complaint=complaint, kind="status")
    assert [m.payload["status"] for m in statuses.order_by("id")] == ["in_progress", "resolved"]
    for message in OutboundMessage.objects.all():
        assert set(message.payload) <= {"complaint", "status", "at", "followup", "attachment"}


@pytest.mark.parametrize(
    ("mode", "confidential", "supervisory", "registered"),
    [
        ("all", True, False, True),
        ("non_confidential", False, False, True),
        ("non_confidential", True, False, False),
        ("non_confidential", False, True, False),
        ("none", False, False, False),
    ],
)
def test_registration_follows_the_mode(
    national: NationalSimulator,
    world: World,
    settings: Any,
    mode: str,
    confidential: bool,
    supervisory: bool,
    registered: bool,
) -> None:
    settings.ADUAN_LAPOR_REGISTER = mode
    complaint = submit(world, is_confidential=confidential)
    services.complaint_dispatch(
        actor=world.coordinator,
        complaint=complaint,
        lead_agency=world.inspectorate_agency if supervisory else world.public_works,
        is_supervisory=supervisory or None,
    )
    assert NationalLink.objects.filter(complaint=complaint).exists() is registered
    if not registered:
        assert kinds(complaint) == []


def test_a_transfer_goes_through_sp4n_lapor_whatever_the_mode(
    national: NationalSimulator, world: World, settings: Any
) -> None:
    settings.ADUAN_LAPOR_REGISTER = "none"
    complaint = make(world, "transferred")
    assert kinds(complaint) == ["register", "transfer"]
    transfer = OutboundMessage.objects.get(link__complaint=complaint, kind="transfer")
    assert transfer.payload["target"] == "Pemerintah Kota Padang"


def test_files_leave_with_published_answers_only(national: NationalSimulator, world: World) -> None:
    complaint = make(world, "dispatched")
    before = services.attachment_add(actor=world.operator, complaint=complaint, upload=png("a.png"))
    internal = services.attachment_add(
        actor=world.operator, complaint=complaint, upload=png("b.png"), internal=True
    )
    assert kinds(complaint) == ["register"]  # nothing leaves before an answer is published
    publish_followup(world, complaint)
    after = services.attachment_add(actor=world.operator, complaint=complaint, upload=png("c.png"))
    sent = OutboundMessage.objects.filter(link__complaint=complaint, kind="attachment")
    assert [m.payload["attachment"] for m in sent] == [before.pk]
    publish_followup(world, complaint, "Jawaban kedua")
    assert [m.payload["attachment"] for m in sent.order_by("id")] == [before.pk, after.pk]
    assert internal.pk not in [m.payload["attachment"] for m in sent]


def test_the_reporters_own_files_are_never_sent(national: NationalSimulator, world: World) -> None:
    complaint = submit(world, attachments=[png("reporter.png")])
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    publish_followup(world, complaint)
    assert "attachment" not in kinds(complaint)


def test_messages_roll_back_with_the_change(national: NationalSimulator, world: World) -> None:
    complaint = submit(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.complaint_dispatch(
            actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
        )
        raise RuntimeError("the request failed after the service")
    assert not NationalLink.objects.exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("anonymous", "confidential", "name_sent"),
    [(False, False, True), (True, False, False), (False, True, False)],
)
def test_registration_carries_no_protected_identity_and_never_a_contact(
    national: NationalSimulator,
    world: World,
    settings: Any,
    anonymous: bool,
    confidential: bool,
    name_sent: bool,
) -> None:
    settings.ADUAN_LAPOR_REGISTER = "all"
    complaint = make(world, "dispatched", is_anonymous=anonymous, is_confidential=confidential)
    message = OutboundMessage.objects.get(link__complaint=complaint, kind="register")
    _endpoint, body = build_request(message, message.link, load_config())
    assert body["referensi_instansi"] == complaint.tracking_id
    assert body["anonim"] is anonymous and body["rahasia"] is confidential
    assert ("nama_pelapor" in body) is name_sent
    text = str(body)
    assert "081234567890" not in text and "+6281234567890" not in text
    assert "warga@example.org" not in text
    assert body["status"] == "Sedang Diproses" and body["status_instansi"] == "dispatched"


def test_a_database_restored_from_a_backup_does_not_replay_national_answers(
    national: NationalSimulator, world: World
) -> None:
    """A restore reuses row ids, and so the local keys ("register-c<id>"): a new complaint's
    registration must not get the answer SP4N-LAPOR! kept for the lost one under that key."""
    from aduan.lapor.sync import sync

    lost = make(world, "dispatched")
    sync()
    lost_link = NationalLink.objects.get(complaint=lost)
    lost_message = OutboundMessage.objects.get(link=lost_link)
    key, lost_id = lost_message.idempotency_key, lost_link.national_id
    assert lost_message.national_key.startswith(f"{key}:") and lost_id
    # The restore: what was written after the backup is gone, and the next complaint gets the
    # same row id, hence the same local key.
    OutboundMessage.objects.filter(pk=lost_message.pk).delete()
    NationalLink.objects.filter(pk=lost_link.pk).delete()
    new = make(world, "dispatched", title="Sampah menumpuk di pasar")
    OutboundMessage.objects.filter(link__complaint=new).update(idempotency_key=key)
    sync()
    new_link = NationalLink.objects.get(complaint=new)
    assert new_link.national_id and new_link.national_id != lost_id
    assert national.reports[new_link.national_id]["judul"] == "Sampah menumpuk di pasar"
    assert not national.replayed


def test_a_registration_answered_with_another_complaints_report_is_parked(
    national: NationalSimulator, world: World
) -> None:
    """Messages written before keys had a nonce, after a restore: the answer names another
    complaint (its referensi_instansi), so nothing is linked and the message waits."""
    from aduan.lapor.sync import sync

    complaint = make(world, "dispatched")
    message = OutboundMessage.objects.get(link__complaint=complaint)
    answer = {"tracking_id": "LAP-999", "versi": 1, "referensi_instansi": "SB-LAIN-0001"}
    old_key = message.national_key
    national.idempotency[old_key] = (201, answer)
    sync()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.PARKED
    assert "SB-LAIN-0001" in str(message.problem)
    assert NationalLink.objects.get(complaint=complaint).national_id == ""
    # Retry asks for a new registration (a new key), which SP4N-LAPOR! makes.
    from aduan.lapor import services as lapor_services

    lapor_services.message_retry(actor=None, messages=[message])
    sync()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.DELIVERED and message.national_key != old_key
    assert NationalLink.objects.get(complaint=complaint).national_id.startswith("LAP-")
