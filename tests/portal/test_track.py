"""The reporter's pages: /lacak/ (secret form) and /lacak/<tracking-id>/ with its actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from aduan.complaints import services
from aduan.complaints.models import Complaint, ReporterReply, Status
from aduan.core.models import AuditEvent
from aduan.portal.passes import PASSES_KEY
from tests.portal.conftest import GUEST_EMAIL, GUEST_NAME, GuestMaker
from tests.world import World, later

pytestmark = pytest.mark.django_db


def open_with_secret(client: Client, complaint: Complaint, secret: str) -> Any:
    return client.post("/lacak/", {"tracking_id": complaint.tracking_id, "secret": secret})


def wrong_pass_text() -> str:
    with translation.override("id"):
        return str(escape(translation.gettext("The tracking ID or secret code is wrong.")))


def test_the_track_page_renders(world: World, client: Client) -> None:
    response = client.get("/lacak/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'name="tracking_id"' in html and 'name="secret"' in html


def test_a_guest_opens_the_report_with_the_secret(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("dispatched")

    # People type them as they like: lower case, spaces, dashes.
    typed = complaint.tracking_id.lower().replace("-", " ")
    typed_secret = f"{secret[:4]}-{secret[4:8]} {secret[8:]}".lower()
    response = en_client.post("/lacak/", {"tracking_id": typed, "secret": typed_secret})

    assert response.status_code == 302
    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    # The session holds the proof (the stored hash), never the secret, and no cookie names it.
    session = en_client.session
    assert session[PASSES_KEY] == {complaint.tracking_id: complaint.guest_secret_hash}
    assert secret not in str(dict(session.items()))
    assert all(secret not in morsel.value for morsel in en_client.cookies.values())

    page = en_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert complaint.title in html
    assert "Dispatched" in html
    assert "Dinas Pekerjaan Umum" in html  # who holds it
    assert "You sent the report." in html
    assert "The coordinator verified the report and sent it to Dinas Pekerjaan Umum." in html
    assert "publishes a first follow-up by" in html  # the current deadline
    assert "no-store" in page["Cache-Control"]
    assert 'name="action" value="reply"' in html
    assert 'name="action" value="rate"' not in html
    # The reporter sees their own identity nowhere else but it is never needed here either;
    # officers' names never appear.
    assert "koordinator" not in html


@pytest.mark.parametrize("which", ["wrong-secret", "unknown-id"])
def test_a_wrong_secret_or_unknown_id_gets_one_message(
    world: World, client: Client, guest_complaint: GuestMaker, which: str
) -> None:
    complaint, secret = guest_complaint("submitted")
    tracking_id = complaint.tracking_id if which == "wrong-secret" else "SB-AAAA-AAAA"
    wrong_secret = "A" * 12 if which == "wrong-secret" else secret

    response = client.post("/lacak/", {"tracking_id": tracking_id, "secret": wrong_secret})

    assert response.status_code == 404
    html = response.content.decode()
    assert wrong_pass_text() in html
    assert complaint.title not in html
    assert PASSES_KEY not in client.session


def test_a_deep_link_without_a_pass_asks_for_the_secret(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, _secret = guest_complaint("dispatched")

    for tracking_id in (complaint.tracking_id, "SB-AAAA-AAAA"):
        response = en_client.get(f"/lacak/{tracking_id}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert f'value="{tracking_id}"' in html
        assert "Enter the secret code you received with this report" in html
        # A report sent while signed in has no secret: the way is to sign in and come back.
        assert f'<a href="/akun/masuk/?next=/lacak/{tracking_id}/">sign in</a>' in html
        assert complaint.title not in html
    # A lower-case link is sent to the canonical one.
    response = en_client.get(f"/lacak/{complaint.tracking_id.lower()}/")
    assert (
        response.status_code == 302 and response["Location"] == f"/lacak/{complaint.tracking_id}/"
    )


def test_a_signed_in_reporter_opens_own_reports_but_not_others(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    own = make_complaint("in_progress")
    other = make_complaint("in_progress", actor=world.outsider, title="Lampu jalan mati")

    en_client.force_login(world.reporter)
    page = en_client.get(f"/lacak/{own.tracking_id}/").content.decode()
    assert own.title in page
    assert "An agency published a follow-up." in page
    assert "Sudah dijadwalkan perbaikan." in page  # the published follow-up

    response = en_client.get(f"/lacak/{other.tracking_id}/")
    assert response.status_code == 200
    assert other.title not in response.content.decode()
    assert "Enter the secret code" in response.content.decode()


def test_the_guest_replies(world: World, en_client: Client, guest_complaint: GuestMaker) -> None:
    complaint, secret = guest_complaint("dispatched")
    open_with_secret(en_client, complaint, secret)

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/",
        {"action": "reply", "reply-body": "Lubangnya makin besar setelah hujan."},
    )

    assert (
        response.status_code == 302 and response["Location"] == f"/lacak/{complaint.tracking_id}/"
    )
    reply = ReporterReply.objects.get(complaint=complaint)
    assert reply.body == "Lubangnya makin besar setelah hujan."
    event = AuditEvent.objects.filter(action="complaint.replied").get()
    assert event.actor is None and event.actor_label == "reporter"
    page = en_client.get(response["Location"]).content.decode()
    assert "Your message was sent." in page
    assert "Lubangnya makin besar setelah hujan." in page
    assert "You sent a message." in page


def test_a_message_after_the_resolution_puts_the_agency_first(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("resolved")
    open_with_secret(en_client, complaint, secret)
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "You: Dinas Pekerjaan Umum says the problem is solved; please respond" in page

    en_client.post(
        f"/lacak/{complaint.tracking_id}/",
        {"action": "reply", "reply-body": "Airnya masih tergenang di ujung gang."},
    )

    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "<dt>With</dt><dd>Dinas Pekerjaan Umum</dd>" in page
    assert "please respond" not in page and "Please respond by" not in page
    assert "Dinas Pekerjaan Umum answers you by" in page


def test_a_message_sent_twice_is_kept_once(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("dispatched")
    open_with_secret(en_client, complaint, secret)
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    token = re.search(r'name="reply-once" value="([0-9a-f]{32})"', page)
    assert token is not None
    sent = {"action": "reply", "reply-body": "Sudah dua minggu.", "reply-once": token.group(1)}
    for _attempt in range(2):  # a retry on a slow line
        response = en_client.post(f"/lacak/{complaint.tracking_id}/", sent)
        assert response.status_code == 302
    assert ReporterReply.objects.filter(complaint=complaint).count() == 1


def test_an_empty_reply_is_refused_on_the_form(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("dispatched")
    open_with_secret(en_client, complaint, secret)

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/", {"action": "reply", "reply-body": ""}
    )

    assert response.status_code == 400
    assert 'id="id_reply-body_error"' in response.content.decode()
    assert not ReporterReply.objects.exists()


def test_the_guest_completes_a_held_report(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("on_hold")
    open_with_secret(en_client, complaint, secret)
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "The coordinator asked you to complete the report." in page
    assert "Mohon lengkapi lokasi." in page  # the coordinator's reason, for the reporter
    assert 'name="action" value="complete"' in page

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/",
        {"action": "complete", "complete-body": "Lokasinya di depan Pasar Raya, Padang."},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


def test_a_refused_action_shows_the_service_message(
    world: World, client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("dispatched")
    open_with_secret(client, complaint, secret)

    # Not on hold: the form is not offered, and a forged POST is refused by the service.
    response = client.post(
        f"/lacak/{complaint.tracking_id}/", {"action": "complete", "complete-body": "Tambahan."}
    )

    assert response.status_code == 409
    html = response.content.decode()
    with translation.override("id"):
        status = translation.gettext("Dispatched")
        expected = translation.gettext(
            "This cannot be done while the complaint is “%(status)s”."
        ) % {"status": status}
    assert str(escape(expected)) in html
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    assert client.post(f"/lacak/{complaint.tracking_id}/", {"action": "x"}).status_code == 400


def test_the_guest_reopens_a_resolved_report(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("resolved")
    open_with_secret(en_client, complaint, secret)
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "You can reopen the report until" in page
    assert "Please respond by" in page  # the auto-close window

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/",
        {"action": "reopen", "reopen-reason": "Lubangnya hanya ditimbun tanah."},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "You reopened the report." in page
    assert "Lubangnya hanya ditimbun tanah." in page


def test_the_reopen_form_is_gone_after_the_window(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("resolved")
    open_with_secret(en_client, complaint, secret)
    # Past the 10 working days at any date (holidays such as Lebaran stretch them to 26 days).
    with later(40):
        page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
        response = en_client.post(
            f"/lacak/{complaint.tracking_id}/",
            {"action": "reopen", "reopen-reason": "Belum beres."},
        )
    assert 'name="action" value="reopen"' not in page
    assert 'name="action" value="rate"' in page
    assert response.status_code == 409
    assert "The time to reopen this complaint has passed." in response.content.decode()


def test_the_guest_rates_and_the_report_closes(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("resolved")
    open_with_secret(en_client, complaint, secret)

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/",
        {"action": "rate", "rate-score": "4", "rate-comment": "Cepat ditangani."},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating, complaint.rating_comment) == (
        Status.CLOSED,
        4,
        "Cepat ditangani.",
    )
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "You rated the handling 4 out of 5." in page
    assert 'name="action" value="rate"' not in page
    assert 'name="action" value="reply"' not in page
    bad = en_client.post(f"/lacak/{complaint.tracking_id}/", {"action": "rate", "rate-score": "9"})
    assert bad.status_code == 400


def test_a_signed_in_reporter_rates_an_auto_closed_report(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("closed")
    en_client.force_login(world.reporter)
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "The report was closed because there was no response in time." in page

    response = en_client.post(
        f"/lacak/{complaint.tracking_id}/", {"action": "rate", "rate-score": "2"}
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.rating == 2
    event = AuditEvent.objects.get(action="complaint.rated")
    assert event.actor == world.reporter


def test_the_pass_stops_working_when_forgotten(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("dispatched")
    open_with_secret(en_client, complaint, secret)

    response = en_client.post(f"/lacak/{complaint.tracking_id}/", {"action": "forget"})

    assert response.status_code == 302 and response["Location"] == "/lacak/"
    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert complaint.title not in page


def test_the_reporter_page_shows_no_other_personal_data(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    world.liaison.first_name, world.liaison.last_name = "Andi", "Pratama"
    world.liaison.save()
    complaint, secret = guest_complaint("resolved")
    open_with_secret(en_client, complaint, secret)
    html = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    for text in ("Andi", "Pratama", "penghubung", "koordinator", "operator"):
        assert text not in html
    # Another guest's pass does not open this one.
    other, other_secret = guest_complaint(
        "dispatched",
        title="Lampu jalan mati",
        reporter_name="Rina",
        reporter_email="rina@example.org",
        reporter_phone="",
    )
    fresh = Client()
    fresh.cookies["aduan_language"] = "en"
    open_with_secret(fresh, other, other_secret)
    assert complaint.title not in fresh.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert GUEST_NAME not in fresh.get(f"/lacak/{other.tracking_id}/").content.decode()
    assert GUEST_EMAIL not in html


def test_the_reporter_opens_their_own_files_but_not_internal_ones(
    world: World, client: Client, guest_complaint: GuestMaker
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aduan.complaints import services
    from tests.portal.conftest import png_bytes

    photo = SimpleUploadedFile("jalan.png", png_bytes(), content_type="image/png")
    complaint, secret = guest_complaint("dispatched", attachments=[photo])
    internal = services.attachment_add(
        actor=world.operator,
        complaint=complaint,
        upload=SimpleUploadedFile("memo.png", png_bytes(), content_type="image/png"),
        internal=True,
    )
    own = complaint.attachments.get(from_reporter=True)
    url = f"/lacak/{complaint.tracking_id}/lampiran/{own.pk}/"

    assert client.get(url).status_code == 404  # no pass yet: nobody else may open it
    open_with_secret(client, complaint, secret)
    html = client.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert url in html and "jalan.png" in html
    assert "memo.png" not in html

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    hidden = f"/lacak/{complaint.tracking_id}/lampiran/{internal.pk}/"
    assert client.get(hidden).status_code == 404


def test_an_archived_report_says_why_and_that_it_is_not_public(
    world: World, en_client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, secret = guest_complaint("submitted")
    services.complaint_archive(
        actor=world.coordinator, complaint=complaint, reason="not_a_complaint", note="Saran."
    )
    open_with_secret(en_client, complaint, secret)

    page = en_client.get(f"/lacak/{complaint.tracking_id}/").content.decode()

    assert "Nobody: the report was archived (not a complaint)" in page
    assert "Not public: the report was not taken up here" in page
    assert "Public once verified" not in page and "the report is finished" not in page
