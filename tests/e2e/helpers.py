"""What the browser journeys share: texts as a person reads them (English or Bahasa Indonesia),
staff accounts with an authenticator, the real sign-in, and small page readers.

Pages are driven by what a person sees — labels, button and link names, headings — never by
CSS classes or element ids.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from aduan.accounts.models import User
from aduan.agencies.models import Region
from aduan.complaints.models import Complaint
from tests.portal.conftest import png_bytes
from tests.world import World, build_world

PASSWORD = "Rahasia-e2e-2024"
GUEST_NAME = "Rina Marlina"
GUEST_PHONE = "081377778888"
GUEST_EMAIL = "rina.marlina@example.org"


def texts(message: str, **params: Any) -> set[str]:
    """``message`` in English and in its current Indonesian translation (the values of
    ``params`` are translated too when they are messages, e.g. a queue title)."""
    english = message % params if params else message
    with translation.override("id"):
        indonesian = translation.gettext(message)
        if params:
            indonesian %= {key: translation.gettext(str(value)) for key, value in params.items()}
    return {english, indonesian}


def tr(message: str, **params: Any) -> re.Pattern[str]:
    """The whole text ``message`` in English or Bahasa Indonesia.

    The browser asks for Bahasa Indonesia (the default) and the .po file grows while the
    project does, so a test accepts either; a trailing ":" and " *" (form labels) are allowed.
    """
    choices = "|".join(re.escape(text) for text in texts(message, **params))
    return re.compile(rf"^\s*(?:{choices})[\s*:]*$")


def contains(message: str, **params: Any) -> re.Pattern[str]:
    """Like :func:`tr`, for a text that is part of a longer one."""
    return re.compile("|".join(re.escape(text) for text in texts(message, **params)))


def png_file(tmp_path: Path, name: str = "jalan-berlubang.png") -> Path:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return path


def padang_regions() -> tuple[Region, Region]:
    """Kota Padang and one of its districts, inside the province (code 13)."""
    province = Region.objects.create(code="13", name="Sumatera Barat", level=1, kind="provinsi")
    padang = Region.objects.create(
        code="13.71", name="Kota Padang", level=2, kind="kota", parent=province
    )
    district = Region.objects.create(
        code="13.71.01", name="Bungus Teluk Kabung", level=3, kind="kecamatan", parent=padang
    )
    return padang, district


# --- staff sign-in ---------------------------------------------------------------------------


def with_authenticator(user: User) -> TOTPDevice:
    """Give ``user`` a real password and a confirmed authenticator (TOTP) device."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return TOTPDevice.objects.create(user=user, name="e2e phone", confirmed=True)


def otp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now, or the next step's code when the current one
    was already used (django-otp refuses a replayed code; it accepts one step ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.time
    if totp.t() <= device.last_t:
        totp.time = now + device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


def sign_in(visit: Any, user: User, device: TOTPDevice) -> None:
    """The real sign-in form, then the two-step page with the authenticator's code; ends on
    the back office's start page."""
    page = visit.page
    visit.go("/akun/masuk/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Sign in"))
    visit.check("sign-in")
    page.get_by_label(tr("Username, e-mail or phone")).fill(user.username)
    page.get_by_label(tr("Password")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/akun/dua-langkah/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Two-step sign-in"))
    visit.check("two-step")
    page.get_by_label(tr("Code from your authenticator app")).fill(otp_code(device))
    page.get_by_role("button", name=tr("Verify")).click()
    expect(page).to_have_url(re.compile(r"/staf/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Back office"))
    visit.check("back-office-home")


def open_queue(visit: Any, title: str) -> None:
    """From the back office's start page, open one work queue by its card's button."""
    page = visit.page
    page.get_by_role("link", name=tr("Open %(queue)s", queue=title)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(title))


def open_complaint(visit: Any, tracking_id: str) -> None:
    """Open a complaint's workspace from the queue on screen (its tracking ID is the link)."""
    page = visit.page
    page.get_by_role("link", name=tracking_id, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/staf/aduan/{re.escape(tracking_id)}/(#[\w-]+)?$"))


def panel(page: Any, title: re.Pattern[str]) -> Any:
    """One action panel of the workspace (a disclosure named ``title``), unfolded."""
    summary = page.locator("summary").filter(has_text=title)
    expect(summary).to_have_count(1)
    box = page.locator("details").filter(has=summary)
    if box.get_attribute("open") is None:
        summary.click()
    return box


def definition(page: Any, term: re.Pattern[str]) -> Any:
    """The value (``<dd>``) shown for a term (``<dt>``) of a list of facts."""
    return (
        page.get_by_role("term")
        .filter(has_text=term)
        .first.locator("xpath=following-sibling::dd[1]")
    )


def status_message(page: Any, message: re.Pattern[str]) -> None:
    """The confirmation shown at the top of the page after an action."""
    expect(page.get_by_role("status").filter(has_text=message)).to_be_visible()


# --- the citizen's side ----------------------------------------------------------------------


def start(settings: Any, tmp_path: Path) -> World:
    """A journey's instansi (tests/world.py), with cached chart images dropped."""
    cache.clear()
    return build_world(settings, tmp_path)


def send_report(
    visit: Any,
    *,
    title: str,
    description: str,
    photo: Path | None = None,
    place: tuple[str, str] | None = None,
    anonymous: bool = False,
    confidential: bool = False,
) -> tuple[str, str]:
    """Fill in /lapor/ as a guest and send it; returns the tracking ID and the secret code
    read from the receipt. ``place`` is a city and one of its districts, chosen with the
    region picker."""
    page = visit.page
    visit.go("/lapor/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Send a report"))
    visit.check("submit-form")
    page.get_by_label(tr("Title")).fill(title)
    page.get_by_label(tr("What happened?")).fill(description)
    page.get_by_label(tr("Category")).select_option(label="Jalan rusak")
    if place is not None:
        city, district = place
        # A city asks the server for its districts, a district for its villages (htmx).
        with page.expect_response(re.compile(r"/lapor/wilayah/")):
            page.get_by_label(tr("Regency or city (kabupaten/kota)")).select_option(label=city)
        with page.expect_response(re.compile(r"/lapor/wilayah/")):
            page.get_by_label(tr("District (kecamatan)")).select_option(label=district)
        page.get_by_label(tr("Address or landmark")).fill("Jalan Bungus Raya, dekat SD 12")
    if photo is not None:
        page.get_by_label(tr("Photos or documents")).set_input_files(str(photo))
        expect(page.get_by_role("listitem").filter(has_text=photo.name)).to_be_visible()
    if anonymous:
        page.get_by_label(tr("Report anonymously")).check()
    if confidential:
        page.get_by_label(tr("Keep the report confidential")).check()
    page.get_by_label(tr("Your name")).fill(GUEST_NAME)
    page.get_by_label(tr("Phone or WhatsApp number")).fill(GUEST_PHONE)
    page.get_by_label(tr("E-mail address")).fill(GUEST_EMAIL)
    visit.check("submit-form-filled")
    page.get_by_role("button", name=tr("Send report")).click()

    expect(page).to_have_url(re.compile(r"/lapor/terkirim/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Your report was sent"))
    visit.check("receipt")
    tracking_id = definition(page, tr("Tracking ID")).inner_text().strip()
    secret = definition(page, tr("Secret code")).inner_text().strip()
    assert re.fullmatch(r"SB-[A-Z0-9]{4}-[A-Z0-9]{4}", tracking_id), tracking_id
    assert len(secret) >= 8, secret
    return tracking_id, secret


def personal_data(complaint: Complaint) -> list[str]:
    """What would identify the guest who sent ``complaint``, as stored and as typed."""
    values = {GUEST_NAME, GUEST_PHONE, GUEST_EMAIL, complaint.reporter_name}
    values |= {complaint.reporter_phone, complaint.reporter_email}
    return sorted(value for value in values if value)


def shows_no_personal_data(page: Any, complaint: Complaint) -> None:
    body = page.locator("body")
    for value in personal_data(complaint):
        expect(body).not_to_contain_text(value)
