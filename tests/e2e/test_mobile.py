"""The citizen's pages on a phone (390 px wide): home, report, receipt, track, public list and
detail. Each page must fit the screen (no sideways scrolling), at 390 px and at 320 px, and pass
the axe check."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from playwright.sync_api import expect

from aduan.complaints import services
from aduan.complaints.models import Complaint
from tests.e2e.helpers import (
    GUEST_NAME,
    GUEST_PHONE,
    definition,
    png_file,
    send_report,
    shows_no_personal_data,
    start,
    tr,
)
from tests.world import make

TITLE = "Saluran air tersumbat di Pasar Raya"
# A pasted map link: one long word, which must wrap rather than widen every page showing it.
MAP_LINK = "https://www.google.com/maps/place/Pasar+Raya+Padang/@-0.9502,100.3623,17z/data=" + (
    "!4m6!3m5!1s0x2fd4b9" * 12
)
ANSWER = f"Saluran sudah dibersihkan oleh petugas pada Selasa pagi. Foto: {MAP_LINK}"


def fits_the_screen(page: Any) -> None:
    """Nothing is wider than the phone: the page does not scroll sideways."""
    # Measured once the page's styles and scripts have run (the map on /lapor/ is laid out by
    # script); on a busy machine the URL can change well before that.
    page.wait_for_load_state("load")
    content, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert content <= screen, f"{page.url} is {content}px wide on a {screen}px screen"


def guest_report_with_answer(world: Any) -> tuple[Complaint, str]:
    """A guest's report with a published answer, and its secret code (through the services)."""
    fields: dict[str, Any] = {
        "actor": AnonymousUser(),
        "title": TITLE,
        "description": f"Air meluap ke jalan setiap hujan karena saluran tersumbat. {MAP_LINK}",
        "reporter_name": GUEST_NAME,
        "reporter_phone": GUEST_PHONE,
        "idempotency_key": uuid.uuid4().hex,
    }
    complaint = make(world, "dispatched", **fields)
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body=ANSWER)
    services.followup_submit(actor=world.operator, followup=draft)
    services.followup_approve(actor=world.liaison, followup=draft)
    # Sending the same submission again returns the guest's secret (an idempotent retry).
    secret = services.complaint_submit(**fields).guest_secret
    assert secret
    complaint.refresh_from_db()
    return complaint, secret


@pytest.mark.django_db(transaction=True)
def test_citizen_pages_work_on_a_phone(visit: Any, settings: Any, tmp_path: Path) -> None:
    world = start(settings, tmp_path)
    complaint, secret = guest_report_with_answer(world)
    phone = visit(mobile=True)

    page = phone.go("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Report a public service problem"))
    latest = page.get_by_role("region", name=tr("Latest public reports"))
    expect(latest.get_by_role("link", name=TITLE)).to_be_visible()
    fits_the_screen(page)
    phone.check("home")

    # Report from the phone, with a photo.
    page.get_by_role("main").get_by_role("link", name=tr("Report")).click()
    expect(page).to_have_url(re.compile(r"/lapor/$"))
    fits_the_screen(page)
    send_report(
        phone,
        title="Trotoar amblas di depan kantor pos",
        description="Trotoar amblas sedalam setengah meter, berbahaya bagi pejalan kaki.",
        photo=png_file(tmp_path),
    )
    fits_the_screen(page)

    # Track the earlier report with its code.
    page.get_by_role("navigation").get_by_role("link", name=tr("Track")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Track your report"))
    fits_the_screen(page)
    phone.check("track")
    page.get_by_label(tr("Tracking ID")).fill(complaint.tracking_id.lower())
    page.get_by_label(tr("Secret code")).fill(secret)
    page.get_by_role("button", name=tr("Open the report")).click()
    expect(page).to_have_url(re.compile(rf"/lacak/{complaint.tracking_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name=tr("Answers from the agencies"))).to_contain_text(ANSWER)
    expect(definition(page, tr("Status"))).to_have_text(tr("In progress"))
    fits_the_screen(page)
    phone.check("track-detail")

    # The public list and the report's public page.
    page.get_by_role("navigation").get_by_role("link", name=tr("Public reports")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Public reports"))
    results = page.get_by_role("region", name=tr("Reports"))
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    fits_the_screen(page)
    phone.check("public-list")
    results.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"/laporan/{complaint.tracking_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name=tr("Answers from the agencies"))).to_contain_text(ANSWER)
    shows_no_personal_data(page, complaint)
    fits_the_screen(page)
    phone.check("public-detail")

    # The same pages on the narrowest screen WCAG 2.1 asks to reflow on (1.4.10: 320 px).
    page.set_viewport_size({"width": 320, "height": 640})
    for path in (
        "/",
        "/lapor/",
        "/lacak/",
        f"/lacak/{complaint.tracking_id}/",
        "/laporan/",
        f"/laporan/{complaint.tracking_id}/",
    ):
        phone.go(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        fits_the_screen(page)
