"""What the benchmarks on a loaded database share (``bench_lists``, ``bench_dashboards``,
``bench_search``, ``bench_trends``): options, database checks, bench users signed in past the
TOTP step, the busiest agency, timing loops, the bare Django view that gives the floor, the
figures of a row and the JSON file. Every benchmark times, rounds and prints the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, QuerySet  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from aduan.accounts.models import Membership, User  # noqa: E402
from aduan.agencies.models import Agency  # noqa: E402
from aduan.complaints.models import Complaint, Dispatch  # noqa: E402

# Fewer complaints than this: the database was not loaded (``make bench-load``).
MIN_COMPLAINTS = 1000


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# The site plus the bare view, for ``full_stack``.
urlpatterns = [path("bench-bare/", bare), path("", include("aduan.urls"))]


def arguments(doc: str | None, *, repeat: int) -> argparse.ArgumentParser:
    """The parser with the option every benchmark has first: the repeats (its own follow)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=repeat)
    return parser


def parse(parser: argparse.ArgumentParser, *, results: str) -> argparse.Namespace:
    """The options, with the last one every benchmark has: the JSON file, by default
    ``bench-results/<results>.json``."""
    parser.add_argument("--json", type=Path, default=Path(f"bench-results/{results}.json"))
    return parser.parse_args()


def loaded_complaints(how: str) -> int | None:
    """The number of complaints, or None (said, with ``how`` to load them) when too few."""
    total = Complaint.objects.order_by().count()
    if total < MIN_COMPLAINTS:
        print(f"only {total} complaints: run {how} first")
        return None
    return total


def busiest_inbox_agency() -> Agency:
    """The agency with the most active dispatches (the longest inbox), else the first one."""
    busiest = (
        Dispatch.objects.filter(state__in=Dispatch.ACTIVE_STATES)
        .values("agency")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.get(pk=busiest["agency"]) if busiest else Agency.objects.first()
    assert agency is not None
    return agency


def busiest_lead_agency(complaints: QuerySet[Complaint]) -> Agency | None:
    """The agency that leads the most of ``complaints``."""
    busiest = (
        complaints.filter(lead_agency__isnull=False)
        .values("lead_agency")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return Agency.objects.get(pk=busiest["lead_agency"]) if busiest else None


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


def measure(client: Client, url: str, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` requests through Django's full stack, after 3 to warm up."""
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


def timed(function: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Sorted milliseconds of ``repeat`` calls in process, after one to warm up, and the result."""
    result = function()  # warm up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings), result


def p95(timings: list[float]) -> float:
    """The 95th percentile of sorted timings (nearest rank)."""
    return timings[max(0, round(0.95 * len(timings)) - 1)]


def full_stack() -> override_settings:
    """Requests through this module's URLconf (the site and ``/bench-bare/``), DEBUG off."""
    return override_settings(ROOT_URLCONF=__name__, DEBUG=False)


def bare_median(repeat: int) -> float:
    """The floor (inside ``full_stack``): the median of ``HttpResponse("ok")`` through the same
    middleware as every page."""
    return statistics.median(measure(Client(), "/bench-bare/", repeat))


def page_figures(timings: list[float], floor: float) -> tuple[float, float, float]:
    """Median, 95th percentile and the median as a multiple of the bare view's, of sorted
    timings."""
    median = statistics.median(timings)
    return median, p95(timings), median / floor


def report(
    results: list[dict[str, Any]], name: str, fast: list[float], slow: list[float] | None = None
) -> None:
    """Print and keep one in-process case: median and p95, and when the same figures were also
    computed by plain GROUP BY (``slow``), its median and the speed-up."""
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


def write_json(
    path: Path, *, complaints: int, results: list[dict[str, Any]], **figures: Any
) -> None:
    """The run as JSON: database vendor, complaints, the benchmark's own ``figures``, results."""
    run = {"vendor": connection.vendor, "complaints": complaints, **figures, "results": results}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=2))
    print(f"written to {path}")
