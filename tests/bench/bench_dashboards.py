"""Dashboards and statistics on a loaded database: rollups side by side with plain GROUP BY.

Usage (see docs/benchmarks.md)::

    make bench        # runs bench_lists, then this, then the export benchmark

The database must hold the complaints (``make bench-load``, which also rebuilds the rollups).
Three kinds of figure, all in one run so the machine's noise hits them alike:

1. The headline figures and the breakdowns computed from the rollups
   (``aduan.monitoring.selectors``) and by plain GROUP BY over the complaints table
   (``aduan.monitoring.direct``), for the province and for the busiest agency, with a check that
   both give the same numbers.
2. Server time of the dashboard pages, ``/statistik/`` and ``GET /api/v1/stats/summary``
   through Django's full stack, next to a bare Django view.
3. Freshness: the time from a lifecycle change's commit until the summary shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.agencies.models import Agency, Category  # noqa: E402
from aduan.complaints import services  # noqa: E402
from aduan.complaints.models import Complaint  # noqa: E402
from aduan.core.calendar import local_date  # noqa: E402
from aduan.monitoring import direct, selectors  # noqa: E402
from aduan.monitoring.models import FollowerCursor  # noqa: E402
from aduan.monitoring.selectors import Period  # noqa: E402
from tests.bench.bench_lists import bench_user, measure, staff_client  # noqa: E402


def timed(function: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    result = function()  # warm up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings), result


def p95(timings: list[float]) -> float:
    return timings[max(0, round(0.95 * len(timings)) - 1)]


def busiest_year() -> int:
    row = (
        Complaint.objects.filter(submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    assert row is not None
    return local_date(row).year - 1  # the last complete year


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--groupby-repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("bench-results/dashboards.json"))
    args = parser.parse_args()

    total = Complaint.objects.order_by().count()
    if total < 1000:
        print(f"only {total} complaints: run `make bench-load` first")
        return 2
    if not FollowerCursor.objects.exists():
        print("the rollups are empty: run `aduan rollups rebuild` first")
        return 2
    year = busiest_year()
    period = Period(year)
    busiest = (
        Complaint.objects.filter(lead_agency__isnull=False)
        .values("lead_agency")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.get(pk=busiest["lead_agency"]) if busiest else None
    print(f"{connection.vendor}: {total:,} complaints; year {year}; agency {agency}")

    results: list[dict[str, Any]] = []

    def report(name: str, fast: list[float], slow: list[float] | None) -> None:
        median = statistics.median(fast)
        row: dict[str, Any] = {
            "case": name,
            "median_ms": round(median, 2),
            "p95_ms": round(p95(fast), 2),
        }
        line = f"{name:52} {median:>9.2f} {p95(fast):>8.2f}"
        if slow is not None:
            slow_median = statistics.median(slow)
            row["groupby_median_ms"] = round(slow_median, 2)
            row["speedup"] = round(slow_median / median, 1)
            line += f" {slow_median:>12.2f} {slow_median / median:>8.1f}"
        print(line)
        results.append(row)

    print(
        f"{'figures (in process)':52} {'median ms':>9} {'p95 ms':>8} "
        f"{'GROUP BY ms':>12} {'speedup':>8}"
    )
    for scope_name, scope in (
        ("province", None),
        (f"agency {agency.code if agency else '-'}", agency),
    ):
        fast, counted = timed(lambda scope=scope: selectors.counts(period, scope), args.repeat)
        slow, expected = timed(
            lambda scope=scope: direct.counts(period, scope), args.groupby_repeat
        )
        assert counted == expected, (scope_name, counted, expected)
        report(f"headline counts, {scope_name}", fast, slow)
        fast, _ = timed(lambda scope=scope: selectors.summary(period, scope), args.repeat)
        report(f"full summary (counts, deadlines, medians), {scope_name}", fast, None)
        for dim in ("channel", "category", "region"):
            fast, rows = timed(
                lambda dim=dim, scope=scope: selectors.breakdown(period, dim, scope), args.repeat
            )
            slow, expected_rows = timed(
                lambda dim=dim, scope=scope: direct.breakdown(period, dim, scope),
                args.groupby_repeat,
            )
            got = {
                r.value: {"received": r.counts["received"], "resolved": r.counts["resolved"]}
                for r in rows
            }
            assert got == expected_rows, (dim, scope_name)
            report(f"by {dim}, {scope_name}", fast, slow)
    fast, _ = timed(lambda: selectors.breakdown(period, "agency"), args.repeat)
    slow, _ = timed(lambda: direct.breakdown(period, "agency"), args.groupby_repeat)
    report("by agency, province", fast, slow)
    fast, _ = timed(lambda: selectors.compliance_by_agency(period), args.repeat)
    slow, _ = timed(lambda: direct.compliance(period), args.groupby_repeat)
    report("deadline compliance per agency", fast, slow)

    leader = staff_client(bench_user("bench-leader", Role.LEADERSHIP, None))
    pages: list[tuple[str, Client, str]] = []

    def add(name: str, client: Client, url_name: str, query: str, *args_: Any) -> None:
        try:
            pages.append((name, client, reverse(url_name, args=args_) + query))
        except NoReverseMatch:
            print(f"(no page {url_name}: skipped)")

    anonymous = Client()
    add("dashboard, province", leader, "monitoring:dashboard", f"?year={year}")
    if agency is not None:
        add(
            f"dashboard, agency {agency.code}",
            leader,
            "monitoring:dashboard",
            f"?year={year}&agency={agency.pk}",
        )
    add("leadership overview /staf/pimpinan/", leader, "backoffice:leadership", "")
    chart = reverse("monitoring:chart", kwargs={"name": "monthly", "fmt": "svg"})
    pages.append(
        ("dashboard chart (monthly, SVG; cached after the first)", leader, chart + f"?year={year}")
    )
    add("public statistics /statistik/", anonymous, "portal:statistics", f"?year={year}")
    add("GET /api/v1/stats/summary", anonymous, "api:stats_summary", f"?year={year}")
    with override_settings(ROOT_URLCONF="tests.bench.bench_lists", DEBUG=False):
        floor = statistics.median(measure(anonymous, "/bench-bare/", args.repeat))
        print(f"\nbare Django view: median {floor:.2f} ms")
        print(f"{'page (full stack)':52} {'median ms':>9} {'p95 ms':>8} {'x bare':>7}")
        for name, client, url in pages:
            timings = sorted(measure(client, url, args.repeat))
            median = statistics.median(timings)
            print(f"{name:52} {median:>9.2f} {p95(timings):>8.2f} {median / floor:>7.1f}")
            results.append(
                {
                    "case": name,
                    "median_ms": round(median, 2),
                    "p95_ms": round(p95(timings), 2),
                    "ratio_to_bare": round(median / floor, 1),
                }
            )

    # Freshness: a complaint submitted through the service shows in the summary after commit.
    this_year = Period.current()
    before = selectors.counts(this_year)["received"]
    category = Category.objects.filter(default_agency__isnull=False).first()
    started = time.perf_counter()
    services.complaint_submit(
        actor=None,
        title="Uji kesegaran dasbor",
        description="Laporan uji untuk mengukur berapa lama dasbor menampilkan perubahan.",
        category=category,
        reporter_name="Bench",
        reporter_phone="081200000000",
    )
    while selectors.counts(this_year)["received"] == before:
        if time.perf_counter() - started > 10:
            print("freshness: not visible after 10 s")
            return 1
        time.sleep(0.01)
    fresh_ms = (time.perf_counter() - started) * 1000
    print(f"\nfreshness: submit → visible in the summary in {fresh_ms:.0f} ms (commit included)")
    results.append({"case": "freshness submit to summary", "median_ms": round(fresh_ms, 1)})

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "vendor": connection.vendor,
                "complaints": total,
                "year": year,
                "bare_median_ms": round(floor, 2),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
