"""Rendered charts kept in the cache under a hash of their content.

Drawing a chart with matplotlib costs about 200 ms of CPU; the staff dashboard asks for eight
per page view and ``/statistik/`` for as many. The key is the SHA-256 of the chart's every field
(kind, texts, labels, values, in order), the format and the language, so the same figures are
drawn once, and a change in the figures (or a translated title) is a new key at once: the cache
never serves a stale chart, and the timeout only bounds memory. The bytes depend on nothing but
the chart, so sharing an entry between people and pages shows nobody anything new.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from aduan.monitoring import charts
from aduan.monitoring.charts import Chart

CACHE_SECONDS = 3600
KEY_PREFIX = "aduan:chart:"


def _plain(value: Any) -> Any:
    """A JSON value for ``value``; mappings become lists of pairs to keep their order (the order
    of the series is the order of the colours and of the legend)."""
    if isinstance(value, dict):
        return [[str(key), _plain(item)] for key, item in value.items()]
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)  # lazy translations, Decimals


def cache_key(chart: Chart, fmt: str, **size: float) -> str:
    """The cache key of ``chart`` drawn as ``fmt`` (at ``size``: width, dpi) in the current
    language."""
    fields = [[f.name, _plain(getattr(chart, f.name))] for f in dataclasses.fields(chart)]
    canonical = json.dumps(
        {"chart": fields, "format": fmt, "language": get_language() or "", "size": size},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return KEY_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()


def render_cached(chart: Chart, fmt: str, **size: float) -> bytes:
    """``charts.render(chart, fmt, **size)``, drawn only when the same chart was not drawn
    before."""
    if fmt not in charts.FORMATS:
        raise ValueError(fmt)
    key = cache_key(chart, fmt, **size)
    body: bytes | None = cache.get(key)
    if body is None:
        body = charts.render(chart, fmt, **size)  # type: ignore[arg-type]
        cache.set(key, body, CACHE_SECONDS)
    return body
