"""Issue 7's action plan in a real browser (Chromium): a system administrator adds 2025 to the
plan, records an activity's status with an internal note and a link as evidence, and enters
the year's self-assessment; a leader sees the new figures on the progress page and downloads
the PDF report; an anonymous visitor reads the public summary, which shows the status and the
score but neither the note nor the evidence. Each page is checked with axe-core (WCAG 2.1 AA)
and kept as a screenshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.renaksi.loaders import load_plan
from tests.e2e.helpers import contains, sign_in, start, status_message, tr, with_authenticator

ACTIVITY = "Pelatihan bagi pimpinan OPD di lingkup Pemerintah Provinsi Sumatera Barat"  # I.1.1
ASPECT_NAME = "Sumber daya manusia"
ASPECT = f"2. {ASPECT_NAME}"  # I.1.1's aspect: 3 activities, indicator 2.1 scored 2.2 in 2021
NOTE = "Anggaran pelatihan cair bulan Maret; hubungi Pak Budi."
EVIDENCE_TITLE = "Daftar hadir pelatihan 2025"
EVIDENCE_URL = "https://example.org/renaksi/daftar-hadir-2025"
REASON = "Pejabat penghubung baru belum dilatih."


def choose(select: Any, option: re.Pattern[str]) -> None:
    """Pick the option of ``select`` whose text a person reads as ``option``."""
    label = next(text for text in select.locator("option").all_inner_texts() if option.match(text))
    select.select_option(label=label)


def number(text: str) -> re.Pattern[str]:
    """A decimal as the page writes it in either language (3,4 or 3.4)."""
    return re.compile(re.escape(text).replace(r"\.", "[.,]"))


def progress_row(page: Any, region: re.Pattern[str], aspect: str | re.Pattern[str]) -> Any:
    """The last year's cell of ``aspect`` in the progress table under the heading ``region``."""
    table = page.get_by_role("region", name=region).first
    expect(table.get_by_role("columnheader").last).to_have_text("2025")
    return table.get_by_role("row").filter(has_text=aspect).get_by_role("cell").last


@pytest.mark.django_db(transaction=True)
def test_the_action_plan_from_the_administrator_to_the_public(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    load_plan()

    # --- a system administrator records 2025 -------------------------------------------------
    admin = visit()
    sign_in(admin, world.admin, with_authenticator(world.admin))
    page = admin.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Action plan")).click()
    expect(page).to_have_url(re.compile(r"/staf/renaksi/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Action plan (Renaksi)"))
    admin.check("progress-before")

    page.get_by_role("link", name=tr("Add a year")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Add a year to the plan"))
    # The next year is proposed, with every activity planned in it.
    expect(page.get_by_label(tr("Year"))).to_have_value("2025")
    expect(page.get_by_role("checkbox", name=contains(ACTIVITY))).to_be_checked()
    admin.check("year-form")
    page.get_by_role("button", name=tr("Add the year")).click()
    expect(page).to_have_url(re.compile(r"/staf/renaksi/$"))
    status_message(page, contains("%(year)s added to the plan.", year=2025))
    expect(progress_row(page, tr("Progress per aspect and year"), ASPECT)).to_contain_text(
        contains("%(done)s of %(total)s done", done=0, total=3)
    )

    page.get_by_role("link", name=ACTIVITY).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACTIVITY)
    year = page.get_by_role("region", name=re.compile(r"^2025\b"))
    choose(year.get_by_label(tr("Status")), tr("Done"))
    year.get_by_label(tr("Internal note")).fill(NOTE)
    year.get_by_role("button", name=tr("Save")).click()
    status_message(page, contains("%(code)s in %(year)s saved.", code="I.1.1", year=2025))
    year = page.get_by_role("region", name=re.compile(r"^2025\b"))
    expect(year.get_by_role("heading", level=3)).to_contain_text(contains("Done"))
    expect(year).to_contain_text(NOTE)

    year.get_by_label(tr("Title")).fill(EVIDENCE_TITLE)
    year.get_by_label(tr("Link")).fill(EVIDENCE_URL)
    year.get_by_role("button", name=tr("Add evidence")).click()
    status_message(page, tr("Evidence added."))
    evidence = page.get_by_role("region", name=re.compile(r"^2025\b")).get_by_role(
        "link", name=EVIDENCE_TITLE
    )
    expect(evidence).to_have_attribute("href", EVIDENCE_URL)
    admin.check("activity-2025")

    page.get_by_role("link", name=tr("Back to the action plan")).click()
    page.get_by_role("link", name=tr("Enter a self-assessment")).click()
    page.get_by_label(tr("Year")).fill("2025")
    page.get_by_role("button", name=tr("Open")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr("Self-assessment %(year)s", year=2025)
    )
    page.get_by_label("2.1 Sumber Daya Manusia").fill("3.4")
    page.get_by_label(ASPECT, exact=True).select_option(label="1")
    page.get_by_label(tr("Reason for %(name)s", name=ASPECT_NAME)).fill(REASON)
    admin.check("assessment-form")
    page.get_by_role("button", name=tr("Save the self-assessment %(year)s", year=2025)).click()
    expect(page).to_have_url(re.compile(r"/staf/renaksi/#asesmen$"))
    status_message(page, contains("Self-assessment %(year)s saved.", year=2025))

    # --- a leader reads the new figures and downloads the report -----------------------------
    leader = visit()
    sign_in(leader, world.leadership, with_authenticator(world.leadership))
    page = leader.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Action plan")).click()
    expect(page).to_have_url(re.compile(r"/staf/renaksi/$"))
    expect(page.get_by_role("link", name=tr("Add a year"))).to_have_count(0)
    done = progress_row(page, tr("Progress per aspect and year"), ASPECT)
    expect(done).to_contain_text(contains("%(done)s of %(total)s done", done=1, total=3))
    expect(done).to_contain_text(number("33.3%"))
    everything = progress_row(page, tr("Progress per aspect and year"), contains("All aspects"))
    expect(everything).to_contain_text(contains("%(done)s of %(total)s done", done=1, total=23))
    scores = page.get_by_role("region", name=tr("Self-assessment and priorities")).first
    expect(scores.get_by_role("columnheader").last).to_have_text("2025")
    score = scores.get_by_role("row").filter(has_text=ASPECT).get_by_role("cell").last
    expect(score).to_contain_text(number("3.4"))
    expect(score).to_contain_text(number("+1.2"))  # against 2.2 in 2021
    expect(score).to_contain_text(contains("priority %(rank)s", rank=1))
    expect(
        page.get_by_role("heading", name=tr("Priority order %(year)s", year=2025))
    ).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=REASON)).to_contain_text(ASPECT_NAME)
    activity = page.get_by_role("row").filter(has=page.get_by_role("link", name=ACTIVITY))
    expect(activity.get_by_role("cell").last).to_contain_text(contains("Done"))
    leader.check("progress-leader")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=tr("Download the report (PDF)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

    # --- anyone reads the public summary -----------------------------------------------------
    guest = visit()
    page = guest.page
    guest.go("/renaksi/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr("Action plan for complaint handling (Renaksi)")
    )
    expect(progress_row(page, tr("Progress per year"), ASPECT)).to_contain_text(
        contains("%(done)s of %(total)s done", done=1, total=3)
    )
    scores = page.get_by_role("region", name=tr("Self-assessment scores and priorities")).first
    score = scores.get_by_role("row").filter(has_text=ASPECT).get_by_role("cell").last
    expect(score).to_contain_text(number("3.4"))
    expect(scores.get_by_role("listitem").filter(has_text=REASON)).to_contain_text(ASPECT_NAME)
    page.locator("summary").filter(has_text=ASPECT).click()
    activity = page.get_by_role("row").filter(has_text=ACTIVITY)
    expect(activity.get_by_role("cell").last).to_contain_text(contains("Done"))
    body = page.locator("body")
    for private in (NOTE, EVIDENCE_TITLE, EVIDENCE_URL):
        expect(body).not_to_contain_text(private)
    expect(page.get_by_role("link", name=EVIDENCE_TITLE)).to_have_count(0)
    guest.check("public-summary")
