"""Staff dashboards (/staf/dasbor/): who sees what, figures equal to the selectors, filters,
charts as SVG/PNG, the action-plan targets form, and a query count that does not grow."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aduan.complaints import services
from aduan.complaints.models import Channel
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.errors import PermissionDenied
from aduan.core.models import AuditEvent
from aduan.monitoring import presenters, rollups, selectors
from aduan.monitoring.models import Target
from aduan.monitoring.selectors import Period
from aduan.monitoring.services import TargetValues, targets_set
from aduan.monitoring.views import CHARTS
from tests.world import STATES, World, frozen_at, make, staff_login, submit

URL = "/staf/dasbor/"
JAKARTA = ZoneInfo("Asia/Jakarta")
PROVINCE_ROLES = ("leadership", "coordinator", "monitor", "admin")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """A client signed in as a world user, past the two-factor step."""

    def make_client(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        return client

    return make_client


@pytest.fixture
def data(world: World) -> World:
    """One complaint in every state (lead agency DPU), two more elsewhere, then the rollups."""
    for state in STATES:
        make(world, state)
    submit(world, channel=Channel.WHATSAPP)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.health
    )
    rollups.catch_up()
    return world


def _year() -> int:
    return local_date(clock.now()).year


def _stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}"><span class="stat-value">([^<]*)</span>', html)
    assert match, name
    return match.group(1)


def _page(client: Client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", PROVINCE_ROLES)
def test_province_roles_see_the_province_and_any_agency(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    client = client_for(role)
    html = _page(client)
    assert 'name="agency"' in html
    assert "Seluruh provinsi" in html or "Whole province" in html
    assert 'id="agencies-heading"' in html  # the province-only sections
    for agency in (world.health, world.public_works_unit, world.education):
        page = _page(client, f"?agency={agency.pk}")
        assert agency.name in page
    chart = client.get(f"{URL}grafik/monthly.svg?agency={world.health.pk}")
    assert chart.status_code == 200


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("operator", "public_works", "health"),
        ("liaison", "public_works", "education"),
        ("health_operator", "health", "public_works"),
        ("inspectorate", "inspectorate_agency", "public_works"),
    ],
)
def test_agency_staff_see_only_their_agency(
    world: World, client_for: Callable[[str], Client], role: str, own: str, other: str
) -> None:
    client = client_for(role)
    own_agency = getattr(world, own)
    other_agency = getattr(world, other)
    html = _page(client)
    assert f"{own_agency.name} ·" in html  # the default is their own agency, not the province
    assert 'id="agencies-heading"' not in html
    assert other_agency.name not in html
    assert client.get(f"{URL}?agency={other_agency.pk}").status_code == 403
    assert client.get(f"{URL}grafik/monthly.svg?agency={other_agency.pk}").status_code == 403
    assert client.get(f"{URL}grafik/monthly.png?agency={other_agency.pk}").status_code == 403
    assert client.get(f"{URL}?agency={own_agency.pk}").status_code == 200


def test_agency_staff_may_open_their_sub_units(
    world: World, client_for: Callable[[str], Client]
) -> None:
    operator = client_for("operator")
    html = _page(operator, f"?agency={world.public_works_unit.pk}")
    assert f"{world.public_works_unit.name} ·" in html
    unit_operator = client_for("unit_operator")
    assert f"{world.public_works_unit.name} ·" in _page(unit_operator)
    # A sub-unit's operator may not look up at the parent agency.
    assert unit_operator.get(f"{URL}?agency={world.public_works.pk}").status_code == 403


@pytest.mark.parametrize("path", ["", "target/", "grafik/monthly.svg"])
def test_reporters_are_refused_and_guests_sent_to_sign_in(
    world: World, client_for: Callable[[str], Client], path: str
) -> None:
    assert client_for("reporter").get(URL + path).status_code == 403
    response = Client().get(URL + path)
    assert response.status_code == 302
    assert "/akun/" in response["Location"]


def test_the_menu_links_to_the_dashboard(world: World, client_for: Callable[[str], Client]) -> None:
    html = _page(client_for("operator"), "")
    assert f'href="{URL}" aria-current="page"' in html
    home = client_for("monitor").get("/staf/").content.decode()
    assert f'href="{URL}"' in home


def test_the_page_and_the_charts_are_never_cached(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("leadership")
    for path in ("", "grafik/monthly.svg"):
        cache_control = client.get(URL + path)["Cache-Control"]
        assert "no-store" in cache_control and "max-age=0" in cache_control


# --- figures -------------------------------------------------------------------------------


def test_province_figures_equal_the_selectors(
    data: World, client_for: Callable[[str], Client]
) -> None:
    world = data
    period = Period(_year())
    html = _page(client_for("leadership"))
    summary = selectors.summary(period)
    assert summary.received == len(STATES) + 2
    with translation.override("id"):
        expected = {
            "received": presenters.number(summary.received),
            "resolved": presenters.percent(summary.resolved_percent),
            "resolved-on-time": presenters.percent(summary.resolved_on_time_percent),
            "verified-on-time": presenters.percent(summary.verified_on_time_percent),
            "first-followup-on-time": presenters.percent(summary.first_followup_on_time_percent),
            "backlog": presenters.number(summary.backlog),
            "overdue": presenters.number(summary.overdue),
            "reopened": presenters.percent(summary.reopen_percent),
            "rating": presenters.rating(summary.average_rating),
            "satisfied": presenters.percent(summary.satisfied_percent),
            "active-officers": presenters.number(summary.active_officers),
        }
        medians = [presenters.duration(summary.medians[s]) for s in ("verify", "followup")]
    for name, value in expected.items():
        assert _stat(html, name) == value, name
    assert _stat(html, "received") == "10"
    assert _stat(html, "backlog") == str(summary.backlog)
    assert summary.active_officers >= 2  # coordinator, operator, liaison acted
    for median in medians:
        assert median in html
    # Per lead agency: DPU first (7 dispatched... of which the states past dispatch), then DINKES.
    by_agency = selectors.breakdown(period, "agency")
    table = html[html.index('id="by-agency"') :]
    for row in by_agency:
        assert row.label in table
    assert table.index(by_agency[0].label) < table.index(by_agency[-1].label)
    assert f'agency={world.public_works.pk}">{world.public_works.name}</a>' in table
    # Compliance per agency, worst first, each linked to its own dashboard.
    scores = selectors.compliance_by_agency(period)
    assert scores
    compliance = html[html.index('id="agency-compliance"') :]
    positions = [compliance.index(f'data-agency="{row.agency.pk}"') for row in scores]
    assert positions == sorted(positions)
    # Targets next to the realisation, for every year the selector returns.
    yearly = html[html.index('id="yearly"') :]
    for row in selectors.yearly():
        assert f'<th scope="row">{row.year}' in yearly
    assert '<th scope="row">2022' in yearly  # a seeded action-plan year
    # Connectedness: DPU and DINKES have both roles; the others are listed as missing.
    connected = selectors.connectedness()
    assert {a.code for a in connected.connected} == {"DPU", "DINKES"}
    total = len(connected.connected) + len(connected.missing)
    assert re.search(rf"\b2\D+{total}\b", html[html.index('id="connectedness"') :][:200])
    missing = html[html.index('id="missing-agencies"') :]
    for agency in connected.missing:
        assert agency.name in missing


def test_agency_figures_equal_the_selectors(
    data: World, client_for: Callable[[str], Client]
) -> None:
    world = data
    period = Period(_year())
    html = _page(client_for("operator"))
    summary = selectors.summary(period, world.public_works)
    assert summary.received == 4  # dispatched, in progress, resolved, closed
    assert _stat(html, "received") == presenters.number(summary.received)
    with translation.override("id"):
        assert _stat(html, "resolved") == presenters.percent(summary.resolved_percent)
    health = _page(client_for("leadership"), f"?agency={world.health.pk}")
    assert _stat(health, "received") == str(selectors.summary(period, world.health).received)
    assert _stat(health, "received") == "1"
    assert 'id="by-agency"' not in html  # province-only tables
    assert 'id="year-target"' not in html


def test_region_table_and_breakdowns_come_from_the_rollups(
    data: World, client_for: Callable[[str], Client]
) -> None:
    period = Period(_year())
    html = _page(client_for("monitor"))
    regions = selectors.breakdown(period, "region")
    assert regions
    table = html[html.index('id="regions"') :]
    for row in regions:
        assert row.label in table
    channel = html[html.index('id="chart-channel"') :]
    for row in selectors.breakdown(period, "channel"):
        assert f'<th scope="row">{row.label}</th>' in channel
    assert "WhatsApp" in channel


def test_dashboards_carry_no_complaint_rows_or_personal_data(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaints = [make(world, state) for state in ("submitted", "in_progress", "resolved")]
    rollups.catch_up()
    for role in ("monitor", "leadership", "operator"):
        html = _page(client_for(role))
        for complaint in complaints:
            assert complaint.tracking_id not in html
            assert complaint.title not in html
        for personal in ("Rahmawati", "081234567890", world.reporter.email):
            assert personal not in html


def test_a_change_shows_on_the_next_request(
    world: World, client_for: Callable[[str], Client], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("coordinator")
    assert _stat(_page(client), "received") == "0"
    with django_capture_on_commit_callbacks(execute=True):
        submit(world)
    assert _stat(_page(client), "received") == "1"


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
def dated(world: World) -> World:
    """Complaints received in February and May 2025 (to DPU) and in May 2025 (to DINKES)."""
    for month, agency in ((2, world.public_works), (5, world.public_works), (5, world.health)):
        with frozen_at(datetime(2025, month, 10, 10, tzinfo=JAKARTA)):
            services.complaint_dispatch(
                actor=world.coordinator, complaint=submit(world), lead_agency=agency
            )
    rollups.catch_up()
    return world


@pytest.mark.parametrize(
    ("query", "received"),
    [
        ("?year=2025", 3),
        ("?year=2025&quarter=1", 1),
        ("?year=2025&quarter=2", 2),
        ("?year=2025&quarter=3", 0),
        ("?year=2025&month=2", 1),
        ("?year=2025&month=3", 0),
        ("?year=2025&month=5", 2),
        ("?year=2024", 0),
    ],
)
def test_period_filters(
    dated: World, client_for: Callable[[str], Client], query: str, received: int
) -> None:
    html = _page(client_for("leadership"), query)
    assert _stat(html, "received") == str(received)


def test_agency_filter_with_a_period(dated: World, client_for: Callable[[str], Client]) -> None:
    world = dated
    client = client_for("leadership")
    html = _page(client, f"?year=2025&quarter=2&agency={world.health.pk}")
    assert _stat(html, "received") == "1"
    assert f"{world.health.name} · " in html
    html = _page(client, f"?year=2025&agency={world.public_works.pk}")
    assert _stat(html, "received") == "2"
    period = Period(2025, month=5)
    assert selectors.summary(period, world.public_works).received == 1
    assert (
        _stat(_page(client, f"?year=2025&month=5&agency={world.public_works.pk}"), "received")
        == "1"
    )
    # The monthly chart covers the whole selected year, for the chosen agency.
    html = _page(client, f"?year=2025&quarter=1&agency={world.public_works.pk}")
    monthly = html[html.index('id="chart-monthly"') :]
    with translation.override("id"):
        labels = [presenters.month_label(m) for m in Period(2025).months()]
    expected = {labels[1]: "1", labels[4]: "1", labels[2]: "0", labels[11]: "0"}
    for label, received in expected.items():
        assert f'<th scope="row">{label}</th><td class="number">{received}</td>' in monthly
    chart = client.get(f"{URL}grafik/monthly.svg?year=2025&agency={world.public_works.pk}")
    assert chart.status_code == 200 and b"<svg" in chart.content[:2000]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?year=abc", "bilangan"),
        ("?year=1990", "2000"),
        (f"?year={2200}", "Pilih tahun paling lambat"),
        ("?quarter=5", "pilihan"),
        ("?month=13", "pilihan"),
        ("?year=2025&quarter=1&month=2", "Pilih triwulan atau bulan, jangan keduanya."),
        ("?agency=999999", "pilihan"),
        ("?agency=abc", "pilihan"),
    ],
)
def test_invalid_filters_are_explained(
    world: World, client_for: Callable[[str], Client], query: str, message: str
) -> None:
    client = client_for("leadership")
    response = client.get(URL + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message.lower() in html.lower()
    assert 'role="alert"' in html
    assert 'id="stat-received"' not in html
    chart = client.get(f"{URL}grafik/monthly.svg{query}")
    assert chart.status_code == 400
    assert chart["Content-Type"].startswith("text/plain")


def test_invalid_filter_for_agency_staff_is_explained_not_refused(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("operator").get(f"{URL}?agency=abc")
    assert response.status_code == 400


# --- charts --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_is_an_svg(data: World, client_for: Callable[[str], Client], name: str) -> None:
    response = client_for("leadership").get(f"{URL}grafik/{name}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content
    assert b"<svg" in body[:2000]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("name", ["monthly", "resolved-yearly", "compliance", "category"])
def test_charts_are_also_png_and_downloadable(
    data: World, client_for: Callable[[str], Client], name: str
) -> None:
    world = data
    client = client_for("leadership")
    response = client.get(f"{URL}grafik/{name}.png?year={_year()}&download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert response["Content-Disposition"] == (f'attachment; filename="aduan-{name}-{_year()}.png"')
    agency = client_for("operator").get(
        f"{URL}grafik/{name}.svg?agency={world.public_works_unit.pk}"
    )
    assert agency.status_code == 200 and b"<svg" in agency.content[:2000]


def test_unknown_charts_and_formats_are_not_found(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("leadership")
    assert client.get(f"{URL}grafik/pie.svg").status_code == 404
    assert client.get(f"{URL}grafik/monthly.pdf").status_code == 404


def test_each_chart_on_the_page_has_alt_text_a_table_and_downloads(
    data: World, client_for: Callable[[str], Client]
) -> None:
    html = _page(client_for("leadership"), f"?year={_year()}&quarter=4")
    for name in CHARTS:
        start = html.index(f'id="chart-{name}"')
        figure = html[start : html.index("</figure>", start)]
        query = f"year={_year()}&amp;quarter=4"
        assert f'src="{URL}grafik/{name}.svg?{query}"' in figure
        alt = re.search(r'alt="([^"]+)"', figure)
        assert alt and len(alt.group(1)) > 20
        assert f"{URL}grafik/{name}.svg?{query}&amp;download=1" in figure
        assert f"{URL}grafik/{name}.png?{query}&amp;download=1" in figure
        assert "<table" in figure
    assert "Unduh SVG" in html or "Download SVG" in html
    assert "monitoring/dashboard.css" in html


def test_the_page_renders_no_chart_itself(
    data: World, client_for: Callable[[str], Client], monkeypatch: Any
) -> None:
    from aduan.monitoring import charts

    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the page must not render charts")

    monkeypatch.setattr(charts, "render", refuse)
    _page(client_for("leadership"))


# --- query count ---------------------------------------------------------------------------


COMPLAINT_TABLES = ("complaints_complaint", "complaints_clock")


def _queries(client: Client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        _page(client, query)
    _assert_no_complaint_table(captured)
    return len(captured.captured_queries)


def _assert_no_complaint_table(captured: CaptureQueriesContext) -> None:
    """The figures come from the rollups: no query reads the complaints or their clocks (the
    session, user and membership queries do not either)."""
    assert captured.captured_queries
    for query in captured.captured_queries:
        sql = query["sql"].lower()
        for table in COMPLAINT_TABLES:
            assert table not in sql, sql


@pytest.mark.parametrize("role", ["leadership", "operator"])
def test_the_page_reads_a_bounded_number_of_queries(
    world: World,
    client_for: Callable[[str], Client],
    django_assert_max_num_queries: Any,
    role: str,
) -> None:
    client = client_for(role)
    make(world, "in_progress")
    rollups.catch_up()
    _page(client)  # the first request also stores the session
    before = _queries(client)
    for state in STATES * 2:
        make(world, state)
    submit(world, channel=Channel.SMS)
    rollups.catch_up()
    with django_assert_max_num_queries(32):
        _page(client)
    assert _queries(client) == before  # the same queries for 1 or 18 complaints


@pytest.mark.parametrize("role", ["leadership", "operator"])
def test_the_charts_read_no_complaint_table(
    data: World, client_for: Callable[[str], Client], role: str
) -> None:
    client = client_for(role)
    _page(client)  # the first request also stores the session
    for name in CHARTS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{URL}grafik/{name}.svg")
        assert response.status_code == 200, name
        _assert_no_complaint_table(captured)


# --- targets -------------------------------------------------------------------------------


def _target_post(
    rows: list[tuple[int | str, int | str, str]], extra: tuple[Any, ...] = ()
) -> dict[str, str]:
    """The targets formset as the browser posts it: existing years first, then the new row."""
    data = {
        "form-TOTAL_FORMS": str(len(rows) + 1),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, (year_, complaints, percent) in enumerate(rows):
        data[f"form-{index}-year"] = str(year_)
        data[f"form-{index}-complaints"] = str(complaints)
        data[f"form-{index}-resolved_percent"] = percent
    new = len(rows)
    year, complaints, percent = extra or ("", "", "")
    data[f"form-{new}-year"] = str(year)
    data[f"form-{new}-complaints"] = str(complaints)
    data[f"form-{new}-resolved_percent"] = percent
    return data


def _current_rows() -> list[tuple[int | str, int | str, str]]:
    return [
        (t.year, t.complaints, str(t.resolved_percent).replace(".", ","))
        for t in Target.objects.order_by("year")
    ]


def test_targets_page_changes_a_year_with_an_audit_event(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("leadership")
    page = client.get(URL + "target/")
    assert page.status_code == 200
    rows = _current_rows()
    assert [r[0] for r in rows] == [2020, 2021, 2022, 2023, 2024]
    rows[2] = (2022, 75, "98,5")
    response = client.post(URL + "target/", _target_post(rows))
    assert response.status_code == 302
    target = Target.objects.get(year=2022)
    assert (target.complaints, target.resolved_percent) == (75, Decimal("98.50"))
    events = list(AuditEvent.objects.filter(action="target.changed"))
    assert len(events) == 1
    assert events[0].actor_id == world.leadership.pk
    assert events[0].data == {
        "year": 2022,
        "before": {"complaints": 70, "resolved_percent": "99.00"},
        "after": {"complaints": 75, "resolved_percent": "98.50"},
    }
    # The same form again changes nothing and records nothing.
    assert client.post(URL + "target/", _target_post(_current_rows())).status_code == 302
    assert AuditEvent.objects.filter(action="target.changed").count() == 1
    # The dashboard shows the new target next to the realisation.
    html = _page(client, "?year=2022")
    assert "75" in html[html.index('id="yearly"') :]


def test_targets_page_adds_a_year(world: World, client_for: Callable[[str], Client]) -> None:
    client = client_for("admin")
    response = client.post(URL + "target/", _target_post(_current_rows(), (2025, 90, "100")))
    assert response.status_code == 302
    assert Target.objects.get(year=2025).complaints == 90
    event = AuditEvent.objects.get(action="target.changed")
    assert event.data["before"] is None and event.data["after"]["complaints"] == 90


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows.__setitem__(0, (2020, 50, "150")), "Persentase harus antara 0 dan 100."),
        (lambda rows: rows.__setitem__(0, (2020, -1, "99")), "tidak boleh negatif"),
        (lambda rows: rows.__setitem__(0, (2020, "banyak", "99")), "bilangan"),
    ],
)
def test_targets_page_explains_invalid_values(
    world: World, client_for: Callable[[str], Client], change: Any, message: str
) -> None:
    client = client_for("leadership")
    rows = _current_rows()
    change(rows)
    response = client.post(URL + "target/", _target_post(rows))
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert Target.objects.get(year=2020).complaints == 50
    assert not AuditEvent.objects.filter(action="target.changed").exists()


def test_targets_page_refuses_a_second_row_for_a_year(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("leadership").post(
        URL + "target/", _target_post(_current_rows(), (2021, 10, "10"))
    )
    assert response.status_code == 400
    assert "Target untuk tahun 2021 sudah ada" in response.content.decode()
    assert Target.objects.get(year=2021).complaints == 60


@pytest.mark.parametrize("role", ["coordinator", "monitor", "operator", "inspectorate"])
def test_only_admins_and_leadership_edit_targets(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    client = client_for(role)
    assert client.get(URL + "target/").status_code == 403
    response = client.post(URL + "target/", _target_post(_current_rows(), (2026, 1, "1")))
    assert response.status_code == 403
    assert not Target.objects.filter(year=2026).exists()
    assert "target/" not in _page(client)


def test_the_target_service_checks_the_actor_and_the_values(world: World) -> None:
    with pytest.raises(PermissionDenied):
        targets_set(
            actor=world.coordinator,
            values=[TargetValues(year=2025, complaints=1, resolved_percent=Decimal(1))],
        )
    from aduan.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        targets_set(
            actor=world.admin,
            values=[TargetValues(year=2025, complaints=1, resolved_percent=Decimal(101))],
        )
    with pytest.raises(InvalidInput):
        targets_set(
            actor=world.admin,
            values=[
                TargetValues(year=2025, complaints=1, resolved_percent=Decimal(1)),
                TargetValues(year=2025, complaints=2, resolved_percent=Decimal(1)),
            ],
        )
    assert not Target.objects.filter(year=2025).exists()
