"""GET /api/v1/stats/summary (issue 5): public figures from the rollups, no key, no sign-in,
no personal data, problem details in the caller's language, bounded queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aduan.complaints.models import Channel, Kind
from aduan.monitoring import selectors
from aduan.monitoring.periods import max_year
from aduan.monitoring.selectors import Period
from tests.portal.statistics_data import PRIVATE, assert_no_complaint_table, build, more
from tests.world import World, frozen_at

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/summary"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def get(client: Client, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return client.get(URL, params, headers=headers or {})


def test_figures_equal_the_selectors_without_any_key(world: World, client: Client) -> None:
    built = build(world)
    response = get(client, year=built.this_year)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    expected = selectors.summary(Period(built.this_year))
    assert data["year"] == built.this_year
    assert data["period"] == str(built.this_year)
    assert data["quarter"] is None and data["month"] is None and data["agency"] is None
    # Every complaint of the year is counted: confidential and supervisory ones included.
    assert data["received"] == len(built.complaints) == expected.received == 8
    assert data["resolved"] == expected.resolved == 2
    assert data["backlog"] == expected.backlog
    assert data["overdue"] == expected.overdue
    for name in (
        "resolved_percent",
        "verified_on_time_percent",
        "first_followup_on_time_percent",
        "resolved_on_time_percent",
        "reopen_percent",
        "average_rating",
        "satisfied_percent",
    ):
        assert data[name] == _round(getattr(expected, name)), name
    assert data["resolved_percent"] == 25.0
    assert data["average_rating"] == 5.0 and data["satisfied_percent"] == 100.0
    assert data["median_hours"] == {k: _round(v) for k, v in expected.medians.items()}
    assert data["median_hours"]["verify"] is not None
    assert data["active_officers"] == expected.active_officers > 0

    channels = {row["code"]: row for row in data["by_channel"]}
    assert channels[Channel.WHATSAPP] == {
        "code": "whatsapp",
        "label": "WhatsApp",
        "received": 1,
        "resolved": 1,
        "resolved_percent": 100.0,
    }
    assert sum(row["received"] for row in data["by_channel"]) == 8
    kinds = {row["code"]: row["received"] for row in data["by_kind"]}
    assert kinds == {Kind.COMPLAINT: 7, Kind.ASPIRATION: 1}
    regions = {row["code"]: (row["label"], row["received"]) for row in data["by_region"]}
    assert regions["13.71"] == ("Kota Padang", 1)
    assert regions[None][1] == 7
    agencies = {
        row["code"]: (row["label"], row["received"], row["resolved"]) for row in data["by_agency"]
    }
    assert agencies["DPU"] == ("Dinas Pekerjaan Umum", 5, 2)
    assert agencies["INSP"] == ("Inspektorat", 1, 0)
    assert agencies[None][1] == 2  # submitted and archived: never dispatched
    categories = {row["code"]: row["received"] for row in data["by_category"]}
    assert categories == {"jalan": 8}
    assert data["target"] == _target(built.this_year)


def _target(year: int) -> dict[str, Any] | None:
    target = selectors.target_for(year)
    if target is None:
        return None
    return {
        "complaints": target.complaints,
        "resolved_percent": float(target.resolved_percent),
        "is_baseline": target.is_baseline,
    }


def test_an_invalid_or_revoked_key_is_ignored_and_caching_is_short(
    world: World, client: Client
) -> None:
    build(world)
    response = get(client, headers={"X-API-Key": "adn_nonsense", "Authorization": "Bearer x"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=5"
    assert "Accept-Language" in response["Vary"]
    assert response.json()["year"] == Period.current().year  # no ?year=: this year


def test_year_quarter_month_and_agency_filters(world: World, client: Client) -> None:
    built = build(world)
    last = get(client, year=built.last_year).json()
    assert last["received"] == 2 == selectors.summary(Period(built.last_year)).received
    assert {row["code"]: row["received"] for row in last["by_channel"]} == {"web": 1, "sms": 1}
    assert last["target"] == _target(built.last_year)

    quarter = get(client, year=built.last_year, quarter=2).json()
    assert quarter["period"] == f"{built.last_year} Q2" and quarter["received"] == 2
    assert get(client, year=built.last_year, quarter=1).json()["received"] == 0
    month = get(client, year=built.last_year, month=6).json()
    assert month["period"] == f"{built.last_year}-06" and month["received"] == 2
    assert month["month"] == 6

    dpu = get(client, year=built.this_year, agency="DPU").json()
    expected = selectors.summary(Period(built.this_year), world.public_works)
    assert dpu["agency"] == "DPU"
    assert dpu["received"] == expected.received == 5
    assert dpu["resolved"] == expected.resolved == 2
    assert dpu["target"] is None  # targets are province-wide
    assert dpu["by_agency"] == []
    assert sum(row["received"] for row in dpu["by_channel"]) == 5


AFTER_MAX_YEAR = "after-max-year"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abcd"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": "10000"}, "year"),
        ({"year": "9999"}, "year"),
        ({"year": AFTER_MAX_YEAR}, "year"),
        ({"year": "2024", "quarter": "5"}, "quarter"),
        ({"year": "2024", "month": "13"}, "month"),
        ({"year": "2024", "quarter": "1", "month": "2"}, "month"),
        ({"agency": "NOPE"}, "agency"),
        ({"agency": "DPU\x00"}, "agency"),
    ],
)
def test_invalid_input_is_a_problem_in_the_callers_language(
    world: World, client: Client, params: dict[str, str], field: str
) -> None:
    if params.get("year") == AFTER_MAX_YEAR:  # worked out now, not when tests are collected
        params = {**params, "year": str(max_year() + 1)}
    response = get(client, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["code"] == "invalid" and problem["status"] == 400
    assert field in problem["errors"]
    with translation.override("id"):
        assert problem["detail"] == translation.gettext("Some fields are missing or not valid.")
    assert problem["detail"] == "Beberapa isian belum diisi atau tidak valid."
    assert response["Content-Language"] == "id"

    english = get(client, headers={"Accept-Language": "en"}, **params)
    assert english.status_code == 400
    assert json.loads(english.content)["detail"] == "Some fields are missing or not valid."
    assert english["Content-Language"] == "en"


def test_field_messages_follow_the_language(world: World, client: Client) -> None:
    indonesian = json.loads(get(client, year="1999").content)
    assert indonesian["errors"]["year"] == ["Isi bidang ini harus lebih atau sama dengan 2000."]
    english = json.loads(get(client, headers={"Accept-Language": "en"}, year="1999").content)
    assert english["errors"]["year"] == ["Ensure this value is greater than or equal to 2000."]


def test_the_year_is_capped_at_next_year_in_jakarta(world: World, client: Client) -> None:
    last = max_year()
    assert get(client, year=last).status_code == 200
    too_late = json.loads(get(client, headers={"Accept-Language": "en"}, year=last + 1).content)
    assert too_late["errors"]["year"] == [f"Ensure this value is less than or equal to {last}."]
    indonesian = json.loads(get(client, year=last + 1).content)
    assert indonesian["errors"]["year"] == [f"Isi bidang ini harus kurang atau sama dengan {last}."]
    # 31 December 2030, 18:00 UTC is 1 January 2031 in Jakarta: 2032 may be asked for.
    with frozen_at(datetime(2030, 12, 31, 18, 0, tzinfo=UTC)):
        assert get(client, year=2032).status_code == 200
        assert get(client, year=2033).status_code == 400


def test_the_schema_states_the_year_bounds(world: World, client: Client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/stats/summary"]["get"]["parameters"]
    year = next(p for p in parameters if p["name"] == "year")
    assert year["schema"]["minimum"] == 2000
    assert year["schema"]["maximum"] == max_year()


def test_no_personal_data_or_complaint_text(world: World, client: Client) -> None:
    built = build(world)
    for params in ({"year": built.this_year}, {"year": built.this_year, "agency": "INSP"}):
        body = get(client, **params).content.decode()
        for text in PRIVATE:
            assert text not in body, text
        for complaint in built.complaints:
            assert complaint.tracking_id not in body


def test_query_count_does_not_grow_with_complaints(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    built = build(world)
    with CaptureQueriesContext(connection) as few:
        assert get(client, year=built.this_year).status_code == 200
    assert_no_complaint_table(few)
    more(world, 6)
    with (
        CaptureQueriesContext(connection) as again,
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        data = get(client, year=built.this_year).json()
    assert_no_complaint_table(again)
    with CaptureQueriesContext(connection) as agency:
        assert get(client, year=built.this_year, agency="DPU").status_code == 200
    assert_no_complaint_table(agency)
    assert data["received"] == 8 + 6 + 3
    assert {row["code"] for row in data["by_agency"]} >= {"DPU", "DISDIK", "INSP"}
    assert len(few.captured_queries) <= 15
