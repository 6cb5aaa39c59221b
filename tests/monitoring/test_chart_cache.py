"""One content-hash cache for drawn charts, shared by the staff dashboard's chart images and the
public /statistik/ charts: the same figures are drawn once, new figures at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from aduan.complaints.models import Channel
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring import chart_cache, charts, rollups
from aduan.monitoring.charts import BAR, Chart
from aduan.portal import statistics
from aduan.portal.statistics import Period
from tests.world import World, make, staff_login, submit

STAFF = "/staf/dasbor/grafik/"
PUBLIC = "/statistik/grafik/"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (title, format) of every chart matplotlib is asked to draw."""
    calls: list[tuple[str, str]] = []
    real = charts.render

    def counting(chart: Chart, fmt: str = "svg", **kwargs: Any) -> bytes:
        calls.append((chart.title, fmt))
        return real(chart, fmt, **kwargs)

    monkeypatch.setattr(charts, "render", counting)
    return calls


def _chart(**changes: Any) -> Chart:
    fields: dict[str, Any] = {
        "kind": BAR,
        "title": "Received",
        "labels": ["Jan", "Feb"],
        "series": {"Received": [1.0, 2.0], "Resolved": [0.0, 1.0]},
        "reference": {"Target": [2.0, None]},
    }
    fields.update(changes)
    return Chart(**fields)


# --- the shared function -------------------------------------------------------------------


def test_the_same_chart_is_drawn_once_per_format_and_language(
    db: Any, drawn: list[tuple[str, str]]
) -> None:
    with translation.override("en"):
        svg = chart_cache.render_cached(_chart(), "svg")
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        assert chart_cache.render_cached(_chart(), "svg") == svg
        assert len(drawn) == 1
        png = chart_cache.render_cached(_chart(), "png")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(drawn) == 2
    with translation.override("id"):
        chart_cache.render_cached(_chart(), "svg")
    assert len(drawn) == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"series": {"Received": [1.0, 3.0], "Resolved": [0.0, 1.0]}},  # a new figure
        {"series": {"Resolved": [0.0, 1.0], "Received": [1.0, 2.0]}},  # other colours
        {"series": {"Received": [1.0, 2.0], "Resolved": [0.0, None]}},
        {"labels": ["Jan", "Mar"]},
        {"title": "Diterima"},
        {"reference": {}},
        {"reference": {"Target": [2.0, 3.0]}},
        {"ylabel": "Complaints"},
        {"percent": True},
        {"kind": charts.LINE},
    ],
)
def test_any_change_to_the_chart_is_a_new_key(db: Any, changes: dict[str, Any]) -> None:
    assert chart_cache.cache_key(_chart(**changes), "svg") != chart_cache.cache_key(_chart(), "svg")
    assert chart_cache.cache_key(_chart(), "svg") == chart_cache.cache_key(_chart(), "svg")
    assert chart_cache.cache_key(_chart(), "svg") != chart_cache.cache_key(_chart(), "png")


def test_an_unknown_format_is_refused_before_the_cache(db: Any) -> None:
    with pytest.raises(ValueError):
        chart_cache.render_cached(_chart(), "pdf")


def test_the_statistics_page_keeps_no_cache_of_its_own() -> None:
    assert not hasattr(statistics, "chart_bytes")
    assert not hasattr(statistics, "CHART_CACHE_SECONDS")


# --- the staff dashboard's chart images ----------------------------------------------------


@pytest.fixture
def leadership(world: World) -> Client:
    client = Client()
    staff_login(client, world.leadership)
    return client


def test_staff_charts_are_drawn_once_for_the_same_figures(
    world: World, leadership: Client, drawn: list[tuple[str, str]]
) -> None:
    make(world, "in_progress")
    submit(world, channel=Channel.WHATSAPP)
    rollups.catch_up()
    first = leadership.get(f"{STAFF}channel.svg")
    assert first.status_code == 200 and b"<svg" in first.content[:2000]
    assert len(drawn) == 1
    again = leadership.get(f"{STAFF}channel.svg")
    assert again.content == first.content
    assert len(drawn) == 1  # from the cache
    # The response itself is still never cached by the browser.
    assert "no-store" in again["Cache-Control"]
    assert leadership.get(f"{STAFF}channel.png").content.startswith(b"\x89PNG")
    assert len(drawn) == 2
    # New figures are a new chart at once.
    submit(world, channel=Channel.SMS)
    rollups.catch_up()
    changed = leadership.get(f"{STAFF}channel.svg")
    assert changed.status_code == 200 and changed.content != first.content
    assert len(drawn) == 3


def test_every_staff_chart_goes_through_the_cache(
    world: World, leadership: Client, drawn: list[tuple[str, str]]
) -> None:
    from aduan.monitoring.views import CHARTS

    make(world, "resolved")
    rollups.catch_up()
    for name in CHARTS:
        assert leadership.get(f"{STAFF}{name}.svg").status_code == 200, name
    count = len(drawn)
    assert count == len(CHARTS)
    for name in CHARTS:
        assert leadership.get(f"{STAFF}{name}.svg").status_code == 200, name
    assert len(drawn) == count


def test_public_charts_use_the_shared_cache(
    world: World, client: Client, drawn: list[tuple[str, str]]
) -> None:
    make(world, "in_progress")
    rollups.catch_up()
    year = local_date(clock.now()).year
    client.cookies["aduan_language"] = "en"
    response = client.get(f"{PUBLIC}kanal.svg", {"year": year})
    assert response.status_code == 200
    with translation.override("en"):
        chart = statistics.CHARTS["kanal"](Period(year))
        assert cache.get(chart_cache.cache_key(chart, "svg")) == response.content
    assert len(drawn) == 1
    assert client.get(f"{PUBLIC}kanal.svg", {"year": year}).content == response.content
    assert len(drawn) == 1


def test_staff_chart_for_an_agency_is_keyed_by_its_own_figures(
    world: World, drawn: list[tuple[str, str]], client_for_role: Callable[[str], Client]
) -> None:
    make(world, "in_progress")  # to DPU
    submit(world)  # not dispatched: counted for the province only
    rollups.catch_up()
    operator = client_for_role("operator")
    own = operator.get(f"{STAFF}monthly.svg")
    assert own.status_code == 200
    province = client_for_role("leadership").get(f"{STAFF}monthly.svg")
    assert province.status_code == 200
    assert own.content != province.content  # other figures: another chart
    assert len(drawn) == 2
    assert operator.get(f"{STAFF}monthly.svg").content == own.content
    assert len(drawn) == 2


@pytest.fixture
def client_for_role(world: World) -> Callable[[str], Client]:
    def make_client(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        return client

    return make_client
