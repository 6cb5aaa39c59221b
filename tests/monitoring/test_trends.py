"""Emerging issues (aduan.monitoring.trends): which categories and places are flagged, scoping,
the panel on the dashboard and the list of the complaints behind a trend."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client

from aduan.agencies.models import Agency, Category, Region
from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date
from aduan.monitoring import rollups, trends
from aduan.monitoring.selectors import Period
from aduan.monitoring.trends import CATEGORY, PLACE
from tests.world import World, frozen_at, make, staff_login

REFERENCE = date(2026, 3, 20)
_serial = itertools.count(1)


@pytest.fixture
def places(db: Any) -> dict[str, Region]:
    """A province, a city, two kecamatan and their kelurahan (Kemendagri codes nest by prefix)."""
    province = Region.objects.create(code="13", name="Sumatera Barat", level=1, kind="provinsi")
    city = Region.objects.create(
        code="13.71", name="Kota Padang", level=2, kind="kota", parent=province
    )
    out = {"city": city}
    for district, name in (("01", "Bungus Teluk Kabung"), ("02", "Lubuk Kilangan")):
        code = f"13.71.{district}"
        out[district] = Region.objects.create(
            code=code, name=name, level=3, kind="kecamatan", parent=city
        )
        for village in ("1001", "1002"):
            out[f"{district}.{village}"] = Region.objects.create(
                code=f"{code}.{village}",
                name=f"Kelurahan {village}",
                level=4,
                kind="kelurahan",
                parent=out[district],
            )
    return out


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=JAKARTA)


def add(
    n: int,
    *,
    weeks_ago: int = 0,
    reference: date = REFERENCE,
    category: Category | None = None,
    region: Region | None = None,
    agency: Agency | None = None,
) -> None:
    """``n`` complaints in the 7-day window ``weeks_ago`` weeks before the one ending on
    ``reference``, spread over its days (written directly, as ``aduan loadgen`` does)."""
    first = reference - timedelta(days=6 + 7 * weeks_ago)
    rows = []
    for index in range(n):
        moment = _noon(first + timedelta(days=index % 7))
        rows.append(
            Complaint(
                tracking_id=f"SB-TRND-{next(_serial):04d}",
                title="Uji tren",
                description="Laporan uji untuk tren.",
                category=category,
                region=region,
                lead_agency=agency,
                submitted_at=moment,
                updated_at=moment,
            )
        )
    Complaint.objects.bulk_create(rows)


def emerging(**kwargs: Any) -> dict[str, list[trends.Trend]]:
    """The trends once the daily counts include the complaints written directly."""
    rollups.rebuild()
    return trends.emerging(**kwargs)


def steady(per_week: int, **where: Any) -> None:
    """The same number of complaints in each of the 8 weeks before this one."""
    for weeks_ago in range(1, 9):
        add(per_week, weeks_ago=weeks_ago, **where)


def flagged(result: dict[str, list[trends.Trend]], kind: str) -> dict[str, trends.Trend]:
    return {trend.value: trend for trend in result[kind]}


@pytest.fixture
def other_category(world: World) -> Category:
    return Category.objects.create(code="sampah", name="Sampah menumpuk")


# --- the statistics ------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "mean"), [(5, 1.0), (12, 2.0), (1, 0.5), (30, 20.2)])
def test_the_poisson_tail_is_exact(count: int, mean: float) -> None:
    below = sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(count))
    assert trends.poisson_upper_tail(count, mean) == pytest.approx(1 - below, rel=1e-9)


def test_the_windows_are_seven_days_in_jakarta() -> None:
    window = trends.Window(REFERENCE, 8)
    assert window.first == date(2026, 3, 14)
    assert window.start_of(0) == datetime(2026, 3, 14, tzinfo=JAKARTA)
    assert window.start_of(8) == datetime(2026, 1, 17, tzinfo=JAKARTA)
    assert window.end == datetime(2026, 3, 21, tzinfo=JAKARTA)


# --- what is flagged -----------------------------------------------------------------------


def test_a_category_spike_is_flagged_and_a_steady_one_is_not(
    world: World, other_category: Category
) -> None:
    steady(2, category=world.category)
    add(12, category=world.category)
    steady(10, category=other_category)
    add(10, category=other_category)
    found = flagged(emerging(reference=REFERENCE), CATEGORY)
    assert set(found) == {str(world.category.pk)}
    trend = found[str(world.category.pk)]
    assert (trend.label, trend.count, trend.mean, trend.ratio) == ("Jalan rusak", 12, 2.0, 6.0)
    assert trend.p_value < 0.01


def test_complaints_outside_the_windows_do_not_count(world: World) -> None:
    steady(2, category=world.category)
    add(12, category=world.category, weeks_ago=9)  # before the history
    add(12, category=world.category, reference=REFERENCE + timedelta(days=7))  # after
    assert emerging(reference=REFERENCE)[CATEGORY] == []


def test_a_new_place_with_enough_complaints_is_flagged(
    world: World, places: dict[str, Region]
) -> None:
    # Five in two kelurahan of one kecamatan that had none: counted together, and flagged.
    add(3, region=places["01.1001"])
    add(2, region=places["01.1002"])
    # Four in a kecamatan that had none: below the minimum.
    add(4, region=places["02.1001"])
    found = flagged(emerging(reference=REFERENCE), PLACE)
    assert set(found) == {"13.71.01"}
    trend = found["13.71.01"]
    assert (trend.label, trend.count, trend.mean, trend.ratio) == (
        "Bungus Teluk Kabung, Kota Padang",
        5,
        0.0,
        5.0,
    )


def test_a_complaint_naming_only_the_city_counts_for_the_city(
    world: World, places: dict[str, Region]
) -> None:
    steady(1, region=places["city"])
    add(9, region=places["city"])
    found = flagged(emerging(reference=REFERENCE), PLACE)
    assert set(found) == {"13.71"}
    assert found["13.71"].label == "Kota Padang"


def test_the_complaints_behind_a_city_are_those_naming_only_the_city(
    world: World, places: dict[str, Region]
) -> None:
    add(2, region=places["city"])
    add(3, region=places["01.1001"])
    in_city = Complaint.objects.filter(trends.place_filter("13.71"))
    assert {c.region_id for c in in_city} == {"13.71"} and in_city.count() == 2
    assert Complaint.objects.filter(trends.place_filter("13.71.01")).count() == 3


def test_the_minimum_count_is_respected(world: World) -> None:
    # Four where one in ten weeks is usual is very unlikely, but four is below the minimum.
    add(4, category=world.category)
    assert emerging(reference=REFERENCE, mean_floor=0.1)[CATEGORY] == []
    found = emerging(reference=REFERENCE, mean_floor=0.1, min_count=4)[CATEGORY]
    assert [t.count for t in found] == [4]


def test_the_history_length_is_a_setting(world: World, settings: Any) -> None:
    # Busy three weeks ago, quiet before: against 2 weeks of history this week is unusual,
    # against 8 weeks (with the busy one) it is not.
    add(60, category=world.category, weeks_ago=3)
    add(1, category=world.category, weeks_ago=1)
    add(1, category=world.category, weeks_ago=2)
    add(12, category=world.category)
    assert emerging(reference=REFERENCE)[CATEGORY] == []
    settings.ADUAN_TRENDS_WEEKS = 2
    assert [t.count for t in emerging(reference=REFERENCE)[CATEGORY]] == [12]


def test_trends_are_ranked_by_ratio_and_limited(world: World, other_category: Category) -> None:
    third = Category.objects.create(code="air", name="Air bersih")
    steady(2, category=world.category)
    add(10, category=world.category)  # 5 times the usual
    steady(1, category=other_category)
    add(9, category=other_category)  # 9 times
    steady(4, category=third)
    add(16, category=third)  # 4 times
    found = emerging(reference=REFERENCE)[CATEGORY]
    assert [t.value for t in found] == [str(c.pk) for c in (other_category, world.category, third)]
    assert len(emerging(reference=REFERENCE, limit=2)[CATEGORY]) == 2


# --- the daily counts ----------------------------------------------------------------------


def test_the_daily_counts_equal_a_group_by_over_the_complaints(
    world: World, other_category: Category, places: dict[str, Region]
) -> None:
    steady(2, category=world.category, region=places["01.1001"], agency=world.public_works)
    steady(1, category=other_category, region=places["city"])
    add(7, category=world.category, region=places["02.1002"], agency=world.public_works_unit)
    add(3, region=places["01"], agency=world.health)
    add(2, category=other_category, weeks_ago=9)  # outside
    rollups.rebuild()
    window = trends.Window(REFERENCE, 8)
    for agency in (None, world.public_works, world.health, world.education):
        for kind in trends.KINDS:
            expected = trends.counts_direct(window, agency, kind)
            assert trends.counts(window, agency, kind) == expected, (agency, kind)
    assert trends.counts(window, None, CATEGORY)[str(world.category.pk)] == [7] + [2] * 8
    assert trends.counts(window, None, PLACE)["13.71.02"][0] == 7
    assert trends.counts(window, world.public_works, PLACE)["13.71.02"][0] == 7
    assert rollups.differences() == []


def test_the_follower_keeps_the_daily_counts(world: World) -> None:
    window = trends.Window(_today(), 8)
    complaint = make(world, "submitted")
    rollups.catch_up()
    key = str(world.category.pk)
    assert trends.counts(window, None, CATEGORY)[key][0] == 1
    assert trends.counts(window, world.public_works, CATEGORY) == {}
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    rollups.catch_up()
    assert trends.counts(window, world.public_works, CATEGORY)[key][0] == 1
    assert trends.counts(window, None, CATEGORY)[key][0] == 1
    assert rollups.differences() == []


# --- scope ---------------------------------------------------------------------------------


def test_an_agency_counts_only_the_complaints_it_leads(
    world: World, other_category: Category
) -> None:
    # A spike led by Health; Public Works (with its unit) has a spike in another category.
    add(12, category=world.category, agency=world.health)
    add(6, category=other_category, agency=world.public_works_unit)
    province = flagged(emerging(reference=REFERENCE), CATEGORY)
    assert set(province) == {str(world.category.pk), str(other_category.pk)}
    public_works = flagged(emerging(agency=world.public_works, reference=REFERENCE), CATEGORY)
    assert set(public_works) == {str(other_category.pk)}
    health = flagged(emerging(agency=world.health, reference=REFERENCE), CATEGORY)
    assert set(health) == {str(world.category.pk)}


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    def make_client(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        return client

    return make_client


TRENDS = "/staf/dasbor/tren/"
LIST = "/staf/dasbor/tren/aduan/"


def _today() -> date:
    return local_date(clock.now())


def _links(html: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'<a href="(/staf/dasbor/tren/aduan/\?[^"]+)"', html)
    ]


def test_the_dashboard_loads_the_panel(world: World, client_for: Callable[[str], Client]) -> None:
    html = client_for("leadership").get("/staf/dasbor/").content.decode()
    assert 'id="trends"' in html
    assert f'hx-get="{TRENDS}"' in html
    assert f'<a href="{TRENDS}">' in html  # without JavaScript
    operator = client_for("operator").get("/staf/dasbor/").content.decode()
    assert f'hx-get="{TRENDS}?agency={world.public_works.pk}"' in operator


def test_the_panel_shows_the_trends_and_links_to_their_complaints(
    world: World, client_for: Callable[[str], Client], places: dict[str, Region]
) -> None:
    today = _today()
    steady(1, category=world.category, reference=today)
    add(8, category=world.category, reference=today, region=places["01.1001"])
    rollups.rebuild()
    client = client_for("coordinator")
    response = client.get(TRENDS, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for htmx
    assert f'data-trend="category:{world.category.pk}"' in html
    assert 'data-trend="place:13.71.01"' in html
    links = _links(html)
    assert len(links) == 2
    for link in links:
        listed = client.get(link)
        assert listed.status_code == 200
        assert listed.content.decode().count("<tr data-row-link>") == 8
    page = client.get(TRENDS).content.decode()  # the same as a page of its own
    assert "<html" in page and f'data-trend="category:{world.category.pk}"' in page


def test_the_list_pages_by_keyset(world: World, client_for: Callable[[str], Client]) -> None:
    add(25, category=world.category)
    client = client_for("coordinator")
    query = f"?category={world.category.pk}&from=2026-03-14&to=2026-03-20"
    first = client.get(LIST + query).content.decode()
    assert first.count("<tr data-row-link>") == trends.PAGE_SIZE
    next_url = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert next_url
    second = client.get(LIST + next_url.group(1).replace("&amp;", "&")).content.decode()
    assert second.count("<tr data-row-link>") == 5
    ids = set(re.findall(r"SB-TRND-\d+", first)) | set(re.findall(r"SB-TRND-\d+", second))
    assert len(ids) == 25


def test_an_officer_sees_only_their_agency(
    world: World, client_for: Callable[[str], Client]
) -> None:
    today = _today()
    add(12, category=world.category, agency=world.health, reference=today)
    rollups.rebuild()
    operator = client_for("operator")
    html = operator.get(TRENDS, HTTP_HX_REQUEST="true").content.decode()
    assert "data-trend=" not in html
    assert operator.get(f"{TRENDS}?agency={world.health.pk}").status_code == 403
    health = client_for("health_operator").get(TRENDS, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-trend="category:{world.category.pk}"' in health
    query = f"?category={world.category.pk}&from={today - timedelta(days=6)}&to={today}"
    assert operator.get(f"{LIST}{query}&agency={world.health.pk}").status_code == 403
    assert client_for("reporter").get(TRENDS).status_code == 403


def test_the_list_shows_only_complaints_the_viewer_may_open(
    world: World, client_for: Callable[[str], Client]
) -> None:
    today = _today()
    with frozen_at(_noon(today) if _noon(today) < clock.now() else clock.now()):
        mine = make(world, "dispatched")  # lead: Public Works
    add(3, category=world.category, agency=world.public_works, reference=today)  # no dispatch
    query = f"?category={world.category.pk}&from={today - timedelta(days=6)}&to={today}"
    operator_html = client_for("operator").get(LIST + query).content.decode()
    assert set(re.findall(r"SB-[A-Z0-9]{4}-[A-Z0-9]{4}", operator_html)) == {mine.tracking_id}
    coordinator_html = client_for("coordinator").get(LIST + query).content.decode()
    assert coordinator_html.count("<tr data-row-link>") == 4
    assert f'href="/staf/aduan/{mine.tracking_id}/"' in coordinator_html
    # A monitor opens no workspace: the rows lead to the public report pages.
    monitor_html = client_for("monitor").get(LIST + query).content.decode()
    assert f'href="/laporan/{mine.tracking_id}/"' in monitor_html
    assert "/staf/aduan/" not in monitor_html


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-03-14&to=2026-03-20",  # neither category nor place
        "?category=1&place=13.71.01&from=2026-03-14&to=2026-03-20",  # both
        "?place=13.71.01&from=2026-03-20&to=2026-03-14",  # reversed
        "?place=13.71.01%27--&from=2026-03-14&to=2026-03-20",  # not a region code
        "?category=1&from=yesterday&to=2026-03-20",
        "?category=1&from=0001-01-01&to=9999-12-31",  # a day no midnight can be made of
    ],
)
def test_the_list_refuses_bad_input(client_for: Callable[[str], Client], query: str) -> None:
    assert client_for("coordinator").get(LIST + query).status_code == 400


def test_the_panel_refuses_bad_input(client_for: Callable[[str], Client]) -> None:
    client = client_for("coordinator")
    tomorrow = _today() + timedelta(days=1)
    assert client.get(f"{TRENDS}?day={tomorrow}").status_code == 400
    assert client.get(f"{TRENDS}?day=2026-02-30").status_code == 400
    assert client.get(f"{TRENDS}?day=2026-03-20").status_code == 200


def test_the_reference_day_is_a_parameter(
    world: World, client_for: Callable[[str], Client]
) -> None:
    steady(1, category=world.category)
    add(8, category=world.category)
    rollups.rebuild()
    client = client_for("leadership")
    html = client.get(f"{TRENDS}?day={REFERENCE}", HTTP_HX_REQUEST="true").content.decode()
    assert f'data-trend="category:{world.category.pk}"' in html
    assert _links(html) == [f"{LIST}?category={world.category.pk}&from=2026-03-14&to=2026-03-20"]


@pytest.mark.parametrize(
    ("period", "last_day", "reference"),
    [
        (Period(2024, month=2), date(2024, 2, 29), date(2024, 2, 29)),
        (Period(2025, quarter=4), date(2025, 12, 31), date(2025, 12, 31)),
        (Period(2026, month=4), date(2026, 4, 30), date(2026, 4, 30)),
        (Period(2026, month=5), date(2026, 5, 31), None),  # still running: this week
        (Period(2026), date(2026, 12, 31), None),
        (Period(2027, quarter=1), date(2027, 3, 31), None),  # not begun: this week
    ],
)
def test_a_period_that_is_over_is_seen_from_its_last_day(
    period: Period, last_day: date, reference: date | None
) -> None:
    assert period.last_day == last_day
    with frozen_at(_noon(date(2026, 5, 10))):
        assert trends.reference_for(period) == reference


def _panel_url(html: str) -> str:
    found = re.search(r'id="trends" hx-get="([^"]+)"', html)
    assert found
    return found.group(1).replace("&amp;", "&")


def test_the_panel_follows_the_dashboards_period(
    world: World, client_for: Callable[[str], Client]
) -> None:
    """A period that is over: the week ending on its last day, on the panel, its complaints
    and the way back; the current period or a later one: this week."""
    last_day = date(2026, 3, 31)
    steady(1, category=world.category, reference=last_day)
    add(8, category=world.category, reference=last_day)
    rollups.rebuild()
    client = client_for("leadership")
    client.cookies["aduan_language"] = "en"
    with frozen_at(_noon(date(2026, 5, 10))):
        dashboard = client.get("/staf/dasbor/?year=2026&month=3").content.decode()
        assert "in the week ending 31 Mar 2026, the last of the period" in dashboard
        panel = _panel_url(dashboard)
        assert panel == f"{TRENDS}?day=2026-03-31"
        html = client.get(panel, HTTP_HX_REQUEST="true").content.decode()
        assert f'data-trend="category:{world.category.pk}"' in html
        assert "Week ending 31 Mar 2026" in html and "This week" not in html
        links = _links(html)
        assert links == [f"{LIST}?category={world.category.pk}&from=2026-03-25&to=2026-03-31"]
        listed = client.get(links[0]).content.decode()
        assert listed.count("<tr data-row-link>") == 8
        assert f'<a href="{TRENDS}?day=2026-03-31">' in listed  # back to the same week
        for query in ("", "?year=2026&quarter=2", "?year=2027"):
            assert _panel_url(client.get(f"/staf/dasbor/{query}").content.decode()) == TRENDS
        this_week = client.get(TRENDS, HTTP_HX_REQUEST="true").content.decode()
        assert "data-trend=" not in this_week
        assert this_week.count("Nothing unusual this week.") == 2
        operator = client_for("operator").get("/staf/dasbor/?year=2026&quarter=1")
        agency = world.public_works.pk
        assert _panel_url(operator.content.decode()) == f"{TRENDS}?agency={agency}&day=2026-03-31"
