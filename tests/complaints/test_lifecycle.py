"""The lifecycle services one by one: what each writes, its deadlines, its input checks."""

from __future__ import annotations

import re
from datetime import date, datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from aduan.complaints import policies, selectors, services
from aduan.complaints.models import Clock, Complaint, Dispatch, Follower, FollowUp, Status, Support
from aduan.complaints.sweep import sweep
from aduan.core.audit import audit_verify
from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.notifications.models import Audience, OutboxMessage
from tests.world import (
    World,
    build_world,
    frozen_at,
    lead_dispatch,
    make,
    publish_followup,
    submit,
)

from .test_permission_matrix import PNG

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


def clock_of(complaint: Complaint, kind: str, **filters: Any) -> Clock:
    return complaint.clocks.filter(kind=kind, **filters).latest("id")


# --- submit -------------------------------------------------------------------------------


def test_tracking_id_is_readable_and_secret_only_hashed(world: World) -> None:
    result = services.complaint_submit(
        actor=None,
        title="Lampu jalan mati",
        description="Lampu jalan di Jalan Khatib Sulaiman mati sejak seminggu.",
        reporter_name="Budi",
        reporter_phone="0812 3456 7890",
    )
    complaint = result.complaint
    assert re.fullmatch(
        r"SB-[3479ACDEFGHJKMNPQRTUVWXY]{4}-[3479ACDEFGHJKMNPQRTUVWXY]{4}", complaint.tracking_id
    )
    assert result.guest_secret and len(result.guest_secret) == 12
    assert result.guest_secret not in complaint.guest_secret_hash
    assert complaint.reporter_phone == "+6281234567890"
    # The guest proves ownership with the secret, typed in any case, and nothing else.
    found, guest = selectors.complaint_for_guest(
        complaint.tracking_id.lower().replace("-", " "), result.guest_secret.lower()
    )
    assert found == complaint and policies.is_reporter(guest, complaint)
    with pytest.raises(PermissionDenied):
        selectors.complaint_for_guest(complaint.tracking_id, "WRONGWRONGWR")


def test_signed_in_reporter_gets_no_secret(world: World) -> None:
    result = services.complaint_submit(
        actor=world.reporter,
        title="Jalan rusak",
        description="Jalan rusak parah di Padang Pariaman.",
    )
    assert result.guest_secret is None and result.complaint.reporter == world.reporter
    assert result.complaint.reporter_name == "Siti Rahmawati"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Judul wajib diisi."),
        ({"description": "pendek"}, "Uraian minimal 10 karakter."),
        ({"title": "x" * 201}, "Judul paling banyak 200 karakter."),
        ({"reporter_name": ""}, "Mohon isi nama Anda."),
        (
            {"reporter_phone": "", "reporter_email": ""},
            "Mohon isi nomor telepon atau alamat e-mail agar kami dapat menghubungi Anda.",
        ),
        ({"reporter_email": "bukan-email"}, "Alamat e-mail “bukan-email” tidak valid."),
        ({"reporter_phone": "12ab"}, "Nomor telepon “12ab” tidak valid."),
        ({"latitude": "95", "longitude": "100"}, "Koordinat tidak valid."),
        ({"event_date": date(2999, 1, 1)}, "Tanggal kejadian tidak boleh di masa depan."),
    ],
)
def test_submit_rejects_bad_input_in_indonesian(
    world: World, fields: dict[str, Any], message: str
) -> None:
    data: dict[str, Any] = {
        "actor": None,
        "title": "Sampah menumpuk",
        "description": "Sampah menumpuk di pinggir jalan selama seminggu.",
        "reporter_name": "Budi",
        "reporter_phone": "081234567890",
    }
    data.update(fields)
    with pytest.raises(InvalidInput) as error:
        services.complaint_submit(**data)
    assert str(error.value) == message
    assert not Complaint.objects.exists() and not AuditEvent.objects.exists()


def test_submit_is_idempotent_per_channel_key(world: World) -> None:
    first = services.complaint_submit(
        actor=world.reporter,
        title="Banjir",
        description="Banjir di Jalan Veteran setiap hujan.",
        idempotency_key="k1",
    )
    again = services.complaint_submit(
        actor=world.reporter,
        title="Banjir",
        description="Banjir di Jalan Veteran setiap hujan.",
        idempotency_key="k1",
    )
    assert first.created and not again.created
    assert again.complaint.pk == first.complaint.pk
    assert Complaint.objects.count() == 1
    assert AuditEvent.objects.filter(action="complaint.submitted").count() == 1


def test_attachment_type_is_sniffed_not_trusted(world: World, settings: Any) -> None:
    good = SimpleUploadedFile("foto.pdf", PNG, content_type="application/pdf")
    complaint = submit(world, attachments=[good])
    attachment = complaint.attachments.get()
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)
    fake = SimpleUploadedFile(
        "foto.png", b"MZ\x90\x00 this is an executable", content_type="image/png"
    )
    with pytest.raises(InvalidInput, match="bukan jenis berkas yang diizinkan"):
        submit(world, attachments=[fake])
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(InvalidInput, match="terlalu besar"):
        submit(world, attachments=[SimpleUploadedFile("foto.png", PNG)])
    assert Complaint.objects.count() == 1


def test_failed_submit_leaves_no_file_behind(world: World, settings: Any, monkeypatch: Any) -> None:
    from pathlib import Path

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_start_clock", explode)
    with pytest.raises(RuntimeError):
        submit(world, attachments=[SimpleUploadedFile("foto.png", PNG)])
    assert not Complaint.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not [p for p in media.rglob("*") if p.is_file()]


# --- deadlines ----------------------------------------------------------------------------


def test_verification_deadline_in_working_days_over_lebaran(world: World) -> None:
    with frozen_at(at("2026-03-17T09:00")):
        complaint = submit(world)
    verify = clock_of(complaint, Clock.Kind.VERIFY)
    # 3 working days after Tue 17 March 2026: 18-24 March are Nyepi, Idul Fitri and cuti bersama.
    assert verify.due_at.astimezone(JAKARTA).date() == date(2026, 3, 27)


def test_dispatch_starts_followup_and_resolution_clocks(world: World) -> None:
    with frozen_at(at("2026-03-17T09:00")):
        complaint = submit(world)
        services.complaint_dispatch(
            actor=world.coordinator,
            complaint=complaint,
            lead_agency=world.public_works,
            supporting_agencies=[world.health],
        )
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED and complaint.verified_at is not None
    assert clock_of(complaint, Clock.Kind.VERIFY).met is True
    followups = complaint.clocks.filter(kind=Clock.Kind.FIRST_FOLLOWUP)
    assert followups.count() == 2  # one per hop
    assert {c.due_at.astimezone(JAKARTA).date() for c in followups} == {date(2026, 3, 31)}
    resolution = clock_of(complaint, Clock.Kind.RESOLUTION)
    assert resolution.due_at.astimezone(JAKARTA).date() == date(2026, 5, 16)  # 60 calendar days


def test_category_deadline_override(world: World) -> None:
    world.category.verify_working_days = 1
    world.category.save()
    with frozen_at(at("2026-12-18T10:00")):
        complaint = submit(world)
    assert clock_of(complaint, Clock.Kind.VERIFY).due_at.astimezone(JAKARTA).date() == date(
        2026, 12, 21
    )


def test_hold_pauses_verification_and_resume_never_moves_deadline_back(world: World) -> None:
    with frozen_at(at("2026-12-14T09:00")):  # Monday
        complaint = submit(world)
    due_before = clock_of(complaint, Clock.Kind.VERIFY).due_at
    with frozen_at(at("2026-12-15T09:00")):
        services.complaint_hold(
            actor=world.coordinator, complaint=complaint, reason="Lengkapi foto"
        )
    verify = clock_of(complaint, Clock.Kind.VERIFY)
    assert verify.state == Clock.State.PAUSED and verify.remaining == 2
    hold = clock_of(complaint, Clock.Kind.HOLD)
    assert hold.due_at.astimezone(JAKARTA).date() == date(2026, 12, 31)  # skips 24/25 Dec
    with frozen_at(at("2026-12-22T09:00")):
        services.complaint_complete(
            actor=world.reporter, complaint=complaint, body="Foto sudah saya tambahkan."
        )
    verify.refresh_from_db()
    assert verify.state == Clock.State.RUNNING
    # Two working days left from Tue 22 Dec: 23 Dec, then 28 Dec (24/25 are holidays).
    assert verify.due_at.astimezone(JAKARTA).date() == date(2026, 12, 28)
    assert verify.due_at >= due_before
    assert clock_of(complaint, Clock.Kind.HOLD).state == Clock.State.STOPPED


def test_expired_hold_is_archived_by_sweep(world: World) -> None:
    with frozen_at(at("2026-12-14T09:00")):
        complaint = submit(world)
        services.complaint_hold(
            actor=world.coordinator, complaint=complaint, reason="Lengkapi foto"
        )
    with frozen_at(at("2027-01-15T09:00")):
        result = sweep()
        assert sweep().holds_expired == 0  # a second run finds nothing left to do
    complaint.refresh_from_db()
    assert result.holds_expired == 1
    assert complaint.status == Status.ARCHIVED and complaint.archive_reason == "incomplete"


# --- agency side --------------------------------------------------------------------------


def test_followup_needs_approval_before_the_reporter_sees_it(world: World) -> None:
    complaint = make(world, "dispatched")
    draft = services.followup_draft(
        actor=world.operator, complaint=complaint, body="Akan kami cek."
    )
    services.followup_submit(actor=world.operator, followup=draft)
    services.followup_return(actor=world.liaison, followup=draft, note="Sebutkan jadwalnya.")
    draft.refresh_from_db()
    assert draft.state == FollowUp.State.RETURNED and draft.review_note == "Sebutkan jadwalnya."
    timeline = [e.action for e in selectors.complaint_timeline(world.reporter, complaint)]
    assert "followup.returned" not in timeline and "followup.drafted" not in timeline
    services.followup_submit(
        actor=world.operator, followup=draft, body="Perbaikan dijadwalkan 3 Desember."
    )
    services.followup_approve(actor=world.liaison, followup=draft)
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.first_followup_at is not None
    assert lead_dispatch(complaint).clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP).met is True
    assert "followup.published" in [
        e.action for e in selectors.complaint_timeline(world.reporter, complaint)
    ]
    assert (
        OutboxMessage.objects.filter(event="followup.published", audience=Audience.REPORTER).count()
        == 1
    )


def test_sub_unit_operator_can_draft_for_parent_agency_dispatch(world: World) -> None:
    complaint = make(world, "dispatched")
    with pytest.raises(PermissionDenied):
        services.followup_draft(actor=world.unit_operator, complaint=complaint, body="x")
    unit_complaint = submit(world)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=unit_complaint, lead_agency=world.public_works_unit
    )
    draft = services.followup_draft(
        actor=world.unit_operator, complaint=unit_complaint, body="Dicek UPTD."
    )
    # The parent agency's liaison officer approves for its sub-units.
    services.followup_submit(actor=world.unit_operator, followup=draft)
    services.followup_approve(actor=world.liaison, followup=draft)


def test_lead_decline_returns_to_coordinator_with_fresh_clock(world: World) -> None:
    complaint = make(world, "dispatched")
    with pytest.raises(InvalidInput):
        services.dispatch_decline(
            actor=world.liaison, dispatch=lead_dispatch(complaint), reason=" "
        )
    services.dispatch_decline(
        actor=world.liaison, dispatch=lead_dispatch(complaint), reason="Kewenangan kabupaten"
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED and complaint.lead_agency is None
    states = dict(complaint.dispatches.values_list("agency__code", "state"))
    assert states == {"DPU": Dispatch.State.DECLINED, "DINKES": Dispatch.State.WITHDRAWN}
    assert complaint.clocks.filter(kind=Clock.Kind.VERIFY, state=Clock.State.RUNNING).count() == 1
    assert not policies.visible_to(world.operator).filter(pk=complaint.pk).exists()
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.education
    )
    assert (
        complaint.clocks.filter(kind=Clock.Kind.RESOLUTION).count() == 1
    )  # runs from the first verification


def test_coordinator_takes_back_a_dispatch_no_agency_accepted(world: World) -> None:
    complaint = make(world, "dispatched")
    with pytest.raises(PermissionDenied):
        services.dispatch_withdraw(actor=world.liaison, complaint=complaint, reason="Salah")
    services.dispatch_withdraw(actor=world.coordinator, complaint=complaint, reason="Salah OPD")
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED and complaint.lead_agency is None
    states = dict(complaint.dispatches.values_list("agency__code", "state"))
    assert states == {"DPU": Dispatch.State.WITHDRAWN, "DINKES": Dispatch.State.WITHDRAWN}
    assert complaint.clocks.filter(kind=Clock.Kind.VERIFY, state=Clock.State.RUNNING).count() == 1
    assert not complaint.clocks.filter(
        kind__in=[Clock.Kind.FIRST_FOLLOWUP, Clock.Kind.FOLLOWUP], state=Clock.State.RUNNING
    ).exists()
    event = AuditEvent.objects.filter(action="complaint.dispatch_withdrawn").get()
    assert event.data == {"agency": "DPU, DINKES", "reason": "Salah OPD"}
    with pytest.raises(TransitionNotAllowed):  # nothing dispatched any more
        services.dispatch_withdraw(actor=world.coordinator, complaint=complaint)


def test_an_accepted_dispatch_cannot_be_taken_back(world: World) -> None:
    complaint = make(world, "dispatched")
    services.dispatch_accept(actor=world.liaison, dispatch=lead_dispatch(complaint))
    with pytest.raises(TransitionNotAllowed):
        services.dispatch_withdraw(actor=world.coordinator, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED


def test_supporting_agency_decline_keeps_the_complaint_going(world: World) -> None:
    complaint = make(world, "dispatched")
    support = complaint.dispatches.get(role=Dispatch.Role.SUPPORT)
    services.dispatch_decline(
        actor=world.health_liaison, dispatch=support, reason="Tidak terkait kesehatan"
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    assert support.clocks.get().state == Clock.State.STOPPED


# --- reporter side ------------------------------------------------------------------------


def test_resolve_then_auto_close_after_ten_working_days(world: World) -> None:
    with frozen_at(at("2026-12-14T09:00")):
        complaint = make(world, "in_progress")
        services.complaint_resolve(actor=world.liaison, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.reopen_until is not None
    assert complaint.reopen_until.astimezone(JAKARTA).date() == date(2026, 12, 30)
    with frozen_at(at("2026-12-30T20:00")):
        assert sweep().auto_closed == 0
    with frozen_at(at("2026-12-31T08:00")):
        assert sweep().auto_closed == 1
        assert sweep().auto_closed == 0
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    # The reporter may still rate a complaint that closed by itself, once.
    services.complaint_rate(actor=world.reporter, complaint=complaint, score=5, comment="Cepat")
    with pytest.raises(TransitionNotAllowed):
        services.complaint_rate(actor=world.reporter, complaint=complaint, score=1)


@pytest.mark.django_db(transaction=True)
def test_hops_of_complaints_closed_before_are_completed_by_the_migration(
    settings: Any, tmp_path: Any
) -> None:
    """Migration complaints.0012, run for real both ways."""
    world = build_world(settings, tmp_path)
    closed, in_progress = make(world, "closed"), make(world, "in_progress")
    open_states = sorted(in_progress.dispatches.values_list("state", flat=True))
    assert open_states == [Dispatch.State.PENDING, Dispatch.State.PENDING]
    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0011_followup_response_template")])
    # Back: completed hops become accepted, as they were before.
    assert set(closed.dispatches.values_list("state", flat=True)) == {Dispatch.State.ACCEPTED}
    # Hops that had stayed pending on a closed complaint are completed too.
    closed.dispatches.filter(role=Dispatch.Role.SUPPORT).update(state=Dispatch.State.PENDING)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(closed.dispatches.values_list("state", flat=True)) == {Dispatch.State.COMPLETED}
    assert sorted(in_progress.dispatches.values_list("state", flat=True)) == open_states


def test_reopen_only_within_window(world: World) -> None:
    with frozen_at(at("2026-12-14T09:00")):
        complaint = make(world, "resolved")
    with frozen_at(at("2026-12-31T09:00")), pytest.raises(TransitionNotAllowed):
        services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Belum selesai")
    with frozen_at(at("2026-12-29T09:00")):
        services.complaint_reopen(
            actor=world.reporter, complaint=complaint, reason="Lubang masih ada"
        )
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    followup_clock = clock_of(complaint, Clock.Kind.FOLLOWUP)
    assert followup_clock.dispatch == lead_dispatch(complaint)
    with frozen_at(at("2026-12-29T10:00")):  # within the clock's 5 working days
        publish_followup(world, complaint, "Sudah ditambal ulang.")
    followup_clock.refresh_from_db()
    assert followup_clock.met is True


def test_a_reopened_complaint_is_resolved_again_only_after_a_new_followup(world: World) -> None:
    complaint = make(world, "resolved")
    services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Masih bocor.")
    with pytest.raises(TransitionNotAllowed) as refused, translation.override("en"):
        services.complaint_resolve(actor=world.liaison, complaint=complaint)
    with translation.override("en"):
        assert "publish a new follow-up" in str(refused.value)
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.clocks.filter(kind=Clock.Kind.RESOLUTION, state=Clock.State.RUNNING).exists()

    publish_followup(world, complaint, "Sudah kami tambal ulang.")
    services.complaint_resolve(actor=world.liaison, complaint=complaint)

    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED


def test_reply_while_resolved_stops_auto_close_until_answered(world: World) -> None:
    complaint = make(world, "resolved")
    services.complaint_reply(
        actor=world.reporter, complaint=complaint, body="Masih ada lubang kecil."
    )
    assert not complaint.clocks.filter(
        kind=Clock.Kind.AUTO_CLOSE, state=Clock.State.RUNNING
    ).exists()
    publish_followup(world, complaint, "Lubang kecil sudah ditutup.")
    assert (
        complaint.clocks.filter(kind=Clock.Kind.AUTO_CLOSE, state=Clock.State.RUNNING).count() == 1
    )


def test_rating_validates_and_closes(world: World) -> None:
    complaint = make(world, "resolved")
    for bad in (0, 6, True):
        with pytest.raises(InvalidInput, match=r"Penilaian harus berupa angka 1 sampai 5\."):
            services.complaint_rate(actor=world.reporter, complaint=complaint, score=bad)
    with pytest.raises(PermissionDenied):
        services.complaint_rate(actor=world.outsider, complaint=complaint, score=5)
    services.complaint_rate(actor=world.reporter, complaint=complaint, score=4)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.rating == 4


def test_guest_reporter_acts_with_pass(world: World) -> None:
    result = services.complaint_submit(
        actor=None,
        title="Air PDAM mati",
        description="Air mati tiga hari di Kelurahan Jati.",
        reporter_name="Ani",
        reporter_email="ani@example.org",
    )
    complaint = result.complaint
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Alamat lengkap?")
    _, guest = selectors.complaint_for_guest(complaint.tracking_id, result.guest_secret or "")
    services.complaint_complete(actor=guest, complaint=complaint, body="Jl. Jati No. 5, Padang.")
    assert AuditEvent.objects.filter(action="complaint.completed").get().actor_label == "reporter"


# --- coordinator side ---------------------------------------------------------------------


def test_merge_keeps_histories_and_moves_followers_and_supporters(world: World) -> None:
    survivor = make(world, "dispatched")
    duplicate = services.complaint_submit(
        actor=None,
        title="Lubang di jalan pasar",
        description="Jalan depan pasar berlubang besar.",
        reporter_name="Rudi",
        reporter_phone="081298765432",
    ).complaint
    services.complaint_support(actor=world.outsider, complaint=survivor)
    services.complaint_merge(actor=world.coordinator, duplicate=duplicate, into=survivor)
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.status == Status.ARCHIVED and duplicate.archive_reason == "duplicate"
    assert duplicate.merged_into == survivor and duplicate.tracking_id != survivor.tracking_id
    assert Follower.objects.filter(complaint=survivor, source=duplicate).exists()
    assert AuditEvent.objects.filter(
        target_id=str(duplicate.pk), action="complaint.submitted"
    ).exists()
    assert AuditEvent.objects.filter(
        target_id=str(survivor.pk), action="complaint.merged_in"
    ).exists()
    assert survivor.support_count == 1
    with pytest.raises(InvalidInput):
        services.complaint_merge(actor=world.coordinator, duplicate=survivor, into=survivor)


def test_support_once_per_person_and_only_public(world: World) -> None:
    complaint = make(world, "submitted")
    with pytest.raises(TransitionNotAllowed):
        services.complaint_support(actor=world.outsider, complaint=complaint)
    complaint = make(world, "dispatched")
    assert services.complaint_support(actor=world.outsider, complaint=complaint)
    assert not services.complaint_support(actor=world.outsider, complaint=complaint)
    assert services.complaint_support(actor=None, complaint=complaint, supporter_key="phone:abc")
    with pytest.raises(PermissionDenied):
        services.complaint_support(actor=world.reporter, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.support_count == 2 == Support.objects.filter(complaint=complaint).count()


def test_archive_other_needs_explanation(world: World) -> None:
    complaint = make(world, "submitted")
    with pytest.raises(InvalidInput, match=r"Jelaskan alasan pengarsipan\."):
        services.complaint_archive(actor=world.coordinator, complaint=complaint, reason="other")
    with pytest.raises(InvalidInput):
        services.complaint_archive(
            actor=world.coordinator, complaint=complaint, reason="no-such-reason"
        )


def test_overdue_clock_flagged_once_with_notice(world: World) -> None:
    with frozen_at(at("2026-12-14T09:00")):
        complaint = make(world, "dispatched")
    with frozen_at(at("2026-12-22T09:00")):
        first = sweep()
        second = sweep()
    assert first.breached == 2 and second.breached == 0  # both hops missed their first follow-up
    events = AuditEvent.objects.filter(action="clock.breached", target_id=str(complaint.pk))
    assert events.count() == 2
    notices = OutboxMessage.objects.filter(event="clock.breached")
    assert {m.agency.code for m in notices if m.agency} == {"DPU", "DINKES"}


def test_sweep_command_and_audit_chain(world: World) -> None:
    make(world, "closed")
    out = StringIO()
    call_command("sweep", stdout=out)
    assert "0" in out.getvalue()
    checked, problem = audit_verify()
    assert problem is None and checked == AuditEvent.objects.count()


def test_outbox_row_written_with_the_change(world: World) -> None:
    complaint = make(world, "dispatched")
    rows = OutboxMessage.objects.filter(complaint=complaint, event="complaint.dispatched")
    assert {(r.audience, r.agency.code if r.agency else None) for r in rows} == {
        (Audience.REPORTER, None),
        (Audience.FOLLOWERS, None),
        (Audience.AGENCY, "DPU"),
        (Audience.AGENCY, "DINKES"),
    }
    assert all(r.payload["tracking_id"] == complaint.tracking_id for r in rows)


# --- protections and reviews' findings -------------------------------------------------------


def test_protection_can_be_added_never_removed(world: World) -> None:
    complaint = submit(world, is_confidential=True)
    with pytest.raises(InvalidInput):
        services.complaint_dispatch(
            actor=world.coordinator,
            complaint=complaint,
            lead_agency=world.public_works,
            is_confidential=False,
        )
    with pytest.raises(InvalidInput):
        services.complaint_set_privacy(
            actor=world.coordinator, complaint=complaint, is_confidential=False
        )
    services.complaint_set_privacy(actor=world.coordinator, complaint=complaint, is_anonymous=True)
    complaint.refresh_from_db()
    assert complaint.is_confidential and complaint.is_anonymous
    supervisory = submit(world, is_supervisory=True)
    with pytest.raises(InvalidInput):
        services.complaint_dispatch(
            actor=world.inspectorate,
            complaint=supervisory,
            lead_agency=world.public_works,
            is_supervisory=False,
        )
    services.complaint_dispatch(
        actor=world.inspectorate, complaint=supervisory, lead_agency=world.inspectorate_agency
    )


def test_idempotency_key_is_bound_to_its_sender(world: World) -> None:
    guest = {
        "title": "Banjir",
        "description": "Banjir di Jalan Veteran setiap hujan.",
        "idempotency_key": "abc",
    }
    first = services.complaint_submit(
        actor=None, reporter_name="Ani", reporter_phone="0811111111", **guest
    )
    replay = services.complaint_submit(
        actor=None, reporter_name="Ani", reporter_phone="+62811111111", **guest
    )
    assert not replay.created and replay.complaint.pk == first.complaint.pk
    # The lost first answer can be recovered: the replay gives the same working secret.
    assert replay.guest_secret == first.guest_secret
    selectors.complaint_for_guest(first.complaint.tracking_id, replay.guest_secret or "")
    other_guest = services.complaint_submit(
        actor=None, reporter_name="Edi", reporter_phone="0822222222", **guest
    )
    signed_in = services.complaint_submit(actor=world.reporter, **guest)
    assert other_guest.created and signed_in.created
    assert len({first.complaint.pk, other_guest.complaint.pk, signed_in.complaint.pk}) == 3
    assert other_guest.guest_secret != first.guest_secret


def test_staff_lists_blank_identities_they_may_not_see(world: World) -> None:
    anonymous = make(world, "dispatched", is_anonymous=True)
    plain = make(world, "dispatched")
    services.complaint_reply(
        actor=world.reporter,
        complaint=anonymous,
        body="Foto tambahan",
        attachments=[SimpleUploadedFile("f.png", PNG)],
    )
    rows = {c.pk: c for c in selectors.complaint_list(world.operator)}
    assert rows[anonymous.pk].reporter_name == "" and rows[anonymous.pk].reporter_id is None
    assert rows[plain.pk].reporter_name == "Siti Rahmawati"
    with pytest.raises(RuntimeError):
        rows[anonymous.pk].save()
    fetched = selectors.complaint_get(world.operator, anonymous.tracking_id)
    assert fetched.reporter_phone == "" and fetched.reporter_email == ""
    assert (
        selectors.complaint_get(world.coordinator, anonymous.tracking_id).reporter_name
        == "Siti Rahmawati"
    )
    assert (
        selectors.complaint_get(world.reporter, anonymous.tracking_id).reporter_name
        == "Siti Rahmawati"
    )
    assert {c.reporter_name for c in selectors.public_complaints()} == {""}
    upload = anonymous.attachments.get()
    assert upload.from_reporter and upload.uploaded_by is None


def test_reply_while_resolved_and_reopen_keep_a_deadline_running(world: World) -> None:
    complaint = make(world, "resolved")
    services.complaint_reply(actor=world.reporter, complaint=complaint, body="Masih bocor.")
    running = set(complaint.clocks.filter(state=Clock.State.RUNNING).values_list("kind", flat=True))
    assert running == {Clock.Kind.FOLLOWUP}
    publish_followup(world, complaint, "Sudah kami tambal lagi.")
    running = set(complaint.clocks.filter(state=Clock.State.RUNNING).values_list("kind", flat=True))
    assert running == {Clock.Kind.AUTO_CLOSE}
    services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Masih bocor juga.")
    running = set(complaint.clocks.filter(state=Clock.State.RUNNING).values_list("kind", flat=True))
    assert running == {Clock.Kind.FOLLOWUP, Clock.Kind.RESOLUTION}
    assert complaint.clocks.filter(kind=Clock.Kind.RESOLUTION).count() == 1  # the same, resumed


def test_membership_agency_must_match_role(world: World) -> None:
    from django.db import IntegrityError, transaction

    from aduan.accounts.models import Membership, Role

    for role, agency in [(Role.LIAISON, None), (Role.COORDINATOR, world.public_works)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=world.outsider, role=role, agency=agency)


def test_monitor_samples_only_public_non_supervisory_complaints(world: World) -> None:
    public = make(world, "dispatched")
    unverified = make(world, "submitted")
    supervisory = submit(world, is_supervisory=True)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=supervisory, lead_agency=world.inspectorate_agency
    )
    seen = set(policies.visible_to(world.monitor).values_list("pk", flat=True))
    assert public.pk in seen and unverified.pk not in seen and supervisory.pk not in seen


def test_an_accepted_dispatch_cannot_be_declined(world: World) -> None:
    complaint = make(world, "dispatched")
    services.dispatch_accept(actor=world.liaison, dispatch=lead_dispatch(complaint))
    with pytest.raises(TransitionNotAllowed):
        services.dispatch_decline(
            actor=world.liaison, dispatch=lead_dispatch(complaint), reason="Bukan kami"
        )


def test_inspectorate_handles_supervisory_reports_end_to_end(world: World) -> None:
    complaint = submit(world, is_supervisory=True, title="Pungutan liar di kantor samsat")
    assert not policies.visible_to(world.operator).filter(pk=complaint.pk).exists()
    assert policies.visible_to(world.inspectorate).filter(pk=complaint.pk).exists()
    with pytest.raises(InvalidInput):
        services.complaint_dispatch(
            actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
        )
    services.complaint_dispatch(
        actor=world.inspectorate, complaint=complaint, lead_agency=world.inspectorate_agency
    )
    draft = services.followup_draft(
        actor=world.inspectorate, complaint=complaint, body="Sedang diperiksa APIP."
    )
    services.followup_submit(actor=world.inspectorate, followup=draft)
    with pytest.raises(PermissionDenied):
        services.followup_approve(actor=world.liaison, followup=draft)
    services.followup_approve(actor=world.inspectorate, followup=draft)
    services.complaint_resolve(actor=world.inspectorate, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    # The Inspectorate has no say over ordinary complaints.
    ordinary = make(world, "submitted")
    with pytest.raises(PermissionDenied):
        services.complaint_hold(actor=world.inspectorate, complaint=ordinary, reason="Lengkapi")
