"""Server time of the full-text search pages on a loaded database: public and staff search.

Usage (see docs/benchmarks.md "Search")::

    make bench BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench

The database must hold the complaints (``aduan loadgen``) and their search documents
(``aduan search rebuild``). Each page is requested in-process through Django's full stack,
like ``bench_lists``; a bare Django view through the same middleware gives the floor. Queries
come in classes: common words, two words, informal spellings and synonyms, rare words (found
in a sample of the documents, so they exist in this database) and a word that matches nothing.
The report shows each class's median and 95th percentile over all its queries and repeats, and
the median as a multiple of the bare view's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.agencies.models import Agency  # noqa: E402
from aduan.complaints.models import Complaint, Dispatch  # noqa: E402
from aduan.search.models import SearchDocument  # noqa: E402
from tests.bench.bench_lists import bare, bench_user, measure, staff_client  # noqa: E402

urlpatterns = [path("bench-bare/", bare), path("", include("aduan.urls"))]

QUERIES: dict[str, list[str]] = {
    "common word": ["jalan", "sampah", "warga", "mohon"],
    "two words": ["jalan rusak", "air mati", "lampu jalan", "pelayanan lambat"],
    "informal / synonym": ["jln rusak", "gak nyala", "pju mati", "banjir"],
    "no match": ["tidakadasamasekali"],
}
SAMPLE = 3000


def rare_words(count: int, seed: int = 1) -> list[str]:
    """Words found exactly once in a sample of documents: rare, but present here."""
    last = SearchDocument.objects.order_by("-complaint_id").values_list("pk", flat=True).first()
    if last is None:
        return []
    start = random.Random(seed).randint(0, max(0, last - SAMPLE))
    documents = SearchDocument.objects.filter(complaint_id__gte=start).order_by("complaint_id")
    counts = Counter(
        word
        for text in documents.values_list("document", flat=True)[:SAMPLE]
        for word in set(text.split())
        if word.isalpha() and len(word) > 4
    )
    once = sorted(word for word, n in counts.items() if n == 1)
    return random.Random(seed).sample(once, min(count, len(once)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, default=Path("bench-results/search.json"))
    args = parser.parse_args()

    total = Complaint.objects.order_by().count()
    documents = SearchDocument.objects.order_by().count()
    if total < 1000 or documents < total * 0.99:
        print(
            f"{total} complaints, {documents} search documents: run `aduan loadgen` and "
            "`aduan search rebuild` first"
        )
        return 2
    queries = {**QUERIES, "rare word": rare_words(4)}
    print(f"{connection.vendor}: {total:,} complaints, {args.repeat} requests per query")
    print("rare words:", ", ".join(queries["rare word"]))

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
    pages = [
        ("public search", Client(), reverse("search:public")),
        (
            "staff search, coordinator",
            staff_client(bench_user("bench-coordinator", Role.COORDINATOR, None)),
            reverse("search:staff"),
        ),
        (
            f"staff search, operator {agency.code}",
            staff_client(bench_user("bench-operator", Role.OPERATOR, agency)),
            reverse("search:staff"),
        ),
    ]

    results: list[dict[str, Any]] = []
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        floor = statistics.median(measure(Client(), "/bench-bare/", args.repeat))
        print(f"bare Django view: median {floor:.2f} ms")
        header = ("page", "queries", "median ms", "p95 ms", "max ms", "x bare")
        print("{:36} {:20} {:>10} {:>8} {:>8} {:>7}".format(*header))
        for name, client, url in pages:
            for query_class, words in queries.items():
                timings: list[float] = []
                for query in words:
                    timings += measure(client, f"{url}?{urlencode({'q': query})}", args.repeat)
                timings.sort()
                median = statistics.median(timings)
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                print(
                    f"{name:36} {query_class:20} {median:>10.2f} {p95:>8.2f} "
                    f"{timings[-1]:>8.2f} {median / floor:>7.1f}"
                )
                results.append(
                    {
                        "page": name,
                        "queries": query_class,
                        "words": words,
                        "median_ms": round(median, 2),
                        "p95_ms": round(p95, 2),
                        "max_ms": round(timings[-1], 2),
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
