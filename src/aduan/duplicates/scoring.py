"""How alike two complaints are: the one scoring function of duplicate detection.

Pure Python on plain :class:`Doc` values, so the app (``detection``) and the benchmark
(``tests/bench/bench_duplicates.py``, fed from CSV rows) score with exactly the same code.

The score blends four signals, each also turned into a reason a person can check:

- text: cosine similarity of TF-IDF vectors over words (1- and 2-grams) and characters (3- to
  5-grams within words), averaged. The IDF is fitted on the complaint and its candidate pool, so
  words common in this place and period (``jalan``, ``rusak``) weigh less than the rare ones that
  say *which* road. Indonesian normalisation: lower case, informal spellings (``yg``, ``gak``,
  ``jl``) written out with the dictionary routing and search use (``aduan.core.spelling``),
  polite filler (``mohon``, ``bapak``, ``terima kasih``) dropped. No stemming: character
  n-grams already match ``diperbaiki``/``perbaikan`` and Sastrawi costs milliseconds per text.
- place: same kelurahan/desa, or same kecamatan, or — when both have a map pin — the distance.
- category: the same category.
- time: closer in time scores higher, linearly to zero at the edge of the window.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aduan.core.spelling import split_words, standard_words

# Weights of the signals (they add up to 1). The text must carry a duplicate: place, category
# and time alone (the same topic in the same kelurahan) are not enough to reach the threshold.
TEXT_WEIGHT = 0.6
PLACE_WEIGHT = 0.2
CATEGORY_WEIGHT = 0.1
TIME_WEIGHT = 0.1
# Below this text similarity a pair is never a candidate, whatever else it shares.
MIN_TEXT = 0.2
# Map pins this close count as the same place; up to FAR_METRES as the same neighbourhood.
NEAR_METRES = 250
FAR_METRES = 1000

_STOPWORDS = frozenset(
    """
    yang dan di ke dari ini itu untuk dengan pada adalah atau juga karena sudah belum akan
    ada tidak bisa dapat agar supaya saya kami kita kalian mereka dia anda nya pun lah kah
    mohon tolong bapak ibu pak bu bpk ibu terima kasih matur nuwun suwun sembah nuwun
    assalamualaikum wr wb warahmatullahi wabarakatuh selamat pagi siang sore malam salam
    min admin mas mbak tsb tersebut sangat sekali banget sih dong ya yah lagi masih
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_REPEAT = re.compile(r"(.)\1{2,}")


def normalize(text: str) -> str:
    """Lower case, letters repeated for emphasis shortened ("rusakkk" -> "rusakk"), informal
    spellings written out (``aduan.core.spelling``), filler dropped (see the module docstring)."""
    words = standard_words(split_words(_REPEAT.sub(r"\1\1", text.lower())))
    return " ".join(word for word in words if word not in _STOPWORDS)


@dataclass(frozen=True)
class Doc:
    """What scoring knows about one complaint (from the database or a CSV row)."""

    key: Any
    text: str
    submitted_at: datetime
    kelurahan: str = ""
    kecamatan: str = ""
    category: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Match:
    """A candidate for ``doc``: its score in [0, 1] and the reasons (see ``reason_text``)."""

    key: Any
    score: float
    text_similarity: float
    reasons: list[dict[str, Any]] = field(default_factory=list)


def distance_metres(a: Doc, b: Doc) -> float | None:
    """Great-circle distance between the map pins, or None when one has no pin."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(
        math.radians,
        [float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude)],  # type: ignore[arg-type]
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, h)))


def text_similarities(doc: Doc, pool: Sequence[Doc]) -> list[float]:
    """Cosine similarity of ``doc``'s text to each text of ``pool`` (TF-IDF fitted on both)."""
    if not pool:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    texts = [normalize(doc.text)] + [normalize(other.text) for other in pool]
    if not texts[0].strip():
        return [0.0] * len(pool)
    totals = [0.0] * len(pool)
    for vectorizer in (
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\b\w+\b"),  # noqa: S106
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    ):
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # nothing left to count in any text
            continue
        # Rows are L2-normalised, so the dot product is the cosine.
        for index, value in enumerate(linear_kernel(matrix[0:1], matrix[1:])[0]):
            totals[index] += float(value) / 2
    return totals


def score_pair(doc: Doc, other: Doc, text: float, *, window_days: int) -> Match:
    """Blend the text similarity ``text`` with place, category and time into a score."""
    reasons: list[dict[str, Any]] = [{"code": "text", "percent": round(text * 100)}]
    place = 0.0
    metres = distance_metres(doc, other)
    if metres is not None and metres <= FAR_METRES:
        place = 1.0 if metres <= NEAR_METRES else 0.5
        reasons.append({"code": "distance", "metres": round(metres)})
    elif doc.kelurahan and doc.kelurahan == other.kelurahan:
        place = 1.0
        reasons.append({"code": "same_kelurahan"})
    elif doc.kecamatan and doc.kecamatan == other.kecamatan:
        place = 0.5
        reasons.append({"code": "same_kecamatan"})
    category = 1.0 if doc.category and doc.category == other.category else 0.0
    if category:
        reasons.append({"code": "same_category"})
    seconds = (other.submitted_at - doc.submitted_at).total_seconds()
    days = abs(seconds) / 86400
    closeness = max(0.0, 1.0 - days / window_days) if window_days > 0 else 0.0
    reasons.append({"code": "time", "days": int(days), "before": seconds < 0})
    score = (
        TEXT_WEIGHT * text
        + PLACE_WEIGHT * place
        + CATEGORY_WEIGHT * category
        + TIME_WEIGHT * closeness
    )
    return Match(other.key, round(score, 4), text, reasons)


def rank(
    doc: Doc, pool: Sequence[Doc], *, window_days: int, threshold: float, limit: int = 10
) -> list[Match]:
    """The likely duplicates of ``doc`` among ``pool``: score ≥ ``threshold``, best first."""
    pool = [other for other in pool if other.key != doc.key]
    matches = []
    for other, text in zip(pool, text_similarities(doc, pool), strict=True):
        if text < MIN_TEXT:
            continue
        match = score_pair(doc, other, text, window_days=window_days)
        if match.score >= threshold:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, str(m.key)))
    return matches[:limit]
