"""Issue 5 in the browser, for everyone: the public statistics page reached from the footer
(figures, every chart loaded, another period chosen with the plain form, one chart downloaded as
SVG, and the same page on a phone without sideways scrolling), and the leadership dashboard
showing a report sent a moment ago after a reload."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    contains,
    send_report,
    sign_in,
    start,
    tr,
    with_authenticator,
)
from tests.portal import statistics_data

# Seconds: the rollups follow every change on commit (issue 5), so the first reload after the
# report normally shows it; the margin is for a loaded CI machine, where a reload can take seconds.
FRESH_WITHIN = 15.0


def charts_loaded(page: Any) -> list[int]:
    """Bring every chart into view (they load lazily) and wait until each has drawn; returns
    the images' natural widths."""
    images = page.get_by_role("figure").get_by_role("img")
    count = images.count()
    assert count > 0
    for index in range(count):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure img')].every((img) => img.complete)"
    )
    widths: list[int] = images.evaluate_all("(all) => all.map((img) => img.naturalWidth)")
    assert len(widths) == count
    return widths


def headline(page: Any, label: str) -> Any:
    """The value of one headline figure, found by its label."""
    return (
        page.get_by_role("term")
        .filter(has_text=tr(label))
        .locator("xpath=following-sibling::dd[1]")
    )


@pytest.mark.django_db(transaction=True)
def test_a_visitor_reads_the_public_statistics_from_the_footer(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    built = statistics_data.build(world)  # 8 reports this year, 2 in June of last year

    visitor = visit()
    page = visitor.go("/")
    page.get_by_role("contentinfo").get_by_role("link", name=tr("Statistics")).click()
    expect(page).to_have_url(re.compile(r"/statistik/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(contains("Complaint statistics"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(built.this_year))
    expect(headline(page, "Reports received")).to_have_text("8")
    # Two of this year's reports are resolved and none closed: 2 of 8.
    expect(headline(page, "Resolved (solved or closed)")).to_contain_text("25")
    # Counts and names only: no reporter, title or description anywhere on the page.
    body = page.locator("body")
    for private in statistics_data.PRIVATE:
        expect(body).not_to_contain_text(private)
    # Two target charts, the monthly trend and five breakdowns, all drawn.
    expect(page.get_by_role("figure")).to_have_count(8)
    widths = charts_loaded(page)
    assert all(width > 0 for width in widths), widths
    visitor.check("statistics-this-year")

    # Another period with the form alone (a GET form, no script needed): June of last year.
    page.get_by_label(tr("Year")).select_option(str(built.last_year))
    page.get_by_label(tr("Quarter (optional)")).select_option("2")
    page.get_by_role("button", name=tr("Show")).click()
    expect(page).to_have_url(re.compile(rf"/statistik/\?year={built.last_year}&quarter=2$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        contains("quarter %(quarter)s of %(year)s", quarter="2", year=str(built.last_year))
    )
    expect(page.get_by_label(tr("Year"))).to_have_value(str(built.last_year))
    expect(page.get_by_label(tr("Quarter (optional)"))).to_have_value("2")
    expect(headline(page, "Reports received")).to_have_text("2")
    widths = charts_loaded(page)
    assert all(width > 0 for width in widths), widths
    visitor.check("statistics-last-year-q2")

    # One chart's SVG: the link downloads a file, and answers as an SVG image.
    trend = page.get_by_role("figure").filter(has_text=contains("Reports per month")).first
    link = trend.get_by_role("link", name=re.compile(r"^SVG"))
    href = link.get_attribute("href")
    assert href and f"year={built.last_year}" in href and "quarter=2" in href, href
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".svg"), download.suggested_filename
    assert "<svg" in Path(download.path()).read_text(encoding="utf-8")[:2000]
    response = visitor.context.request.get(visitor.base_url + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml"), response.headers
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.django_db(transaction=True)
def test_the_public_statistics_fit_a_phone(visit: Any, settings: Any, tmp_path: Path) -> None:
    """The same page 390 px wide: readable without scrolling sideways, and every wide table
    that scrolls within itself reachable by keyboard (axe: scrollable-region-focusable)."""
    world = start(settings, tmp_path)
    statistics_data.build(world)

    phone = visit(mobile=True)
    page = phone.go("/statistik/")
    expect(headline(page, "Reports received")).to_have_text("8")
    charts_loaded(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    scroll_width = page.evaluate("() => document.scrollingElement.scrollWidth")
    viewport_width = page.evaluate("() => window.innerWidth")
    assert viewport_width == 390
    assert scroll_width <= viewport_width + 1, (scroll_width, viewport_width)
    phone.check("statistics-phone")


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_counts_a_new_report_within_seconds(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    device = with_authenticator(world.leadership)
    statistics_data.build(world)

    leader = visit()
    sign_in(leader, world.leadership, device)
    page = leader.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Dashboard")).click()
    expect(page).to_have_url(re.compile(r"/staf/dasbor/$"))
    received = page.locator("#stat-received .stat-value")
    expect(received).to_have_text("8")
    before = int(received.inner_text())

    # A guest, in another browser, sends a report through the public form.
    guest = visit()
    send_report(
        guest,
        title="Lampu jalan mati di Simpang Haru",
        description="Tiga lampu jalan mati sejak minggu lalu, jalan gelap pada malam hari.",
    )
    sent_at = time.monotonic()

    # Reloading the dashboard shows it within 5 seconds of the receipt.
    seen = before
    while True:
        page.reload()
        seen = int(received.inner_text())
        if seen == before + 1 or time.monotonic() - sent_at > FRESH_WITHIN:
            break
        page.wait_for_timeout(250)
    assert seen == before + 1, (
        f"received was {before}, still {seen} {time.monotonic() - sent_at:.1f} s after the report"
    )
    leader.check("dashboard-after-report")
