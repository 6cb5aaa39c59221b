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

import os
import random
import sys
from collections import Counter
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from aduan.accounts.models import Role  # noqa: E402
from aduan.complaints.models import Complaint  # noqa: E402
from aduan.search.models import SearchDocument  # noqa: E402
from tests.bench import common  # noqa: E402

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
    args = common.parse(common.arguments(__doc__, repeat=20), results="search")

    total = Complaint.objects.order_by().count()
    documents = SearchDocument.objects.order_by().count()
    if total < common.MIN_COMPLAINTS or documents < total * 0.99:
        print(
            f"{total} complaints, {documents} search documents: run `aduan loadgen` and "
            "`aduan search rebuild` first"
        )
        return 2
    queries = {**QUERIES, "rare word": rare_words(4)}
    print(f"{connection.vendor}: {total:,} complaints, {args.repeat} requests per query")
    print("rare words:", ", ".join(queries["rare word"]))

    agency = common.busiest_inbox_agency()
    pages = [
        ("public search", Client(), reverse("search:public")),
        (
            "staff search, coordinator",
            common.staff_client(common.bench_user("bench-coordinator", Role.COORDINATOR, None)),
            reverse("search:staff"),
        ),
        (
            f"staff search, operator {agency.code}",
            common.staff_client(common.bench_user("bench-operator", Role.OPERATOR, agency)),
            reverse("search:staff"),
        ),
    ]

    results: list[dict[str, Any]] = []
    with common.full_stack():
        floor = common.bare_median(args.repeat)
        print(f"bare Django view: median {floor:.2f} ms")
        header = ("page", "queries", "median ms", "p95 ms", "max ms", "x bare")
        print("{:36} {:20} {:>10} {:>8} {:>8} {:>7}".format(*header))
        for name, client, url in pages:
            for query_class, words in queries.items():
                timings: list[float] = []
                for query in words:
                    query_url = f"{url}?{urlencode({'q': query})}"
                    timings += common.measure(client, query_url, args.repeat)
                timings.sort()
                median, p95, ratio = common.page_figures(timings, floor)
                print(
                    f"{name:36} {query_class:20} {median:>10.2f} {p95:>8.2f} "
                    f"{timings[-1]:>8.2f} {ratio:>7.1f}"
                )
                results.append(
                    {
                        "page": name,
                        "queries": query_class,
                        "words": words,
                        "median_ms": round(median, 2),
                        "p95_ms": round(p95, 2),
                        "max_ms": round(timings[-1], 2),
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
