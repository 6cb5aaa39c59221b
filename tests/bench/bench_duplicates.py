"""Precision and recall of duplicate detection on labelled pairs from the real 2022 data.

Usage (docs/benchmarks.md "Duplicates")::

    .venv/bin/python -m tests.bench.bench_duplicates [--csv PATH] [--labels PATH] [--threshold T]

For each labelled pair (tests/bench/duplicates_labels.csv: ids of
../shared/data/complaints-surabaya-2022.csv and 1/0) the later complaint plays the new
submission. Its candidate pool is chosen from the CSV rows exactly as ``detection.pool_for``
chooses it from the database (same kecamatan or same category, within the window, the nearest
``ADUAN_DUPLICATES_POOL_LIMIT`` on each side in time), and it is scored by the app's own
``scoring.rank``. A pair is predicted a duplicate when the earlier complaint comes back with a
score at or above the threshold; one that is not in the pool, or below the minimum text
similarity, scores 0. The CSV's kecamatan is ``district``, its kelurahan ``district/subdistrict``
and its category ``topic`` (it has no map pins).

Prints precision, recall and F1 at the configured threshold, a table over thresholds, and the
median and 95th-percentile time of one detection (pool scoring only; no database).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
django.setup()

from django.conf import settings  # noqa: E402

from aduan.duplicates.scoring import Doc, rank  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CSV = REPO.parent / "shared" / "data" / "complaints-surabaya-2022.csv"
DEFAULT_LABELS = Path(__file__).with_name("duplicates_labels.csv")
THRESHOLDS = [0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]


def load_docs(path: Path) -> dict[str, Doc]:
    docs = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            district = row["district"].strip()
            subdistrict = row["subdistrict"].strip()
            docs[row["id"]] = Doc(
                key=row["id"],
                text=row["text"],
                submitted_at=datetime.fromisoformat(row["submitted_at"]),
                kecamatan=district,
                kelurahan=f"{district}/{subdistrict}" if subdistrict else "",
                category=row["topic"].strip(),
            )
    return docs


def load_labels(path: Path) -> list[tuple[str, str, bool]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [(row["id_a"], row["id_b"], row["duplicate"] == "1") for row in csv.DictReader(lines)]


class Pools:
    """The pool of ``detection.pool_for``, from CSV rows: per kecamatan and per category,
    the nearest ``limit`` within the window before and after."""

    def __init__(self, docs: dict[str, Doc], window_days: int, limit: int) -> None:
        self.window = timedelta(days=window_days)
        self.limit = limit
        self.groups: dict[tuple[str, str], list[Doc]] = defaultdict(list)
        for doc in sorted(docs.values(), key=lambda d: (d.submitted_at, d.key)):
            if doc.kecamatan:
                self.groups[("place", doc.kecamatan)].append(doc)
            if doc.category:
                self.groups[("category", doc.category)].append(doc)
        self.times = {key: [d.submitted_at for d in group] for key, group in self.groups.items()}

    def for_doc(self, doc: Doc) -> list[Doc]:
        chosen: dict[str, Doc] = {}
        for key in (("place", doc.kecamatan), ("category", doc.category)):
            if not key[1]:
                continue
            group, times = self.groups[key], self.times[key]
            low = bisect_left(times, doc.submitted_at - self.window)
            middle = bisect_right(times, doc.submitted_at)
            high = bisect_right(times, doc.submitted_at + self.window)
            before = [d for d in group[low:middle] if d.key != doc.key][-self.limit :]
            after = group[middle:high][: self.limit]
            for other in before + after:
                chosen[other.key] = other
        return list(chosen.values())


def measure(
    docs: dict[str, Doc], labels: list[tuple[str, str, bool]], window_days: int, limit: int
) -> tuple[list[tuple[float, bool]], list[float]]:
    """(score of the pair, label) for every labelled pair, and the time of each detection."""
    pools = Pools(docs, window_days, limit)
    scored, timings = [], []
    for id_a, id_b, label in labels:
        a, b = docs[id_a], docs[id_b]
        new, old = (a, b) if (a.submitted_at, a.key) >= (b.submitted_at, b.key) else (b, a)
        started = time.perf_counter()
        matches = rank(new, pools.for_doc(new), window_days=window_days, threshold=0, limit=10**6)
        timings.append(time.perf_counter() - started)
        score = next((m.score for m in matches if m.key == old.key), 0.0)
        scored.append((score, label))
    return scored, timings


def precision_recall(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, ...]:
    tp = sum(1 for score, label in scored if label and score >= threshold)
    fp = sum(1 for score, label in scored if not label and score >= threshold)
    fn = sum(1 for score, label in scored if label and score < threshold)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--threshold", type=float, default=settings.ADUAN_DUPLICATES_THRESHOLD)
    args = parser.parse_args(argv)
    if not args.csv.exists():
        print(f"{args.csv} not found: nothing to measure.", file=sys.stderr)
        return 1
    docs = load_docs(args.csv)
    labels = [pair for pair in load_labels(args.labels) if pair[0] in docs and pair[1] in docs]
    window = settings.ADUAN_DUPLICATES_WINDOW_DAYS
    limit = settings.ADUAN_DUPLICATES_POOL_LIMIT
    scored, timings = measure(docs, labels, window, limit)
    positives = sum(1 for _score, label in scored if label)
    print(
        f"{len(scored)} labelled pairs ({positives} duplicates); window ±{window} days, "
        f"pool ≤ {limit} per kecamatan/category and side"
    )
    precision, recall, f1, tp, fp, fn = precision_recall(scored, args.threshold)
    print(
        f"threshold {args.threshold:.2f}: precision {precision:.3f}  recall {recall:.3f}  "
        f"F1 {f1:.3f}  (TP {tp}, FP {fp}, FN {fn})"
    )
    print("\nthreshold  precision  recall  F1")
    for threshold in THRESHOLDS:
        p, r, f, *_counts = precision_recall(scored, threshold)
        print(f"{threshold:9.2f}  {p:9.3f}  {r:6.3f}  {f:5.3f}")
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(
        f"\none detection (pool scoring): median {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
