"""/statistik/ (issue 5): public figures from the monitoring selectors, charts as SVG/PNG with
a data table, no personal data, short caching, bounded queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring import selectors
from aduan.monitoring.periods import FIRST_YEAR, max_year
from aduan.monitoring.selectors import Period
from aduan.portal.statistics import CHARTS
from tests.portal.statistics_data import PRIVATE, assert_no_complaint_table, build, more
from tests.world import World, frozen_at

pytestmark = pytest.mark.django_db

URL = "/statistik/"


def page(client: Client, **params: Any) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def stat(html: str, name: str) -> str:
    found = re.search(rf'id="stat-{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def table_row(html: str, table: str, header: str) -> list[str]:
    """The cells of the row headed ``header`` in the table with id ``table``."""
    body = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(
        rf'<th scope="row">{re.escape(header)} ?(?:<span[^>]*>[^<]*</span>)?</th>(.*?)</tr>',
        body,
        re.S,
    )
    assert found, (table, header)
    return re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value, 1):.1f}%"


def test_headline_figures_and_tables_equal_the_selectors(world: World, en_client: Client) -> None:
    built = build(world)
    html = page(en_client, year=built.this_year)
    expected = selectors.summary(Period(built.this_year))
    # Confidential and supervisory complaints are counted.
    assert stat(html, "received") == str(expected.received) == "8"
    assert stat(html, "resolved") == percent(expected.resolved_percent) == "25.0%"
    assert stat(html, "verified-on-time") == percent(expected.verified_on_time_percent)
    assert stat(html, "followup-on-time") == percent(expected.first_followup_on_time_percent)
    assert stat(html, "resolved-on-time") == percent(expected.resolved_on_time_percent)
    assert stat(html, "backlog") == str(expected.backlog)
    assert stat(html, "rating") == "5.0"

    for dim, table in (
        ("channel", "channel"),
        ("kind", "kind"),
        ("category", "category"),
        ("region", "region"),
        ("agency", "agency"),
    ):
        with translation.override("en"):  # the labels in the page's language
            rows = selectors.breakdown(Period(built.this_year), dim)
        assert rows, dim
        for row in rows:
            assert table_row(html, table, row.label) == [
                str(row.counts["received"]),
                str(row.counts["resolved"]),
                percent(row.resolved_percent),
            ], (dim, row.label)
    assert table_row(html, "agency", "Dinas Pekerjaan Umum") == ["5", "2", "40.0%"]
    assert table_row(html, "region", "Kota Padang") == ["1", "1", "100.0%"]
    assert table_row(html, "channel", "WhatsApp") == ["1", "1", "100.0%"]

    for point in selectors.monthly(Period(built.this_year)):
        label = point.month.strftime("%B %Y")
        assert table_row(html, "monthly", label) == [str(point.received), str(point.resolved)]

    for row in selectors.yearly():
        cells = table_row(html, "targets", str(row.year))
        assert cells[1] == str(row.received)
        assert cells[2] == percent(row.received_vs_target)
        assert cells[4] == percent(row.resolved_percent)
        if row.target is not None:
            assert cells[0] == f"{row.target.complaints:,}"
            assert cells[3] == percent(float(row.target.resolved_percent))
        else:
            assert cells[0] == cells[3] == "—"

    assert "misconduct of officials" in html  # the "about these data" note says they count
    assert 'href="/data-terbuka/"' in html
    assert "/api/v1/stats/summary" in html


def test_the_year_and_quarter_filter(world: World, en_client: Client) -> None:
    built = build(world)
    assert stat(page(en_client, year=built.last_year), "received") == "2"
    assert stat(page(en_client, year=built.last_year, quarter=2), "received") == "2"
    assert stat(page(en_client, year=built.last_year, quarter=1), "received") == "0"
    html = page(en_client, year=built.last_year, quarter=1)
    assert stat(html, "resolved") == "—"  # nothing to divide by
    assert "quarter 1 of" in html
    default = page(en_client)
    assert stat(default, "received") == "8"  # this year without ?year=
    assert f'<option value="{built.last_year}">' in default
    assert f'<option value="{built.this_year}" selected>' in default


@pytest.mark.parametrize(
    ("params", "indonesian", "english"),
    [
        ({"year": "abcd"}, "Tahun harus empat angka", "The year must be four digits"),
        ({"year": "20245"}, "Tahun harus empat angka", "The year must be four digits"),
        ({"year": "1999"}, "Pilih tahun mulai 2000.", "Choose a year from 2000 onwards."),
        ({"year": "9999"}, "Pilih tahun paling lambat", "Choose a year up to"),
        ({"quarter": "5"}, "", "The quarter must be 1, 2, 3 or 4."),
    ],
)
def test_invalid_input_is_a_400_in_the_visitors_language(
    world: World, client: Client, params: dict[str, str], indonesian: str, english: str
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "stat-received" not in html
    assert indonesian in html  # Bahasa Indonesia by default
    client.cookies["aduan_language"] = "en"
    answer = client.get(URL, params)
    assert answer.status_code == 400
    assert english in answer.content.decode()


def test_the_year_is_capped_at_next_year_on_the_page_and_the_charts(
    world: World, en_client: Client
) -> None:
    """A year after next (Asia/Jakarta) has no complaints: asking for it is a 400, so nobody can
    make the server draw a chart for each of thousands of empty years."""
    last = max_year()
    assert last == local_date(clock.now()).year + 1
    too_late = en_client.get(URL, {"year": last + 1})
    assert too_late.status_code == 400
    assert f"Choose a year up to {last}." in too_late.content.decode()
    assert en_client.get(URL, {"year": last}).status_code == 200
    assert en_client.get(URL, {"year": FIRST_YEAR}).status_code == 200
    for name in ("bulanan", "kanal", "target-laporan"):
        for year in (last + 1, 9999, FIRST_YEAR - 1):
            chart = en_client.get(f"{URL}grafik/{name}.svg", {"year": year})
            assert chart.status_code == 400, (name, year)
            assert chart["Content-Type"].startswith("text/plain")
            assert "Choose a year" in chart.content.decode()
        assert en_client.get(f"{URL}grafik/{name}.png", {"year": last}).status_code == 200


def test_the_year_bound_follows_the_jakarta_calendar(world: World, en_client: Client) -> None:
    # 31 December 2030, 18:00 UTC is already 1 January 2031 in Jakarta: 2032 may be asked for.
    with frozen_at(datetime(2030, 12, 31, 18, 0, tzinfo=UTC)):
        assert max_year() == 2032
        assert en_client.get(URL, {"year": 2032}).status_code == 200
        assert en_client.get(URL, {"year": 2033}).status_code == 400


def test_no_personal_data_or_complaint_text(world: World, client: Client) -> None:
    built = build(world)
    bodies = [page(client, year=built.this_year), page(client, year=built.this_year, quarter=4)]
    for name in CHARTS:
        response = client.get(f"{URL}grafik/{name}.svg", {"year": built.this_year})
        bodies.append(response.content.decode())
    for body in bodies:
        for text in PRIVATE:
            assert text not in body, text
        for complaint in built.complaints:
            assert complaint.tracking_id not in body


def test_works_without_signing_in_and_caches_briefly(world: World, client: Client) -> None:
    build(world)
    response = client.get(URL)
    assert response.status_code == 200
    control = response["Cache-Control"]
    age = int(re.search(r"max-age=(\d+)", control).group(1))  # type: ignore[union-attr]
    assert 0 < age <= 5 and "private" in control
    assert "Cookie" in response["Vary"]
    html = response.content.decode()
    for figure in ("bulanan", "target-laporan", "target-selesai", "kanal", "instansi"):
        assert f'id="chart-{figure}"' in html
        assert re.search(rf'<img src="/statistik/grafik/{figure}\.svg\?year=\d+" alt="[^"]+"', html)
        assert f"/statistik/grafik/{figure}.png?" in html
    assert "statistics.css" in html
    assert 'href="/statistik/"' in client.get("/").content.decode()  # linked from the footer


def test_chart_endpoints_return_svg_and_png(world: World, client: Client) -> None:
    built = build(world)
    for name in CHARTS:
        svg = client.get(f"{URL}grafik/{name}.svg", {"year": built.this_year})
        assert svg.status_code == 200, name
        assert svg["Content-Type"] == "image/svg+xml"
        assert b"<svg" in svg.content
        assert "max-age=5" in svg["Cache-Control"]
    png = client.get(f"{URL}grafik/bulanan.png", {"year": built.this_year, "download": "1"})
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert f"statistik-bulanan-{built.this_year}.png" in png["Content-Disposition"]
    assert client.get(f"{URL}grafik/nope.svg").status_code == 404
    assert client.get(f"{URL}grafik/bulanan.pdf").status_code == 404
    assert client.get(f"{URL}grafik/bulanan.svg", {"year": "x"}).status_code == 400


def test_a_chart_follows_new_figures_at_once(world: World, client: Client) -> None:
    """The rendered chart is cached by its content: a change in the figures is a new chart."""
    built = build(world)
    first = client.get(f"{URL}grafik/kanal.svg", {"year": built.this_year}).content
    assert client.get(f"{URL}grafik/kanal.svg", {"year": built.this_year}).content == first
    more(world, 1)
    assert client.get(f"{URL}grafik/kanal.svg", {"year": built.this_year}).content != first


def test_query_count_does_not_grow_with_complaints(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    built = build(world)
    with CaptureQueriesContext(connection) as few:
        page(client, year=built.this_year)
    assert_no_complaint_table(few)
    more(world, 6)
    with (
        CaptureQueriesContext(connection) as again,
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        html = page(client, year=built.this_year)
    assert_no_complaint_table(again)
    assert "Dinas Pendidikan" in html
    assert len(few.captured_queries) <= 20


def test_the_charts_read_no_complaint_table(world: World, client: Client) -> None:
    built = build(world)
    for name in CHARTS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{URL}grafik/{name}.svg", {"year": built.this_year})
        assert response.status_code == 200
        assert captured.captured_queries, name  # the figures were read
        assert_no_complaint_table(captured)
