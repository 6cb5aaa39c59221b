"""Working days: Monday to Friday in Asia/Jakarta minus national holidays and cuti bersama
(``holidays``, categories public and government) and the admin's CalendarOverride rows.

A deadline of N working days is the end of the Nth working day after the start day.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

JAKARTA = ZoneInfo("Asia/Jakarta")
_OVERRIDE_TTL_SECONDS = 300.0

_lock = threading.Lock()
_overrides: dict[date, bool] | None = None
_overrides_loaded_at = 0.0


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(calendar.keys())


def _override_map() -> dict[date, bool]:
    global _overrides, _overrides_loaded_at
    now = time.monotonic()
    with _lock:
        if _overrides is None or now - _overrides_loaded_at > _OVERRIDE_TTL_SECONDS:
            from aduan.core.models import CalendarOverride

            _overrides = dict(CalendarOverride.objects.values_list("date", "is_holiday"))
            _overrides_loaded_at = now
        return _overrides


def invalidate_overrides() -> None:
    """Forget cached overrides (called when an administrator edits them)."""
    global _overrides
    with _lock:
        _overrides = None


def is_working_day(day: date) -> bool:
    override = _override_map().get(day)
    if override is not None:
        return not override
    return day.weekday() < 5 and day not in _national_holidays(day.year)


def local_date(moment: datetime) -> date:
    return moment.astimezone(JAKARTA).date()


def end_of_day(day: date) -> datetime:
    """The last microsecond of ``day`` in Asia/Jakarta."""
    return datetime.combine(day, datetime.max.time(), tzinfo=JAKARTA)


def add_working_days_to_date(start: date, days: int) -> date:
    """The Nth working day after ``start`` (``start`` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def add_working_days(start: datetime, days: int) -> datetime:
    """Deadline ``days`` working days after the moment ``start``: the end of that day."""
    return end_of_day(add_working_days_to_date(local_date(start), days))


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in (start, end]; 0 when end is not after start."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
