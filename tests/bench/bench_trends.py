"""Emerging issues on a loaded database: the daily counts side by side with plain GROUP BY.

Usage (see docs/benchmarks.md)::

    make bench        # runs the other benchmarks, then this
    DATABASE_URL=postgres://… python -m tests.bench.bench_trends [--day 2026-11-29]

The database must hold the complaints and the rollups (``make bench-load``, or ``aduan rollups
rebuild`` after loading). "This week" is the 7 days ending on ``--day``, by default the last day
with complaints (generated data may end before today). Measured, in one run:

1. The weekly counts by category and by place (``trends.counts``, from ``DailyCount``) next to
   the same counts by GROUP BY over the complaints (``trends.counts_direct``), for the province
   and for the busiest agency, with a check that both agree.
2. ``trends.emerging`` as the panel calls it (counts, test, labels and links).
3. Server time of the panel (``/staf/dasbor/tren/``, as htmx asks for it) and of the first page
   of the complaints behind the top trend, through Django's full stack.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import DatabaseError, connection  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.complaints.models import Complaint  # noqa: E402
from aduan.core.calendar import local_date  # noqa: E402
from aduan.monitoring import trends  # noqa: E402
from aduan.monitoring.models import DailyCount  # noqa: E402
from tests.bench import common  # noqa: E402


def last_day() -> date:
    moment = Complaint.objects.order_by("-submitted_at").values_list("submitted_at", flat=True)[:1]
    return local_date(moment[0])


def main() -> int:
    parser = common.arguments(__doc__, repeat=30)
    parser.add_argument("--groupby-repeat", type=int, default=5)
    parser.add_argument("--day", type=date.fromisoformat, default=None)
    args = common.parse(parser, results="trends")

    total = common.loaded_complaints("`make bench-load`")
    if total is None:
        return 2
    try:
        filled = DailyCount.objects.exists()
    except DatabaseError:  # the migration adding them is not applied yet
        filled = False
    if not filled:
        # Skipped, not failed, so `make bench` goes on to the other benchmarks.
        print("trends skipped: no daily counts; run `aduan migrate` and `aduan rollups rebuild`")
        return 0
    day = args.day or last_day()
    config = trends.TrendSettings.from_settings()
    window = trends.Window(day, config.weeks)
    in_window = Complaint.objects.filter(
        submitted_at__gte=window.start_of(config.weeks), submitted_at__lt=window.end
    ).count()
    agency = common.busiest_lead_agency(
        Complaint.objects.filter(submitted_at__gte=window.start_of(config.weeks))
    )
    print(
        f"{connection.vendor}: {total:,} complaints; week ending {day}, {config.weeks} weeks of "
        f"history ({in_window:,} complaints in the {config.weeks + 1} weeks); agency {agency}"
    )

    results: list[dict[str, Any]] = []

    print(f"{'in process':52} {'median ms':>9} {'p95 ms':>8} {'GROUP BY ms':>12} {'speedup':>8}")
    scopes = [("province", None)]
    if agency is not None:
        scopes.append((f"agency {agency.code}", agency))
    found: dict[str, list[trends.Trend]] = {}
    for scope_name, scope in scopes:
        for kind in trends.KINDS:
            fast, counted = common.timed(
                lambda kind=kind, scope=scope: trends.counts(window, scope, kind), args.repeat
            )
            slow, expected = common.timed(
                lambda kind=kind, scope=scope: trends.counts_direct(window, scope, kind),
                args.groupby_repeat,
            )
            assert counted == expected, (scope_name, kind)
            common.report(results, f"weekly counts by {kind}, {scope_name}", fast, slow)
        fast, result = common.timed(
            lambda scope=scope: trends.emerging(agency=scope, reference=day), args.repeat
        )
        common.report(results, f"emerging issues (whole panel), {scope_name}", fast)
        if scope is None:
            found = result
        print(
            "   flagged: "
            + "; ".join(
                f"{t.label} {t.count} vs {t.mean:.1f}/week"
                for kind in trends.KINDS
                for t in result[kind][:3]
            )
        )

    leader = common.staff_client(common.bench_user("bench-leader", Role.LEADERSHIP, None))
    pages = [("panel /staf/dasbor/tren/ (htmx), province", f"/staf/dasbor/tren/?day={day}")]
    if agency is not None:
        pages.append(
            (
                f"panel /staf/dasbor/tren/ (htmx), agency {agency.code}",
                f"/staf/dasbor/tren/?day={day}&agency={agency.pk}",
            )
        )
    top = next((t for kind in trends.KINDS for t in found.get(kind, [])), None)
    if top is not None:
        pages.append(("complaints behind the top trend, first page", top.url))
    leader.defaults["HTTP_HX_REQUEST"] = "true"
    print(f"\n{'page (full stack)':52} {'median ms':>9} {'p95 ms':>8}")
    for name, url in pages:
        timings = sorted(common.measure(leader, url, args.repeat))
        common.report(results, name, timings)

    common.write_json(
        args.json,
        complaints=total,
        week_ending=day.isoformat(),
        complaints_in_window=in_window,
        results=results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
