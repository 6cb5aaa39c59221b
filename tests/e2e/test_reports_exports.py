"""Issue 5 in the back office: a coordinator produces this quarter's periodic report (the PDF
and the press-release draft), and an agency operator exports the agency inbox as CSV and opens
the exports page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from aduan.complaints import services
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.exports.writers import COLUMNS
from tests.e2e.helpers import contains, open_queue, sign_in, start, texts, tr, with_authenticator
from tests.world import make, submit


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_downloads_this_quarters_report_and_press_release(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    device = with_authenticator(world.coordinator)
    for state in ("submitted", "dispatched", "in_progress", "resolved"):
        make(world, state)
    today = local_date(clock.now())
    quarter = (today.month - 1) // 3 + 1

    coordinator = visit()
    sign_in(coordinator, world.coordinator, device)
    page = coordinator.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Periodic reports")).click()
    expect(page).to_have_url(re.compile(r"/staf/laporan-berkala/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Periodic reports"))
    # The form starts on the current quarter of the whole province.
    expect(page.get_by_label(tr("Period"))).to_have_value("quarter")
    expect(page.get_by_label(tr("Year"))).to_have_value(str(today.year))
    expect(page.get_by_label(tr("Quarter"))).to_have_value(str(quarter))
    coordinator.check("reports-form")
    page.get_by_role("button", name=tr("Show")).click()
    expect(page).to_have_url(
        re.compile(rf"/staf/laporan-berkala/\?.*year={today.year}.*quarter={quarter}")
    )
    documents = page.get_by_role("region", name=contains("Documents for %(period)s", period=""))
    expect(documents).to_contain_text(contains("whole province"))
    coordinator.check("reports-quarter")

    # The report: a PDF file.
    with page.expect_download() as download_info:
        documents.get_by_role("link", name=tr("Download the report (PDF)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

    # The press-release draft: editable text about the complaints of the quarter.
    documents.get_by_role("link", name=tr("Press-release draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Press-release draft"))
    draft = page.get_by_label(tr("Text"))
    expect(draft).to_be_editable()
    text = draft.input_value()
    assert "pengaduan" in text.lower(), text[:500]
    coordinator.check("press-release")


@pytest.mark.django_db(transaction=True)
def test_an_operator_exports_the_agency_inbox_as_csv(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    device = with_authenticator(world.operator)
    ours = [make(world, "dispatched"), make(world, "in_progress")]  # lead: public works
    theirs = services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.health
    )
    not_dispatched = make(world, "submitted")

    operator = visit()
    sign_in(operator, world.operator, device)
    open_queue(operator, "Agency inbox")
    page = operator.page
    for complaint in ours:
        expect(page.get_by_role("link", name=complaint.tracking_id, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=theirs.tracking_id, exact=True)).to_have_count(0)
    operator.check("inbox")

    buttons = page.get_by_role("group", name=tr("Export this list"))
    with page.expect_download() as download_info:
        buttons.get_by_role("button", name=tr("Download CSV")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content)))

    # The header row is in the page's language, Bahasa Indonesia.
    with translation.override("en"):
        english = [str(title) for _key, title in COLUMNS]
    assert header[: len(COLUMNS)] == [_indonesian(title) for title in english], header
    assert header[0] == "Nomor pelacakan", header
    assert "OPD utama" in header, header

    # Only the dispatches to the operator's agency, nothing of another agency or unverified.
    ids = {row[0] for row in rows}
    assert ids == {complaint.tracking_id for complaint in ours}, ids
    assert theirs.tracking_id not in ids and not_dispatched.tracking_id not in ids
    lead = header.index(_indonesian("Lead agency"))
    assert {row[lead] for row in rows} == {world.public_works.name}
    assert all(len(row) == len(header) for row in rows)

    # The exports page, from the menu.
    page.get_by_role("navigation").get_by_role("link", name=tr("Exports")).click()
    expect(page).to_have_url(re.compile(r"/staf/ekspor/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Exports"))
    expect(
        page.get_by_role("heading", level=2, name=tr("Export all complaints you work on"))
    ).to_be_visible()
    operator.check("exports")


def _indonesian(message: str) -> str:
    """The Indonesian text of ``message`` (the English one when it is not translated yet)."""
    choices = texts(message) - {message}
    return next(iter(choices), message)
