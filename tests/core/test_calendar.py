"""The working-day calendar: national holidays, cuti bersama, overrides, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aduan.core import calendar
from aduan.core.calendar import (
    JAKARTA,
    add_working_days,
    add_working_days_to_date,
    invalidate_overrides,
    is_working_day,
    working_days_between,
)
from aduan.core.models import CalendarOverride

pytestmark = pytest.mark.django_db

# The holidays package knows cuti bersama only for years already decreed, so the properties
# stay within years it covers.
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
counts = st.integers(min_value=0, max_value=40)
# The db fixture is function-scoped, but these tests only read, so sharing it across
# generated examples is safe.
property_settings = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=150
)


def test_nyepi_idul_fitri_and_cuti_bersama_are_skipped() -> None:
    # 18 Mar cuti bersama Nyepi, 19 Nyepi, 20 and 23-24 cuti bersama Idul Fitri, 21-22 weekend.
    assert add_working_days_to_date(date(2026, 3, 17), 5) == date(2026, 3, 31)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, date(2026, 12, 18)),
        (1, date(2026, 12, 21)),
        (3, date(2026, 12, 23)),
        (5, date(2026, 12, 29)),
    ],
)
def test_christmas_and_its_cuti_bersama_are_skipped(days: int, expected: date) -> None:
    assert add_working_days_to_date(date(2026, 12, 18), days) == expected


def test_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 3, 19))  # Nyepi
    assert not is_working_day(date(2026, 12, 24))  # cuti bersama Natal
    assert not is_working_day(date(2026, 12, 26))  # Saturday
    assert is_working_day(date(2026, 12, 23))


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days_to_date(date(2026, 1, 5), -1)


def test_deadline_is_end_of_the_day_in_jakarta() -> None:
    start = datetime(2026, 3, 17, 9, 0, tzinfo=JAKARTA)
    deadline = add_working_days(start, 5)
    assert deadline == datetime.combine(date(2026, 3, 31), time.max, tzinfo=JAKARTA)
    assert deadline.utcoffset() == timedelta(hours=7)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 31, 16, 59, 59, 999999, tzinfo=UTC)


def test_start_day_is_taken_in_jakarta_not_utc() -> None:
    # 18:00 UTC on Friday 18 Dec is already Saturday 19 Dec in Jakarta.
    start = datetime(2026, 12, 18, 18, 0, tzinfo=UTC)
    assert add_working_days(start, 1).date() == date(2026, 12, 21)
    # 16:00 UTC is 23:00 Friday in Jakarta: still counts from Friday.
    assert add_working_days(datetime(2026, 12, 18, 16, 0, tzinfo=UTC), 3).date() == date(
        2026, 12, 23
    )


def test_override_holiday_shifts_the_deadline() -> None:
    assert add_working_days_to_date(date(2026, 12, 18), 3) == date(2026, 12, 23)
    CalendarOverride.objects.create(date=date(2026, 12, 22), name="Pilkada", is_holiday=True)
    assert add_working_days_to_date(date(2026, 12, 18), 3) == date(2026, 12, 28)


def test_override_is_cached_until_invalidated() -> None:
    assert is_working_day(date(2026, 12, 22))
    # bulk_create sends no post_save, so the cached map stays stale until invalidated.
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2026, 12, 22), name="Pilkada", is_holiday=True)]
    )
    assert is_working_day(date(2026, 12, 22))
    invalidate_overrides()
    assert not is_working_day(date(2026, 12, 22))


def test_saving_and_deleting_an_override_invalidates_the_cache() -> None:
    assert is_working_day(date(2026, 12, 22))
    override = CalendarOverride.objects.create(date=date(2026, 12, 22), name="Pilkada")
    assert not is_working_day(date(2026, 12, 22))
    override.is_holiday = False
    override.save()
    assert is_working_day(date(2026, 12, 22))
    override.delete()
    assert is_working_day(date(2026, 12, 22))
    CalendarOverride.objects.create(date=date(2026, 12, 22), name="Pilkada")
    assert not is_working_day(date(2026, 12, 22))


def test_override_can_make_a_holiday_a_working_day() -> None:
    assert not is_working_day(date(2026, 12, 24))
    CalendarOverride.objects.create(
        date=date(2026, 12, 24), name="Cuti bersama dibatalkan", is_holiday=False
    )
    assert is_working_day(date(2026, 12, 24))
    assert add_working_days_to_date(date(2026, 12, 18), 4) == date(2026, 12, 24)


def test_overrides_expire_after_their_time_to_live(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other processes learn of an edit only when their cached map expires.
    assert is_working_day(date(2026, 12, 22))
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2026, 12, 22), name="Pilkada")]
    )
    assert is_working_day(date(2026, 12, 22))
    expired = calendar._overrides_loaded_at - calendar._OVERRIDE_TTL_SECONDS - 1
    monkeypatch.setattr(calendar, "_overrides_loaded_at", expired)
    assert not is_working_day(date(2026, 12, 22))


def test_working_days_between() -> None:
    assert working_days_between(date(2026, 3, 17), date(2026, 3, 31)) == 5
    assert working_days_between(date(2026, 3, 31), date(2026, 3, 17)) == 0
    assert working_days_between(date(2026, 3, 17), date(2026, 3, 17)) == 0


@property_settings
@given(start=dates, days=st.integers(min_value=1, max_value=40))
def test_result_is_a_working_day(start: date, days: int) -> None:
    result = add_working_days_to_date(start, days)
    assert is_working_day(result)
    assert result > start


@property_settings
@given(start=dates, later=st.integers(min_value=0, max_value=30), days=counts)
def test_monotone_in_start_date(start: date, later: int, days: int) -> None:
    assert add_working_days_to_date(start, days) <= add_working_days_to_date(
        start + timedelta(days=later), days
    )


@property_settings
@given(start=dates, days=counts, more=st.integers(min_value=1, max_value=10))
def test_strictly_monotone_in_days(start: date, days: int, more: int) -> None:
    assert add_working_days_to_date(start, days) < add_working_days_to_date(start, days + more)


@property_settings
@given(start=dates, days=counts)
def test_working_days_between_inverts_add(start: date, days: int) -> None:
    assert working_days_between(start, add_working_days_to_date(start, days)) == days
