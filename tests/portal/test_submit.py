"""The submit page (/lapor/), its region picker and the one-time receipt."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from aduan.complaints.models import Attachment, Channel, Complaint, Status
from aduan.complaints.policies import guest_secret_hash
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.portal import passes
from tests.portal.conftest import GUEST_EMAIL, GUEST_NAME, GUEST_PHONE, Places, png_bytes
from tests.world import World, frozen_at

pytestmark = pytest.mark.django_db


def in_indonesian(message: str) -> str:
    """What a message reads like on the default (Indonesian) page, HTML-escaped as rendered."""
    from django.utils.html import escape

    with translation.override("id"):
        return str(escape(translation.gettext(message)))


def guest_post(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "complaint",
        "title": "Jalan berlubang di depan pasar",
        "description": "Lubang besar di Jalan Sudirman dekat pasar, dua bulan tidak diperbaiki.",
        "category": str(world.category.pk),
        "reporter_name": GUEST_NAME,
        "reporter_phone": GUEST_PHONE,
        "reporter_email": GUEST_EMAIL,
        "idempotency_key": uuid.uuid4().hex,
        "attachments": SimpleUploadedFile("lubang.png", png_bytes(), content_type="image/png"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_renders_for_guests_with_a_fresh_idempotency_key(
    world: World, client: Client
) -> None:
    first = client.get("/lapor/")
    second = client.get("/lapor/")
    assert first.status_code == 200
    html = first.content.decode()
    assert '<html lang="id">' in html
    assert html.count("<h1") == 1
    assert 'name="reporter_name"' in html and 'name="reporter_phone"' in html
    assert 'type="file"' in html and "multiple" in html
    keys = [
        re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', r.content.decode())
        for r in (first, second)
    ]
    assert keys[0] and keys[1] and keys[0].group(1) != keys[1].group(1)
    assert first["Cache-Control"].startswith("max-age=0")


def test_a_guest_submits_with_a_photo_and_sees_the_receipt_for_a_while(
    world: World, client: Client
) -> None:
    response = client.post("/lapor/", guest_post(world))

    assert response.status_code == 302 and response["Location"] == "/lapor/terkirim/"
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB
    assert complaint.status == Status.SUBMITTED
    assert complaint.reporter is None
    assert (complaint.reporter_name, complaint.reporter_phone) == (GUEST_NAME, "+6281299990000")
    attachment = Attachment.objects.get(complaint=complaint)
    assert attachment.content_type == "image/png" and attachment.uploaded_by is None

    receipt = client.get("/lapor/terkirim/")
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert complaint.tracking_id in html
    secret = re.search(r'id="receipt-secret">([A-Z0-9]{12})<', html)
    assert secret is not None
    assert complaint.guest_secret_hash == guest_secret_hash(complaint.tracking_id, secret.group(1))
    assert "no-store" in receipt["Cache-Control"]

    # A reload or a change of language shows the receipt again in this browser, for a while.
    client.cookies["aduan_language"] = "en"
    again = client.get("/lapor/terkirim/").content.decode()
    assert f'id="receipt-secret">{secret.group(1)}<' in again
    assert "in this browser, for 30 minutes" in again
    with frozen_at(clock.now() + timedelta(minutes=passes.RECEIPT_MINUTES - 1)):
        assert client.get("/lapor/terkirim/").status_code == 200
    # Then no more, on no URL (and the session no longer holds it).
    with frozen_at(clock.now() + timedelta(minutes=passes.RECEIPT_MINUTES + 1)):
        gone = client.get("/lapor/terkirim/")
    assert gone.status_code == 302 and gone["Location"] == "/lacak/"
    assert passes.RECEIPT_KEY not in client.session
    assert client.get("/lapor/terkirim/").status_code == 302
    assert secret.group(1) not in client.get("/lacak/").content.decode()
    # The browser that sent it holds the pass and opens the report without the secret.
    detail = client.get(f"/lacak/{complaint.tracking_id}/")
    assert detail.status_code == 200
    assert complaint.title in detail.content.decode()
    assert secret.group(1) not in detail.content.decode()


def test_the_receipt_downloads_as_text_for_its_holder_only(world: World, client: Client) -> None:
    client.post("/lapor/", guest_post(world))
    complaint = Complaint.objects.get()
    secret = re.search(
        r'id="receipt-secret">([A-Z0-9]+)<', client.get("/lapor/terkirim/").content.decode()
    )
    assert secret is not None

    download = client.post(
        "/lapor/tanda-terima/",
        {"tracking_id": complaint.tracking_id, "secret": secret.group(1)},
    )
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    assert download["Content-Disposition"] == (
        f'attachment; filename="{complaint.tracking_id}.txt"'
    )
    text = download.content.decode()
    assert complaint.tracking_id in text and secret.group(1) in text
    assert f"/lacak/{complaint.tracking_id}/" in text

    wrong = client.post(
        "/lapor/tanda-terima/", {"tracking_id": complaint.tracking_id, "secret": "X" * 12}
    )
    assert wrong.status_code == 404
    assert client.get("/lapor/tanda-terima/").status_code == 405


def test_a_double_submit_with_the_same_key_creates_one_complaint(
    world: World, client: Client
) -> None:
    key = uuid.uuid4().hex
    client.post("/lapor/", guest_post(world, idempotency_key=key))
    first = client.get("/lapor/terkirim/").content.decode()
    client.post("/lapor/", guest_post(world, idempotency_key=key))
    second = client.get("/lapor/terkirim/").content.decode()

    complaint = Complaint.objects.get()
    assert Attachment.objects.count() == 1
    pattern = r'id="receipt-secret">([A-Z0-9]+)<'
    first_secret, second_secret = re.search(pattern, first), re.search(pattern, second)
    assert first_secret and second_secret
    assert first_secret.group(1) == second_secret.group(1)
    assert complaint.tracking_id in first and complaint.tracking_id in second


def test_a_signed_in_reporter_submits_with_the_account(world: World, client: Client) -> None:
    client.force_login(world.reporter)
    form = client.get("/lapor/").content.decode()
    assert 'name="reporter_name"' not in form

    response = client.post(
        "/lapor/",
        guest_post(
            world, reporter_name=None, reporter_phone=None, reporter_email=None, attachments=None
        ),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.reporter == world.reporter
    assert complaint.reporter_name == "Siti Rahmawati"
    receipt = client.get("/lapor/terkirim/").content.decode()
    assert complaint.tracking_id in receipt
    assert 'id="receipt-secret"' not in receipt
    assert client.get(f"/lacak/{complaint.tracking_id}/").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"reporter_phone": "", "reporter_email": ""},
            "Please give a phone number or an e-mail address so we can reach you.",
        ),
        ({"reporter_name": ""}, "Please give your name."),
        (
            {
                "attachments": SimpleUploadedFile(
                    "foto.png", b"MZ\x90\x00 not an image", content_type="image/png"
                )
            },
            "The file “%(name)s” is not an allowed type (photos JPEG/PNG/GIF/WebP or PDF).",
        ),
        ({"description": "pendek"}, None),
        ({"kind": "gossip"}, None),
    ],
    ids=["no-contact", "no-name", "bad-type", "short-description", "unknown-kind"],
)
def test_bad_input_shows_a_message_and_creates_nothing(
    world: World, client: Client, overrides: dict[str, Any], message: str | None
) -> None:
    response = client.post("/lapor/", guest_post(world, **overrides))

    assert response.status_code == 400
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0
    html = response.content.decode()
    assert 'role="alert"' in html
    if message is not None:
        expected = in_indonesian(message)
        if "%(name)s" in message:
            expected = expected.replace("%(name)s", "foto.png")
        assert expected in html
    # What the visitor typed is kept, and files must be chosen again.
    assert "Jalan berlubang di depan pasar" in html or "title" in overrides


def test_a_too_large_file_is_refused_with_the_limit(
    world: World, client: Client, settings: Any
) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 20
    response = client.post("/lapor/", guest_post(world))

    assert response.status_code == 400
    assert Complaint.objects.count() == 0
    html = response.content.decode()
    with translation.override("id"):
        too_large = translation.gettext("The file “%(name)s” is too large: at most %(limit)s MB.")
    assert too_large.split("“")[0] in html
    assert "lubang.png" in html


def test_an_event_date_in_the_future_is_refused(world: World, client: Client) -> None:
    with frozen_at(clock.now()):  # "tomorrow" stays tomorrow across midnight
        tomorrow = local_date(clock.now()) + timedelta(days=1)
        response = client.post("/lapor/", guest_post(world, event_date=tomorrow.isoformat()))

    assert response.status_code == 400
    assert Complaint.objects.count() == 0
    html = response.content.decode()
    assert in_indonesian("The date of the event cannot be in the future.") in html
    assert 'aria-invalid="true"' in html and 'id="id_event_date_error"' in html

    today = local_date(clock.now())
    assert (
        client.post("/lapor/", guest_post(world, event_date=today.isoformat())).status_code == 302
    )


def test_an_invalid_email_and_half_coordinates_are_explained(
    world: World, en_client: Client
) -> None:
    response = en_client.post(
        "/lapor/",
        guest_post(world, reporter_email="not-an-address", latitude="-0.95"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give both latitude and longitude, or neither." in html
    assert Complaint.objects.count() == 0


def test_coordinates_and_privacy_choices_reach_the_service(world: World, client: Client) -> None:
    response = client.post(
        "/lapor/",
        guest_post(
            world,
            latitude="-0.947100",
            longitude="100.417200",
            address_text="Depan Pasar Raya",
            is_anonymous="on",
            is_confidential="on",
            kind="aspiration",
        ),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert str(complaint.latitude) == "-0.947100" and str(complaint.longitude) == "100.417200"
    assert complaint.is_anonymous and complaint.is_confidential
    assert complaint.kind == "aspiration" and complaint.address_text == "Depan Pasar Raya"


def test_the_privacy_choices_are_explained(world: World, en_client: Client) -> None:
    html = en_client.get("/lapor/").content.decode()
    assert "only the coordinator can see them" in html
    assert "not shown on the public pages" in html
    assert 'aria-describedby="id_is_anonymous_helptext"' in html


# --- places ---------------------------------------------------------------------------------


def test_without_javascript_the_districts_are_grouped_by_regency(
    world: World, client: Client, places: Places
) -> None:
    html = client.get("/lapor/").content.decode()
    assert '<optgroup label="Kota Padang">' in html
    assert '<option value="13.71.01"' in html
    assert "Kota Medan" not in html  # another province
    assert 'hx-get="/lapor/wilayah/"' in html


def test_the_region_endpoint_returns_the_children_as_options(
    world: World, client: Client, places: Places
) -> None:
    districts = client.get("/lapor/wilayah/", {"parent": "13.71"}).content.decode()
    assert '<option value="13.71.01">Bungus Teluk Kabung</option>' in districts
    assert "13.06.01" not in districts
    # htmx sends the changed select's own name and value.
    villages = client.get("/lapor/wilayah/", {"kecamatan": "13.71.01"}).content.decode()
    assert '<option value="13.71.01.1001">Bungus Barat</option>' in villages
    outside = client.get("/lapor/wilayah/", {"parent": "12"}).content.decode()
    assert "Kota Medan" not in outside and outside.count("<option") == 1


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ({"kabupaten_kota": "13.71"}, "13.71"),
        ({"kabupaten_kota": "13.71", "kecamatan": "13.71.01"}, "13.71.01"),
        (
            {"kabupaten_kota": "13.71", "kecamatan": "13.71.01", "desa": "13.71.01.1001"},
            "13.71.01.1001",
        ),
        # Without JavaScript the district list holds every regency: one chosen alone is enough.
        ({"kecamatan": "13.06.01"}, "13.06.01"),
    ],
)
def test_the_deepest_chosen_place_wins(
    world: World, client: Client, places: Places, chosen: dict[str, str], expected: str
) -> None:
    assert client.post("/lapor/", guest_post(world, **chosen)).status_code == 302
    assert Complaint.objects.get().region_id == expected


@pytest.mark.parametrize(
    ("chosen", "field", "message"),
    [
        (
            {"kabupaten_kota": "13.71", "kecamatan": "13.06.01"},
            "kecamatan",
            "This district is not in the chosen regency or city.",
        ),
        (
            {"kabupaten_kota": "13.06", "kecamatan": "13.06.01", "desa": "13.71.01.1001"},
            "desa",
            "This village is not in the chosen district.",
        ),
        (
            {"kabupaten_kota": "13.06", "desa": "13.71.01.1001"},
            "desa",
            "This village is not in the chosen district.",
        ),
    ],
)
def test_places_that_contradict_each_other_are_asked_again(
    world: World,
    en_client: Client,
    places: Places,
    chosen: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = en_client.post("/lapor/", guest_post(world, **chosen))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and f'id="id_{field}_error"' in html
    assert Complaint.objects.count() == 0
    # The district list shown again holds the chosen regency's districts only.
    districts = re.search(r'<select name="kecamatan".*?</select>', html, re.S)
    assert districts is not None
    groups = re.findall(r'<optgroup label="([^"]+)">', districts.group(0))
    assert groups == [{"13.71": "Kota Padang", "13.06": "Kabupaten Agam"}[chosen["kabupaten_kota"]]]


def test_a_place_outside_the_province_or_of_the_wrong_level_is_refused(
    world: World, en_client: Client, places: Places
) -> None:
    for chosen in ({"kabupaten_kota": "12.71"}, {"kecamatan": "13.71"}):
        response = en_client.post("/lapor/", guest_post(world, **chosen))
        assert response.status_code == 400
        assert "Choose a place from the list." in response.content.decode()
    assert Complaint.objects.count() == 0


def test_categories_are_grouped_by_parent(world: World, client: Client) -> None:
    from aduan.agencies.models import Category

    parent = Category.objects.create(code="kesehatan", name="Kesehatan")
    Category.objects.create(code="rs", name="Pelayanan rumah sakit", parent=parent)
    Category.objects.create(code="lama", name="Kategori lama", is_active=False)
    html = client.get("/lapor/").content.decode()
    assert '<optgroup label="Kesehatan">' in html
    assert "Pelayanan rumah sakit" in html
    assert "Kategori lama" not in html
    assert 'id="category-filter"' in html
