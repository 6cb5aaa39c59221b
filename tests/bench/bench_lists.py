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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402

from aduan.accounts.models import Membership, Role, User  # noqa: E402
from aduan.agencies.models import Agency  # noqa: E402
from aduan.complaints import selectors  # noqa: E402
from aduan.complaints.models import Complaint, Dispatch  # noqa: E402
from aduan.core.pagination import cursor_after  # noqa: E402


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench-bare/", bare), path("", include("aduan.urls"))]

PUBLIC_ORDER = ("-submitted_at", "-id")
INBOX_ORDER = ("dispatched_at", "id")
VERIFY_ORDER = ("submitted_at", "id")


def measure(client: Client, url: str, repeat: int) -> list[float]:
    for _ in range(3):  # warm caches and connections
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def depth_cursor(queryset: Any, ordering: tuple[str, ...], depth: int) -> str | None:
    """The cursor a person holds after paging ``depth`` rows in (found once, with OFFSET)."""
    if depth == 0:
        return None
    row = queryset.order_by(*ordering)[depth - 1 : depth].first()
    return cursor_after(row, ordering) if row is not None else None


def bench_user(username: str, role: str, agency: Agency | None) -> User:
    """A staff user for the benchmark, signed in past the TOTP step by the session."""
    user, _ = User.objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, role=role, agency=agency)
    return user


def staff_client(user: User) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depths", default="0,1000,50000,500000")
    parser.add_argument("--json", type=Path, default=Path("bench-results/lists.json"))
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",")]

    total = Complaint.objects.order_by().count()
    if total < 1000:
        print(f"only {total} complaints: run `aduan loadgen --complaints 1000000` first")
        return 2
    print(f"{connection.vendor}: {total:,} complaints, {args.repeat} requests per page")

    busiest = (
        Dispatch.objects.filter(state__in=Dispatch.ACTIVE_STATES)
        .values("agency")
        .order_by()
        .annotate(n=django.db.models.Count("id"))
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.get(pk=busiest["agency"]) if busiest else Agency.objects.first()
    operator = bench_user("bench-operator", Role.OPERATOR, agency)
    coordinator = bench_user("bench-coordinator", Role.COORDINATOR, None)
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
            staff_client(operator),
            staff_url("backoffice:inbox", inbox_qs, INBOX_ORDER),
        )
    )
    cases.append(
        (
            "verification queue",
            staff_client(coordinator),
            staff_url("backoffice:verification", verify_qs, VERIFY_ORDER),
        )
    )

    results: list[dict[str, Any]] = []
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        floor = statistics.median(measure(anonymous, "/bench-bare/", args.repeat))
        print(f"bare Django view: median {floor:.2f} ms")
        print(f"{'page':44} {'depth':>8} {'median ms':>10} {'p95 ms':>8} {'x bare':>7}")
        for name, client, url_for in cases:
            for depth in depths:
                url = url_for(depth)
                if depth and "cursor=" not in url:
                    continue  # the list is shorter than this depth
                timings = sorted(measure(client, url, args.repeat))
                median = statistics.median(timings)
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                print(f"{name:44} {depth:>8} {median:>10.2f} {p95:>8.2f} {median / floor:>7.1f}")
                results.append(
                    {
                        "page": name,
                        "depth": depth,
                        "median_ms": round(median, 2),
                        "p95_ms": round(p95, 2),
                        "ratio_to_bare": round(median / floor, 1),
                    }
                )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "vendor": connection.vendor,
                "complaints": total,
                "bare_median_ms": round(floor, 2),
                "database": settings.DATABASES["default"]["NAME"],
                "results": results,
            },
            indent=2,
        )
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
