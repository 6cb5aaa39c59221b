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

import os
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.agencies.models import Category  # noqa: E402
from aduan.complaints import services  # noqa: E402
from aduan.complaints.models import Complaint  # noqa: E402
from aduan.core.calendar import local_date  # noqa: E402
from aduan.monitoring import direct, selectors  # noqa: E402
from aduan.monitoring.models import FollowerCursor  # noqa: E402
from aduan.monitoring.selectors import Period  # noqa: E402
from tests.bench import common  # noqa: E402


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
    parser = common.arguments(__doc__, repeat=20)
    parser.add_argument("--groupby-repeat", type=int, default=3)
    args = common.parse(parser, results="dashboards")

    total = common.loaded_complaints("`make bench-load`")
    if total is None:
        return 2
    if not FollowerCursor.objects.exists():
        print("the rollups are empty: run `aduan rollups rebuild` first")
        return 2
    year = busiest_year()
    period = Period(year)
    agency = common.busiest_lead_agency(Complaint.objects.all())
    print(f"{connection.vendor}: {total:,} complaints; year {year}; agency {agency}")

    results: list[dict[str, Any]] = []

    print(
        f"{'figures (in process)':52} {'median ms':>9} {'p95 ms':>8} "
        f"{'GROUP BY ms':>12} {'speedup':>8}"
    )
    for scope_name, scope in (
        ("province", None),
        (f"agency {agency.code if agency else '-'}", agency),
    ):
        fast, counted = common.timed(
            lambda scope=scope: selectors.counts(period, scope), args.repeat
        )
        slow, expected = common.timed(
            lambda scope=scope: direct.counts(period, scope), args.groupby_repeat
        )
        assert counted == expected, (scope_name, counted, expected)
        common.report(results, f"headline counts, {scope_name}", fast, slow)
        fast, _ = common.timed(lambda scope=scope: selectors.summary(period, scope), args.repeat)
        common.report(
            results, f"full summary (counts, deadlines, medians), {scope_name}", fast, None
        )
        for dim in ("channel", "category", "region"):
            fast, rows = common.timed(
                lambda dim=dim, scope=scope: selectors.breakdown(period, dim, scope), args.repeat
            )
            slow, expected_rows = common.timed(
                lambda dim=dim, scope=scope: direct.breakdown(period, dim, scope),
                args.groupby_repeat,
            )
            got = {
                r.value: {"received": r.counts["received"], "resolved": r.counts["resolved"]}
                for r in rows
            }
            assert got == expected_rows, (dim, scope_name)
            common.report(results, f"by {dim}, {scope_name}", fast, slow)
    fast, _ = common.timed(lambda: selectors.breakdown(period, "agency"), args.repeat)
    slow, _ = common.timed(lambda: direct.breakdown(period, "agency"), args.groupby_repeat)
    common.report(results, "by agency, province", fast, slow)
    fast, _ = common.timed(lambda: selectors.compliance_by_agency(period), args.repeat)
    slow, _ = common.timed(lambda: direct.compliance(period), args.groupby_repeat)
    common.report(results, "deadline compliance per agency", fast, slow)

    leader = common.staff_client(common.bench_user("bench-leader", Role.LEADERSHIP, None))
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
    with common.full_stack():
        floor = common.bare_median(args.repeat)
        print(f"\nbare Django view: median {floor:.2f} ms")
        print(f"{'page (full stack)':52} {'median ms':>9} {'p95 ms':>8} {'x bare':>7}")
        for name, client, url in pages:
            timings = sorted(common.measure(client, url, args.repeat))
            median, p95, ratio = common.page_figures(timings, floor)
            print(f"{name:52} {median:>9.2f} {p95:>8.2f} {ratio:>7.1f}")
            results.append(
                {
                    "case": name,
                    "median_ms": round(median, 2),
                    "p95_ms": round(p95, 2),
                    "ratio_to_bare": round(ratio, 1),
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

    common.write_json(
        args.json,
        complaints=total,
        year=year,
        bare_median_ms=round(floor, 2),
        results=results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
