"""The complaint workspace: what it shows to whom, which actions it offers per role and state,
and that each action form drives its service (PRG on success, the form error otherwise)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aduan.agencies.models import CategoryField
from aduan.complaints import selectors, services
from aduan.complaints.models import (
    Attachment,
    Complaint,
    Dispatch,
    FollowUp,
    Instruction,
    Note,
    Status,
)
from aduan.core.errors import TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.duplicates.models import DuplicateCandidate
from aduan.duplicates.services import duplicate_dismiss
from aduan.knowledge.models import ResponseTemplate
from tests.backoffice.helpers import (
    PNG,
    action_url,
    kinds,
    messages_of,
    panels,
    text,
    workspace_url,
)
from tests.world import World, lead_dispatch, make, publish_followup, submit

IDENTITY = ("Siti", "Rahmawati", "warga@example.org", "81234567890")


def refreshed(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# --- which actions are offered ---------------------------------------------------------------

# (state, role) → the actions offered; written out by hand from the issue and DESIGN §4.
OFFERED: dict[tuple[str, str], set[str]] = {
    ("submitted", "coordinator"): {
        "dispatch",
        "hold",
        "archive",
        "transfer",
        "merge",
        "privacy",
        "note",
        "attach",
    },
    ("submitted", "leadership"): {"note", "instruct"},
    ("on_hold", "coordinator"): {"archive", "transfer", "merge", "privacy", "note", "attach"},
    ("dispatched", "coordinator"): {"note", "attach"},
    ("dispatched", "leadership"): {"note", "instruct"},
    ("dispatched", "operator"): {"draft", "note", "attach"},
    ("dispatched", "liaison"): {"accept", "decline", "draft", "note", "attach"},
    ("dispatched", "health_liaison"): {"accept", "decline", "draft", "note", "attach"},
    ("dispatched", "health_operator"): {"draft", "note", "attach"},
    # Once answered, the lead can no longer decline (a supporting agency still could).
    ("in_progress", "liaison"): {"accept", "draft", "resolve", "note", "attach"},
    ("in_progress", "health_liaison"): {"accept", "decline", "draft", "note", "attach"},
    ("in_progress", "operator"): {"draft", "note", "attach"},
    ("resolved", "liaison"): {"draft", "note", "attach"},
    ("closed", "liaison"): {"note"},
    ("closed", "coordinator"): {"note"},
    ("archived", "coordinator"): {"note"},
}


@pytest.mark.parametrize(("state", "role"), sorted(OFFERED))
def test_actions_offered_per_role_and_state(
    world: World, client_for: Callable[[str], Client], state: str, role: str
) -> None:
    complaint = make(world, state)
    response = client_for(role).get(workspace_url(complaint))
    assert response.status_code == 200
    assert kinds(panels(response)) == OFFERED[(state, role)]


def test_the_inspectorate_acts_as_coordinator_for_supervisory_reports(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = submit(world, is_supervisory=True)
    response = client_for("inspectorate").get(workspace_url(complaint))
    assert {"dispatch", "hold", "archive"} <= kinds(panels(response))
    # ...and is offered its own agency as the lead, and the suggestion above the form agrees
    # (the category's default agency could not lead such a report).
    page = text(response)
    assert f'<option value="{world.inspectorate_agency.pk}" selected>' in page
    suggested = page.split('id="dispatch-suggestions"', 1)[1].split("</p>", 1)[0]
    assert str(world.inspectorate_agency) in suggested and str(world.public_works) not in suggested
    ordinary = text(client_for("coordinator").get(workspace_url(submit(world))))
    suggested = ordinary.split('id="dispatch-suggestions"', 1)[1].split("</p>", 1)[0]
    assert str(world.public_works) in suggested


def test_reveal_is_offered_only_where_the_identity_is_hidden(
    world: World, client_for: Callable[[str], Client]
) -> None:
    confidential = submit(world, is_confidential=True)
    ordinary = submit(world)
    assert "reveal" in panels(client_for("coordinator").get(workspace_url(confidential)))
    assert "reveal" not in panels(client_for("coordinator").get(workspace_url(ordinary)))
    assert "reveal" not in panels(client_for("leadership").get(workspace_url(confidential)))


# --- facts, identity, internal texts -----------------------------------------------------------


def test_workspace_shows_the_facts_dispatches_deadlines_and_history(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched", address_text="Jl. Sudirman 1", is_anonymous=False)
    page = text(client_for("liaison").get(workspace_url(complaint)))
    assert complaint.title in page and "Jl. Sudirman 1" in page
    assert str(world.public_works) in page and str(world.health) in page  # dispatches
    assert str(Dispatch.State.PENDING.label) in page
    assert "badge-ok" in page  # live deadlines with badges
    assert 'class="timeline"' in page
    # The history names the agencies as people read them, not by the codes the audit log keeps.
    history = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert f"{world.public_works!s}</li>" in history and str(world.health) in history
    assert f": {world.health.code}<" not in history
    for needle in IDENTITY:  # an ordinary report: the agency sees who reported
        assert needle in page


def test_workspace_shows_the_answers_to_the_categorys_extra_questions(
    world: World, client_for: Callable[[str], Client]
) -> None:
    CategoryField.objects.create(
        category=world.category, code="pole", description="Nomor tiang", order=2
    )
    CategoryField.objects.create(
        category=world.category,
        code="side",
        datatype=CategoryField.Datatype.SINGLE_VALUE_LIST,
        description="Sisi jalan",
        values=[{"key": "L", "name": "Kiri"}, {"key": "R", "name": "Kanan"}],
        order=1,
    )
    complaint = submit(world, category=world.category, attributes={"pole": "T-17", "side": "R"})
    assert selectors.complaint_answers(complaint) == [
        ("Sisi jalan", "Kanan"),
        ("Nomor tiang", "T-17"),
    ]
    page = text(client_for("coordinator").get(workspace_url(complaint)))
    assert "Nomor tiang" in page and "T-17" in page and "Kanan" in page


@pytest.mark.parametrize("role", ["operator", "liaison", "health_operator"])
def test_identity_hidden_for_anonymous_reports_from_the_agencies(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    complaint = make(world, "dispatched", is_anonymous=True)
    services.note_add(actor=world.operator, complaint=complaint, body="Cek lokasi besok.")
    page = text(client_for(role).get(workspace_url(complaint)))
    assert "data-identity-hidden" in page
    for needle in IDENTITY:
        assert needle not in page
    # The coordinator does see it (the positive control of the search above).
    coordinator_page = text(client_for("coordinator").get(workspace_url(complaint)))
    assert "Rahmawati" in coordinator_page


def test_notes_are_visibly_internal_and_never_shown_to_the_reporter(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    response = client_for("operator").post(
        action_url(complaint, "catatan"), {"note-body": "Koordinasi dengan UPTD minggu depan."}
    )
    assert response.status_code == 302
    assert response["Location"] == workspace_url(complaint)
    note = Note.objects.get(complaint=complaint)
    assert note.author == world.operator
    page = text(client_for("liaison").get(workspace_url(complaint)))
    notes_section = page.split('id="notes"', 1)[1].split("</section>", 1)[0]
    assert "Koordinasi dengan UPTD" in notes_section
    assert 'class="card internal"' in page.split('id="notes"', 1)[0].rsplit("<section", 1)[1]
    assert "internal-label" in notes_section
    # The reporter's history carries neither the note nor the fact that it was written.
    timeline = selectors.complaint_timeline(world.reporter, refreshed(complaint))
    assert all(entry.action != "complaint.noted" for entry in timeline)
    assert "Koordinasi" not in repr(timeline)
    assert client_for("reporter").get(workspace_url(complaint)).status_code == 403


@pytest.mark.parametrize(
    ("action", "field", "model"),
    [
        ("catatan", "note", Note),
        ("tindak-lanjut", "draft", FollowUp),
        ("arahan", "instruct", Instruction),
    ],
)
def test_a_form_sent_twice_adds_once(
    world: World, client_for: Callable[[str], Client], action: str, field: str, model: type
) -> None:
    """A double click or a retry on a slow line sends the same form twice."""
    complaint = make(world, "dispatched")
    client = client_for("leadership" if action == "arahan" else "operator")
    client.cookies["aduan_language"] = "en"
    page = text(client.get(workspace_url(complaint)))
    token = re.search(rf'name="{field}-once" value="([0-9a-f]{{32}})"', page)
    assert token is not None
    url = action_url(complaint, action)
    # Refused first (empty): the token is not spent, and the corrected form is saved.
    assert (
        client.post(url, {f"{field}-body": "", f"{field}-once": token.group(1)}).status_code == 400
    )
    sent = {f"{field}-body": "Mohon segera ditangani minggu ini.", f"{field}-once": token.group(1)}
    assert client.post(url, sent).status_code == 302
    again = client.post(url, sent, follow=True)
    assert "This form was sent twice; it was saved once." in text(again)
    assert model.objects.filter(complaint=complaint).count() == 1
    # The page offers a new token for the next one.
    assert token.group(1) not in text(client.get(workspace_url(complaint)))


def test_an_empty_note_is_refused_with_a_message(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    response = client_for("operator").post(action_url(complaint, "catatan"), {"note-body": ""})
    assert response.status_code == 400
    page = text(response)
    assert 'id="error-summary"' in page and 'aria-invalid="true"' in page
    assert 'id="panel-note" open' in page
    assert not Note.objects.exists()


# --- coordinator actions --------------------------------------------------------------------


def test_dispatch(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    page = text(client_for("coordinator").get(workspace_url(complaint)))
    # The category's default agency is suggested and pre-selected.
    assert f'<option value="{world.public_works.pk}" selected>' in page
    response = client_for("coordinator").post(
        action_url(complaint, "disposisi"),
        {
            "dispatch-lead_agency": world.public_works.pk,
            "dispatch-supporting_agencies": [world.health.pk],
            "dispatch-is_confidential": "on",
            "dispatch-note": "Mohon segera dicek.",
        },
    )
    assert response.status_code == 302
    assert messages_of(response)[0][0] == "success"
    complaint = refreshed(complaint)
    assert complaint.status == Status.DISPATCHED
    assert complaint.lead_agency == world.public_works
    assert complaint.is_confidential and not complaint.is_anonymous
    assert set(complaint.dispatches.values_list("agency__code", "role")) == {
        ("DPU", "lead"),
        ("DINKES", "support"),
    }


def test_dispatch_errors_are_shown_on_the_form(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = submit(world)
    client = client_for("coordinator")
    missing = client.post(action_url(complaint, "disposisi"), {"dispatch-lead_agency": ""})
    assert missing.status_code == 400
    # The service's own rule: misconduct reports go to the Inspectorate only.
    refused = client.post(
        action_url(complaint, "disposisi"),
        {"dispatch-lead_agency": world.public_works.pk, "dispatch-is_supervisory": "on"},
    )
    assert refused.status_code == 400
    assert "Inspektorat" in text(refused) or "Inspectorate" in text(refused)
    assert refreshed(complaint).status == Status.SUBMITTED


def test_a_set_protection_cannot_be_cleared_from_the_form(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = submit(world, is_anonymous=True)
    client = client_for("coordinator")
    page = text(client.get(workspace_url(complaint)))
    (anonymous,) = re.findall(r"<input[^>]*privacy-is_anonymous[^>]*>", page)
    assert " disabled" in anonymous and " checked" in anonymous
    (confidential,) = re.findall(r"<input[^>]*privacy-is_confidential[^>]*>", page)
    assert " disabled" not in confidential and " checked" not in confidential
    # Posting without the (disabled) box leaves it set, and raises another one.
    response = client.post(action_url(complaint, "privasi"), {"privacy-is_confidential": "on"})
    assert response.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.is_anonymous and complaint.is_confidential


def test_hold(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    client = client_for("coordinator")
    assert client.post(action_url(complaint, "tunda"), {"hold-reason": " "}).status_code == 400
    response = client.post(action_url(complaint, "tunda"), {"hold-reason": "Lokasi tepatnya?"})
    assert response.status_code == 302
    assert refreshed(complaint).status == Status.ON_HOLD


def test_archive(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    client = client_for("coordinator")
    # "Other" needs an explanation: the service says so, the form shows it.
    refused = client.post(action_url(complaint, "arsipkan"), {"archive-reason": "other"})
    assert refused.status_code == 400
    assert refreshed(complaint).status == Status.SUBMITTED
    response = client.post(
        action_url(complaint, "arsipkan"),
        {"archive-reason": "abusive", "archive-note": "Spam berulang."},
    )
    assert response.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.status == Status.ARCHIVED and complaint.archive_reason == "abusive"


def test_transfer(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    response = client_for("coordinator").post(
        action_url(complaint, "alihkan"),
        {"transfer-target": "Pemerintah Kota Padang", "transfer-note": "Jalan kota."},
    )
    assert response.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.status == Status.TRANSFERRED
    assert complaint.transfer_target == "Pemerintah Kota Padang"


def test_merge(world: World, client_for: Callable[[str], Client]) -> None:
    survivor = make(world, "dispatched")
    duplicate = submit(world)
    client = client_for("coordinator")
    unknown = client.post(action_url(duplicate, "gabungkan"), {"merge-into": "SB-AAAA-AAAA"})
    assert unknown.status_code == 400
    response = client.post(
        action_url(duplicate, "gabungkan"), {"merge-into": survivor.tracking_id.lower()}
    )
    assert response.status_code == 302
    duplicate = refreshed(duplicate)
    assert duplicate.status == Status.ARCHIVED and duplicate.merged_into == survivor


def test_an_action_the_state_no_longer_allows_is_409(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    response = client_for("coordinator").post(
        action_url(complaint, "tunda"), {"hold-reason": "Terlambat diklik."}
    )
    assert response.status_code == 409
    assert 'id="error-summary"' in text(response)
    assert refreshed(complaint).status == Status.DISPATCHED


def test_an_action_the_role_may_not_take_is_404(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    response = client_for("operator").post(
        action_url(complaint, "arahan"), {"instruct-body": "Saya bukan pimpinan."}
    )
    assert response.status_code == 404
    assert not Instruction.objects.exists()


# --- identity reveal ------------------------------------------------------------------------


def test_reveal_identity_is_shown_once_and_audited(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = submit(world, is_confidential=True)
    client = client_for("coordinator")
    before = text(client.get(workspace_url(complaint)))
    assert "data-identity-hidden" in before and "Rahmawati" not in before
    too_short = client.post(action_url(complaint, "buka-identitas"), {"reveal-reason": "perlu"})
    assert too_short.status_code == 400
    assert not AuditEvent.objects.filter(action="complaint.identity_revealed").exists()
    response = client.post(
        action_url(complaint, "buka-identitas"),
        {"reveal-reason": "Pelapor perlu dihubungi untuk klarifikasi lokasi."},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Rahmawati" in text(response) and "warga@example.org" in text(response)
    event = AuditEvent.objects.get(action="complaint.identity_revealed")
    assert event.actor == world.coordinator
    assert event.data["reason"].startswith("Pelapor perlu")
    # Once: the next visit hides it again.
    assert "Rahmawati" not in text(client.get(workspace_url(complaint)))


def test_the_agency_cannot_reveal(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched", is_confidential=True)
    response = client_for("liaison").post(
        action_url(complaint, "buka-identitas"),
        {"reveal-reason": "Ingin tahu siapa pelapornya saja."},
    )
    assert response.status_code == 404
    assert "Rahmawati" not in text(response)
    assert not AuditEvent.objects.filter(action="complaint.identity_revealed").exists()


# --- agency actions -------------------------------------------------------------------------


def test_accept_dispatch(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    hop = lead_dispatch(complaint)
    assert client_for("operator").post(action_url(complaint, "terima", hop.pk)).status_code == 404
    response = client_for("liaison").post(action_url(complaint, "terima", hop.pk))
    assert response.status_code == 302
    hop.refresh_from_db()
    assert hop.state == Dispatch.State.ACCEPTED
    # A dispatch of another complaint is not reachable through this one.
    other = make(world, "dispatched")
    stray = client_for("liaison").post(action_url(complaint, "terima", lead_dispatch(other).pk))
    assert stray.status_code == 404


def test_decline_and_redispatch(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    hop = lead_dispatch(complaint)
    client = client_for("liaison")
    empty = client.post(action_url(complaint, "tolak", hop.pk), {f"decline-{hop.pk}-reason": ""})
    assert empty.status_code == 400
    response = client.post(
        action_url(complaint, "tolak", hop.pk),
        {f"decline-{hop.pk}-reason": "Jalan provinsi, bukan kewenangan dinas kota."},
    )
    # The complaint went back to the coordinator: the liaison lands on the start page.
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:home")
    complaint = refreshed(complaint)
    assert complaint.status == Status.SUBMITTED and complaint.lead_agency is None
    # Back in the coordinator's verification queue, and dispatched again elsewhere.
    queue = text(client_for("coordinator").get(reverse("backoffice:verification")))
    assert complaint.tracking_id in queue
    again = client_for("coordinator").post(
        action_url(complaint, "disposisi"), {"dispatch-lead_agency": world.education.pk}
    )
    assert again.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.status == Status.DISPATCHED and complaint.lead_agency == world.education
    assert lead_dispatch(complaint).agency == world.education


def test_draft_submit_approve_follow_up(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    operator, liaison = client_for("operator"), client_for("liaison")
    response = operator.post(
        action_url(complaint, "tindak-lanjut"), {"draft-body": "Perbaikan dijadwalkan Senin."}
    )
    assert response.status_code == 302
    draft = FollowUp.objects.get(complaint=complaint)
    assert draft.state == FollowUp.State.DRAFT
    # The draft is internal: marked so on the page, and offered for submission.
    page = text(operator.get(workspace_url(complaint)))
    assert f"submit-{draft.pk}" in panels(operator.get(workspace_url(complaint)))
    assert "Perbaikan dijadwalkan Senin." in page
    response = operator.post(
        action_url(complaint, "kirim", draft.pk),
        {f"submit-{draft.pk}-body": "Perbaikan dijadwalkan Senin, 08.00."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == FollowUp.State.PENDING and draft.body.endswith("08.00.")
    # The operator cannot approve; the liaison officer is offered both review actions.
    assert operator.post(action_url(complaint, "setujui", draft.pk)).status_code == 404
    assert {f"approve-{draft.pk}", f"return-{draft.pk}"} <= panels(
        liaison.get(workspace_url(complaint))
    )
    response = liaison.post(action_url(complaint, "setujui", draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == FollowUp.State.PUBLISHED
    assert refreshed(complaint).status == Status.IN_PROGRESS


def test_return_follow_up(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Akan dicek.")
    services.followup_submit(actor=world.operator, followup=draft)
    liaison = client_for("liaison")
    missing = liaison.post(action_url(complaint, "kembalikan", draft.pk), {})
    assert missing.status_code == 400
    response = liaison.post(
        action_url(complaint, "kembalikan", draft.pk),
        {f"return-{draft.pk}-note": "Sebutkan tanggal perbaikan."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == FollowUp.State.RETURNED
    assert draft.review_note == "Sebutkan tanggal perbaikan."
    # Back with the operator, who can submit it again.
    assert f"submit-{draft.pk}" in panels(client_for("operator").get(workspace_url(complaint)))


def test_canned_responses_fill_the_draft_without_javascript(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    now = world.admin.date_joined
    mine = ResponseTemplate.objects.create(
        title="Jadwal perbaikan",
        body="Terima kasih. Perbaikan dijadwalkan dalam dua minggu.",
        category=world.category,
        agency=world.public_works,
        created_at=now,
        updated_at=now,
    )
    everyone = ResponseTemplate.objects.create(
        title="Umum", body="Terima kasih atas laporannya.", created_at=now, updated_at=now
    )
    ResponseTemplate.objects.create(
        title="Dinas lain", body="x", agency=world.education, created_at=now, updated_at=now
    )
    ResponseTemplate.objects.create(
        title="Tidak aktif", body="x", created_at=now, updated_at=now, archived_at=now
    )
    client = client_for("operator")
    page = text(client.get(workspace_url(complaint)))
    assert "Jadwal perbaikan" in page and "Umum" in page
    assert "Dinas lain" not in page and "Tidak aktif" not in page
    assert 'id="canned-bodies"' in page and "dua minggu" in page  # for the script
    response = client.post(
        action_url(complaint, "tindak-lanjut"),
        {"draft-canned": str(mine.pk), "draft-body": "", "use_canned": "1"},
    )
    assert response.status_code == 200
    textarea = text(response).split('name="draft-body"', 1)[1].split("</textarea>", 1)[0]
    assert "Perbaikan dijadwalkan dalam dua minggu." in textarea
    assert not FollowUp.objects.exists()  # filling the form saves nothing
    assert everyone.pk  # offered to every agency


def test_resolve(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "in_progress")
    assert client_for("operator").post(action_url(complaint, "selesaikan")).status_code == 404
    response = client_for("liaison").post(
        action_url(complaint, "selesaikan"), {"resolve-note": "Sudah diperbaiki."}
    )
    assert response.status_code == 302
    assert refreshed(complaint).status == Status.RESOLVED


def test_a_reopened_complaint_offers_resolve_only_after_a_new_followup(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "resolved")
    services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Masih bocor.")
    liaison = client_for("liaison")
    assert "resolve" not in panels(liaison.get(workspace_url(complaint)))
    publish_followup(world, complaint, "Sudah kami tambal ulang.")
    assert "resolve" in panels(liaison.get(workspace_url(complaint)))


# --- attachments ----------------------------------------------------------------------------


def test_attachment_upload_and_download_permissions(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    upload = SimpleUploadedFile("denah.png", PNG, content_type="image/png")
    response = client_for("operator").post(
        action_url(complaint, "lampiran"), {"attach-file": upload, "attach-internal": "on"}
    )
    assert response.status_code == 302
    item = Attachment.objects.get(complaint=complaint)
    assert item.is_internal and item.uploaded_by == world.operator
    page = text(client_for("liaison").get(workspace_url(complaint)))
    link = reverse("backoffice:attachment", args=[item.pk])
    assert link in page
    assert "badge-internal" in page.split(link, 1)[1].split("</li>", 1)[0]

    allowed = client_for("coordinator").get(link)
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content) == PNG
    assert allowed["Content-Type"] == "image/png"
    assert allowed["X-Content-Type-Options"] == "nosniff"
    assert client_for("other_liaison").get(link).status_code == 404
    assert client_for("unit_operator").get(link).status_code == 404
    assert client_for("reporter").get(link).status_code == 403
    assert client_for("monitor").get(link).status_code == 403
    assert Client().get(link).status_code == 302
    assert (
        client_for("coordinator").get(reverse("backoffice:attachment", args=[999])).status_code
        == 404
    )


def test_reporter_attachments_are_served_to_staff_without_naming_the_reporter(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched", is_anonymous=True)
    services.complaint_reply(
        actor=world.reporter,
        complaint=complaint,
        body="Foto tambahan.",
        attachments=[SimpleUploadedFile("foto.png", PNG, content_type="image/png")],
    )
    item = Attachment.objects.get(complaint=complaint)
    assert item.from_reporter and not item.is_internal
    page = text(client_for("operator").get(workspace_url(complaint)))
    assert reverse("backoffice:attachment", args=[item.pk]) in page
    for needle in IDENTITY:
        assert needle not in page
    response = client_for("operator").get(reverse("backoffice:attachment", args=[item.pk]))
    assert response.status_code == 200


def test_a_wrong_file_type_is_refused(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    upload = SimpleUploadedFile("script.png", b"#!/bin/sh\necho hi\n", content_type="image/png")
    response = client_for("operator").post(
        action_url(complaint, "lampiran"), {"attach-file": upload}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


# --- leadership -----------------------------------------------------------------------------


def test_instruct(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = make(world, "dispatched")
    response = client_for("leadership").post(
        action_url(complaint, "arahan"), {"instruct-body": "Tuntaskan minggu ini."}
    )
    assert response.status_code == 302
    instruction = Instruction.objects.get(complaint=complaint)
    assert instruction.author == world.leadership
    # Shown, internal, to the agency holding the complaint, and listed for leadership.
    page = text(client_for("liaison").get(workspace_url(complaint)))
    assert "Tuntaskan minggu ini." in page
    overview = text(client_for("leadership").get(reverse("backoffice:leadership")))
    assert workspace_url(complaint) in overview


def test_published_follow_ups_and_replies_show_in_the_workspace(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    publish_followup(world, complaint, "Sudah ditambal hari ini.")
    services.complaint_reply(actor=world.reporter, complaint=complaint, body="Terima kasih!")
    page = text(client_for("coordinator").get(workspace_url(complaint)))
    assert "Sudah ditambal hari ini." in page
    assert "Terima kasih!" in page


def test_history_labels_steps_and_shows_only_readable_data() -> None:
    from aduan.backoffice.templatetags.backoffice_tags import action_label, data_items

    assert action_label("complaint.noted") != "complaint.noted"
    assert data_items({"note": 12}) == []  # the note's id, not its text
    assert [value for _label, value in data_items({"note": "Cek", "score": 4})] == ["Cek", "4"]
    assert [value for _label, value in data_items({"supporting_agencies": ["A", "B"]})] == ["A, B"]


def test_history_shows_the_label_of_a_code_and_leaves_free_text_and_unknown_codes() -> None:
    from aduan.backoffice.templatetags.backoffice_tags import data_items

    with translation.override("en"):
        archived = data_items({"reason": "not_a_complaint"}, "complaint.archived")
        declined = data_items({"role": "support", "reason": "other"}, "dispatch.declined")
        unknown = data_items({"reason": "gone"}, "complaint.archived")
        held = data_items({"reason": "other"}, "complaint.held")
        dismissed = data_items({"duplicate": "SB-1"}, "complaint.duplicate_dismissed")
        merged_in = data_items({"duplicate": "SB-1"}, "complaint.merged_in")
    assert archived == [("Reason", "Not a complaint")]
    assert declined == [("Role", "Supporting"), ("Reason", "other")]  # the officer's words
    assert unknown == [("Reason", "gone")]
    assert held == [("Reason", "other")]
    assert dismissed == [("Not a duplicate of", "SB-1")]
    assert merged_in == [("Duplicate", "SB-1")]


def test_history_names_an_archive_reason_not_its_code(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "archived")  # reason "not_a_complaint"
    client = client_for("coordinator")
    page = text(client.get(workspace_url(complaint)))
    assert "Alasan: Bukan laporan" in page and "not_a_complaint" not in page
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "<li>Reason: Not a complaint</li>" in text(client.get(workspace_url(complaint)))


def test_history_says_a_complaint_was_marked_as_not_a_duplicate(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint, other = submit(world), submit(world)
    pair = DuplicateCandidate.objects.create(
        complaint=complaint, candidate=other, score=0.9, detected_at=complaint.submitted_at
    )
    duplicate_dismiss(actor=world.coordinator, pair=pair, complaint=complaint)
    client = client_for("coordinator")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get(workspace_url(complaint)))
    assert "Marked as not a duplicate of another complaint" in page
    assert f"<li>Not a duplicate of: {other.tracking_id}</li>" in page
    assert f"Duplicate: {other.tracking_id}" not in page


def test_follow_ups_are_numbered_per_complaint(
    world: World, client_for: Callable[[str], Client]
) -> None:
    first = make(world, "in_progress")  # one published follow-up
    publish_followup(world, first, "Tahap kedua.")
    second = make(world, "dispatched")
    draft = services.followup_draft(actor=world.operator, complaint=second, body="Dicek.")
    services.followup_submit(actor=world.operator, followup=draft)
    assert draft.pk > 1  # the database id is not the number shown
    client = client_for("liaison")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get(workspace_url(first)))
    assert re.findall(r"Follow-up #(\d+) from", page) == ["1", "2"]
    page = text(client.get(workspace_url(second)))
    assert re.findall(r"Follow-up #(\d+) from", page) == ["1"]
    assert "Approve and publish follow-up #1" in page
    assert "Return follow-up #1 for revision" in page
    # Anchors, panels and forms still name the follow-up by its id.
    assert f'id="followup-{draft.pk}"' in page
    assert f"approve-{draft.pk}" in panels(client.get(workspace_url(second)))
    assert action_url(second, "setujui", draft.pk) in page
    response = client.post(action_url(second, "setujui", draft.pk))
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=draft.pk).state == FollowUp.State.PUBLISHED


def test_a_follow_up_left_by_a_declined_dispatch_is_shown_as_such_and_kept_for_the_agency(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    draft = services.followup_draft(
        actor=world.operator, complaint=complaint, body="Tim sudah meninjau lokasi."
    )
    services.followup_submit(actor=world.operator, followup=draft)
    services.dispatch_decline(
        actor=world.liaison, dispatch=lead_dispatch(complaint), reason="Kewenangan kota."
    )
    coordinator = client_for("coordinator")
    coordinator.cookies["aduan_language"] = "en"
    page = text(coordinator.get(workspace_url(complaint)))
    article = page.split(f'id="followup-{draft.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Not published: its dispatch ended" in article and "Awaiting approval" not in article
    # Sent to the same agency again: its officers still find what they wrote before.
    services.complaint_dispatch(
        actor=world.coordinator, complaint=refreshed(complaint), lead_agency=world.public_works
    )
    assert "Tim sudah meninjau lokasi." in text(
        client_for("operator").get(workspace_url(complaint))
    )
    assert "Tim sudah meninjau lokasi." not in text(
        client_for("health_operator").get(workspace_url(complaint))
    )


def test_a_supporting_agency_still_answers_its_dispatch_after_the_resolution(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "resolved")
    support = complaint.dispatches.get(agency=world.health)
    assert support.state == Dispatch.State.PENDING
    client = client_for("health_liaison")
    assert {"accept", "decline"} <= kinds(panels(client.get(workspace_url(complaint))))
    response = client.post(
        reverse(
            "backoffice:complaint_target_action", args=[complaint.tracking_id, "terima", support.pk]
        )
    )
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.state == Dispatch.State.ACCEPTED
    # The lead's own dispatch is answered before it resolves; nothing changes for it.
    lead = complaint.dispatches.get(agency=world.public_works)
    with pytest.raises(TransitionNotAllowed):
        services.dispatch_decline(actor=world.liaison, dispatch=lead, reason="Terlambat.")
