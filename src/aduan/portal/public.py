"""The public list: filters and text search over ``selectors.public_complaints()``.

Every function here narrows a queryset that is already limited to what the public may see; none
widens it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from aduan.complaints.models import Complaint, Support
from aduan.core.calendar import JAKARTA
from aduan.core.errors import InvalidInput
from aduan.search.selectors import search_filter


def search_text(queryset: QuerySet[Complaint], text: str) -> QuerySet[Complaint]:
    """Complaints whose title or description has every word of ``text`` (its first ten), by
    the full-text search (``aduan.search``: word forms, informal spellings, synonyms)."""
    try:
        return search_filter(queryset, " ".join(text.split()[:10]))
    except InvalidInput:  # more than ten words once split on punctuation: nothing to show
        return queryset.none()


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JAKARTA)


def filter_public(queryset: QuerySet[Complaint], data: dict[str, Any]) -> QuerySet[Complaint]:
    """Apply the cleaned filters of ``PublicFilterForm``."""
    if data.get("agency") is not None:
        queryset = queryset.filter(lead_agency=data["agency"])
    category = data.get("category")
    if category is not None:
        queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
    region = data.get("region")
    if region is not None:
        # Kemendagri codes are a materialised path: 13.71 → 13.71.01 → 13.71.01.1001.
        queryset = queryset.filter(Q(region=region) | Q(region__code__startswith=f"{region.code}."))
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("date_from"):
        queryset = queryset.filter(submitted_at__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        queryset = queryset.filter(submitted_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
    if data.get("q"):
        queryset = search_text(queryset, data["q"])
    return queryset


def supported_ids(key: str, complaint_ids: Iterable[int]) -> set[int]:
    """Which of these complaints the visitor with support key ``key`` already supports."""
    ids = list(complaint_ids)
    if not key or not ids:
        return set()
    return set(
        Support.objects.filter(supporter_key=key, complaint_id__in=ids).values_list(
            "complaint_id", flat=True
        )
    )
