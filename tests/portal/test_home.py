"""The home page and its figures (aduan.complaints.stats), "my reports" and the language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aduan.complaints import services, stats
from aduan.core.calendar import JAKARTA
from aduan.monitoring import rollups
from tests.world import World, frozen_at, publish_followup, submit

pytestmark = pytest.mark.django_db


def answered_after(world: World, submitted: datetime, hours: float) -> None:
    """A complaint submitted at ``submitted`` whose first follow-up is published ``hours``
    later."""
    with frozen_at(submitted):
        complaint = submit(world)
        services.complaint_dispatch(
            actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
        )
    with frozen_at(submitted + timedelta(hours=hours)):
        publish_followup(world, complaint)


def test_the_figures_count_the_year_in_jakarta(world: World, make_complaint: Any) -> None:
    year_start = datetime(2024, 1, 1, 0, 30, tzinfo=JAKARTA)  # 2023-12-31 17:30 UTC
    answered_after(world, year_start, hours=2)
    answered_after(world, datetime(2024, 6, 3, 9, 0, tzinfo=JAKARTA), hours=30)
    answered_after(world, datetime(2024, 6, 4, 9, 0, tzinfo=JAKARTA), hours=100)
    with frozen_at(datetime(2024, 7, 1, 9, 0, tzinfo=JAKARTA)):
        submit(world)  # received, never answered
    # The last evening of 2023 in Jakarta does not count for 2024.
    answered_after(world, datetime(2023, 12, 31, 23, 30, tzinfo=JAKARTA), hours=1)

    rollups.catch_up()
    figures = stats.headline_figures(2024)

    assert figures.received == 4
    assert figures.resolved == 0
    assert figures.resolved_percent == 0
    assert figures.median_first_followup == timedelta(hours=30)
    assert stats.headline_figures(2023).received == 1
    empty = stats.headline_figures(2019)
    assert (empty.received, empty.resolved_percent, empty.median_first_followup) == (0, None, None)


def test_resolved_counts_resolved_and_closed(world: World, make_complaint: Any) -> None:
    for state in ("resolved", "closed", "in_progress", "archived"):
        make_complaint(state)
    rollups.catch_up()

    figures = stats.headline_figures()

    assert figures.received == 4
    assert figures.resolved == 2
    assert figures.resolved_percent == 50.0
    assert figures.median_first_followup is not None


def test_the_figures_follow_each_change_from_the_rollups(world: World, make_complaint: Any) -> None:
    make_complaint("submitted")
    rollups.catch_up()
    assert stats.headline_figures().received == 1
    make_complaint("submitted")
    rollups.catch_up()
    with CaptureQueriesContext(connection) as queries:
        assert stats.headline_figures().received == 2
    assert not any("complaints_complaint" in q["sql"] for q in queries.captured_queries)


def test_the_home_page_shows_figures_latest_reports_and_the_report_button(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    make_complaint("resolved", title="Laporan yang selesai")
    oldest = make_complaint("dispatched", title="Laporan paling lama")
    latest = [make_complaint("dispatched", title=f"Laporan nomor {index}") for index in range(5)]
    hidden = make_complaint("in_progress", title="Laporan rahasia", is_confidential=True)
    make_complaint("submitted", title="Belum diverifikasi")
    rollups.catch_up()

    response = en_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'href="/lapor/"' in html and "button-large" in html
    assert response.context["figures"].received == 9
    for complaint in latest:
        assert complaint.title in html
    for title in (oldest.title, hidden.title, "Belum diverifikasi", "Laporan yang selesai"):
        assert title not in html
    assert "11.1%" in html  # one of nine resolved
    assert "reports received" in html


def test_the_median_reads_in_hours_or_days() -> None:
    from django.utils import translation

    from aduan.portal.views import duration_text

    with translation.override("id"):
        assert duration_text(timedelta(hours=50)).startswith("2,1 ")
    with translation.override("en"):
        assert duration_text(None) == ""
        assert duration_text(timedelta(minutes=20)) == "less than an hour"
        assert duration_text(timedelta(hours=1, minutes=40)) == "2 hours"
        assert duration_text(timedelta(hours=50)) == "2.1 days"
        assert duration_text(timedelta(days=12, hours=2)) == "12 days"


# --- my reports -----------------------------------------------------------------------------


def test_my_reports_needs_an_account(world: World, client: Client) -> None:
    response = client.get("/laporan-saya/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/?next=/laporan-saya/")


def test_my_reports_lists_only_own_reports_in_keyset_pages(
    world: World, client: Client, make_complaint: Any
) -> None:
    mine = [make_complaint("submitted", title=f"Laporan saya {index}") for index in range(22)]
    make_complaint("dispatched", actor=world.outsider, title="Laporan orang lain")
    client.force_login(world.reporter)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/laporan-saya/")
    html = first.content.decode()
    assert first.status_code == 200
    assert "Laporan orang lain" not in html
    assert f'href="/lacak/{mine[-1].tracking_id}/"' in html
    second = client.get("/laporan-saya/", {"cursor": first.context["page"].next_cursor})
    seen = [c.tracking_id for c in first.context["items"] + second.context["items"]]
    assert sorted(seen) == sorted(c.tracking_id for c in mine)
    assert len(queries) <= 6
    assert client.get("/laporan-saya/", {"cursor": "bad"}).status_code == 400


# --- language ---------------------------------------------------------------------------------


def test_bahasa_indonesia_by_default_and_english_when_chosen(world: World, client: Client) -> None:
    assert '<html lang="id">' in client.get("/").content.decode()

    response = client.post("/bahasa/", {"language": "en", "next": "/laporan/"})
    assert response.status_code == 302 and response["Location"] == "/laporan/"

    for path in ("/", "/lapor/", "/lacak/", "/laporan/"):
        assert '<html lang="en">' in client.get(path).content.decode()
    assert "Report a public service problem" in client.get("/").content.decode()


def test_the_menu_marks_the_page_you_are_on(world: World, client: Client) -> None:
    def current(path: str) -> list[str]:
        html = client.get(path).content.decode()
        return re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', html)

    assert current("/lacak/") == ["/lacak/"]
    assert current("/cari/") == ["/cari/"]
    assert current("/") == []  # the home page is the brand link, not a menu item
    html = client.get("/").content.decode()
    # The icon ships with the app (no request to a /favicon.ico that is not there).
    assert '<link rel="icon" href="/static/aduan/favicon.svg' in html
    assert finders.find("aduan/favicon.svg")
