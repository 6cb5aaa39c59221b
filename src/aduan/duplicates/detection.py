"""From complaints in the database to the scoring's :class:`Doc` values and back.

The pool is bounded so detection costs the same with 1,000,000 complaints as with 1,000: the
complaints within the time window of the same kecamatan, and those of the same category, at most
``ADUAN_DUPLICATES_POOL_LIMIT`` of each on each side in time, nearest first (four index range
scans on ``(region, submitted_at)`` and ``(category, submitted_at)``, migration 0002).
Archived and transferred complaints are left out: nothing can be merged into them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from aduan.agencies.models import Region
from aduan.complaints.models import Complaint, Status
from aduan.duplicates.scoring import Doc, Match, rank

CLOSED_FOR_MERGING = (Status.ARCHIVED, Status.TRANSFERRED)
# What a Doc needs (the description is the long part), and the flags the scoping and
# redacting querysets read on each row (so none is loaded row by row).
DOC_FIELDS = (
    "id",
    "tracking_id",
    "status",
    "is_anonymous",
    "is_confidential",
    "is_supervisory",
    "reporter",
    "merged_into",
    "title",
    "description",
    "submitted_at",
    "region_id",
    "category_id",
    "latitude",
    "longitude",
)


def place_of(region_code: str | None) -> tuple[str, str]:
    """(kelurahan, kecamatan) codes from a Kemendagri code (``13.71.01.1001``): a kelurahan
    has four parts, its kecamatan the first three. Coarser regions give neither."""
    if not region_code:
        return "", ""
    parts = region_code.split(".")
    if len(parts) >= 4:
        return region_code, ".".join(parts[:3])
    if len(parts) == 3:
        return "", region_code
    return "", ""


def doc_for(complaint: Complaint) -> Doc:
    kelurahan, kecamatan = place_of(complaint.region_id)
    return Doc(
        key=complaint.pk,
        text=f"{complaint.title}\n{complaint.description}",
        submitted_at=complaint.submitted_at,
        kelurahan=kelurahan,
        kecamatan=kecamatan,
        category=str(complaint.category_id or ""),
        latitude=None if complaint.latitude is None else float(complaint.latitude),
        longitude=None if complaint.longitude is None else float(complaint.longitude),
    )


def _nearest(queryset: QuerySet[Complaint], complaint: Complaint, limit: int) -> list[Complaint]:
    window = timedelta(days=settings.ADUAN_DUPLICATES_WINDOW_DAYS)
    moment = complaint.submitted_at
    before = queryset.filter(submitted_at__gte=moment - window, submitted_at__lte=moment).order_by(
        "-submitted_at"
    )[:limit]
    after = queryset.filter(submitted_at__gt=moment, submitted_at__lte=moment + window).order_by(
        "submitted_at"
    )[:limit]
    return list(before) + list(after)


def pool_for(complaint: Complaint, base: QuerySet[Complaint] | None = None) -> list[Complaint]:
    """The complaints ``complaint`` is compared with (see the module docstring). ``base``
    narrows them (e.g. to public complaints for the portal)."""
    queryset = (base if base is not None else Complaint.objects.all()).exclude(
        Q(pk=complaint.pk) | Q(status__in=CLOSED_FOR_MERGING)
    )
    queryset = queryset.only(*DOC_FIELDS)
    limit = settings.ADUAN_DUPLICATES_POOL_LIMIT
    chosen: dict[int, Complaint] = {}
    _kelurahan, kecamatan = place_of(complaint.region_id)
    if kecamatan:
        codes = [
            kecamatan,
            *Region.objects.filter(parent_id=kecamatan).values_list("code", flat=True),
        ]
        for other in _nearest(queryset.filter(region_id__in=codes), complaint, limit):
            chosen[other.pk] = other
    if complaint.category_id is not None:
        for other in _nearest(queryset.filter(category_id=complaint.category_id), complaint, limit):
            chosen[other.pk] = other
    return list(chosen.values())


def find(
    complaint: Complaint, base: QuerySet[Complaint] | None = None, *, limit: int = 10
) -> list[tuple[Complaint, Match]]:
    """The likely duplicates of ``complaint`` (at or above the threshold), best first."""
    pool = pool_for(complaint, base)
    by_pk = {other.pk: other for other in pool}
    matches = rank(
        doc_for(complaint),
        [doc_for(other) for other in pool],
        window_days=settings.ADUAN_DUPLICATES_WINDOW_DAYS,
        threshold=settings.ADUAN_DUPLICATES_THRESHOLD,
        limit=limit,
    )
    return [(by_pk[match.key], match) for match in matches]
