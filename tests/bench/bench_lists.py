"""Server time of the list pages on a loaded database: public list, agency inbox, verification.

Usage (see docs/benchmarks.md)::

    make bench BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench

The database must already hold the complaints (``aduan loadgen --complaints 1000000``). Each page
is requested in-process through Django's full stack (middleware, sessions, view, template), so
the time is server time without the network. Side by side in the same run, a bare Django view
(``HttpResponse("ok")`` through the same middleware) gives the floor; the report shows each
page's median, 95th percentile and its median as a multiple of the bare view's median.
Deep pages are reached the way a person reaches them: with the cursor of the row at that depth.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.complaints import selectors  # noqa: E402
from aduan.core.pagination import cursor_after  # noqa: E402
from tests.bench import common  # noqa: E402

PUBLIC_ORDER = ("-submitted_at", "-id")
INBOX_ORDER = ("dispatched_at", "id")
VERIFY_ORDER = ("submitted_at", "id")


def depth_cursor(queryset: Any, ordering: tuple[str, ...], depth: int) -> str | None:
    """The cursor a person holds after paging ``depth`` rows in (found once, with OFFSET)."""
    if depth == 0:
        return None
    row = queryset.order_by(*ordering)[depth - 1 : depth].first()
    return cursor_after(row, ordering) if row is not None else None


def main() -> int:
    parser = common.arguments(__doc__, repeat=30)
    parser.add_argument("--depths", default="0,1000,50000,500000")
    args = common.parse(parser, results="lists")
    depths = [int(d) for d in args.depths.split(",")]

    total = common.loaded_complaints("`aduan loadgen --complaints 1000000`")
    if total is None:
        return 2
    print(f"{connection.vendor}: {total:,} complaints, {args.repeat} requests per page")

    agency = common.busiest_inbox_agency()
    operator = common.bench_user("bench-operator", Role.OPERATOR, agency)
    coordinator = common.bench_user("bench-coordinator", Role.COORDINATOR, None)
    from aduan.complaints import queues

    public_qs = selectors.public_complaints()
    inbox_qs = queues.agency_inbox(operator)
    verify_qs = queues.verification_queue(coordinator)

    cases: list[tuple[str, Client, Callable[[int], str]]] = []
    anonymous = Client()

    def public_url(depth: int, extra: str = "", qs: Any = public_qs) -> str:
        cursor = depth_cursor(qs, PUBLIC_ORDER, depth)
        query = "&".join(q for q in (extra, f"cursor={cursor}" if cursor else "") if q)
        return reverse("portal:public_list") + (f"?{query}" if query else "")

    agency_filter = f"agency={agency.code}"
    cases.append(("public list", anonymous, lambda d: public_url(d)))
    cases.append(
        (
            f"public list, agency {agency.code}",
            anonymous,
            lambda d: public_url(d, agency_filter, public_qs.filter(lead_agency=agency)),
        )
    )

    def staff_url(name: str, qs: Any, ordering: tuple[str, ...]) -> Callable[[int], str]:
        def build(depth: int) -> str:
            cursor = depth_cursor(qs, ordering, depth)
            return reverse(name) + (f"?cursor={cursor}" if cursor else "")

        return build

    cases.append(
        (
            f"agency inbox ({agency.code})",
            common.staff_client(operator),
            staff_url("backoffice:inbox", inbox_qs, INBOX_ORDER),
        )
    )
    cases.append(
        (
            "verification queue",
            common.staff_client(coordinator),
            staff_url("backoffice:verification", verify_qs, VERIFY_ORDER),
        )
    )

    results: list[dict[str, Any]] = []
    with common.full_stack():
        floor = common.bare_median(args.repeat)
        print(f"bare Django view: median {floor:.2f} ms")
        print(f"{'page':44} {'depth':>8} {'median ms':>10} {'p95 ms':>8} {'x bare':>7}")
        for name, client, url_for in cases:
            for depth in depths:
                url = url_for(depth)
                if depth and "cursor=" not in url:
                    continue  # the list is shorter than this depth
                timings = sorted(common.measure(client, url, args.repeat))
                median, p95, ratio = common.page_figures(timings, floor)
                print(f"{name:44} {depth:>8} {median:>10.2f} {p95:>8.2f} {ratio:>7.1f}")
                results.append(
                    {
                        "page": name,
                        "depth": depth,
                        "median_ms": round(median, 2),
                        "p95_ms": round(p95, 2),
                        "ratio_to_bare": round(ratio, 1),
                    }
                )
    common.write_json(
        args.json,
        complaints=total,
        bare_median_ms=round(floor, 2),
        database=settings.DATABASES["default"]["NAME"],
        results=results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
