"""The years a person may ask figures for: from :data:`FIRST_YEAR` to next year (Asia/Jakarta).

One bound for every place that reads a year from a request (the staff dashboard filter, the
periodic reports, ``/statistik/`` and its charts, ``GET /api/v1/stats/summary``). Next year is
allowed so that a page can be opened at the turn of the year; later years have no complaints,
and letting anyone ask for them would only cost work (each distinct year is a new chart to
draw) or reach dates Python cannot represent.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aduan.core import clock
from aduan.core.calendar import local_date

FIRST_YEAR = 2000
# ``%(limit_value)s`` as Django's validators fill it in; also used with ``%`` directly.
YEAR_TOO_EARLY = _("Choose a year from %(limit_value)s onwards.")
YEAR_TOO_LATE = _("Choose a year up to %(limit_value)s.")


def max_year() -> int:
    """The last year anyone may ask for: next year in Asia/Jakarta."""
    return local_date(clock.now()).year + 1


def year_problem(year: int) -> str | None:
    """What is wrong with ``year`` in the current language, or None when it may be used."""
    if year < FIRST_YEAR:
        return str(YEAR_TOO_EARLY) % {"limit_value": FIRST_YEAR}
    last = max_year()
    if year > last:
        return str(YEAR_TOO_LATE) % {"limit_value": last}
    return None
