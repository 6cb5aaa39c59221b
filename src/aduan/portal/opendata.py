"""Open data (issue 5): public complaints as CSV and JSON downloads, with a data dictionary.

Only ``selectors.public_complaints()`` rows (verified, not confidential, not about officials'
misconduct) and only the public columns below: never the reporter's identity, address,
coordinates or answers to extra questions. Rows are read in keyset chunks by id, never all at
once and never with OFFSET; names of category, agency and region come from joins in the same
query.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from aduan.complaints import selectors
from aduan.complaints.models import PUBLIC_STATUSES, Complaint


def _status_meaning() -> str:
    """Each public status code with the label the portal shows for it."""
    codes = ", ".join(f"{status.value} ({status.label})" for status in PUBLIC_STATUSES)
    return gettext("Status code, with the label the portal shows: %(codes)s.") % {"codes": codes}


# Rows read per query; tests lower it to cross chunk boundaries.
CHUNK_SIZE = 2000

# The column type (not the "text" of a message, which other models name).
TEXT = pgettext_lazy("data type", "text")

# (column, source field, type, meaning) — the order of the files' columns.
COLUMNS: list[tuple[str, str, Any, Any]] = [
    ("tracking_id", "tracking_id", TEXT, _("Public tracking ID of the report.")),
    ("kind", "kind", TEXT, _("Kind of report (complaint, aspiration, information request…).")),
    ("title", "title", TEXT, _("Title written by the reporter.")),
    ("description", "description", TEXT, _("Description written by the reporter.")),
    ("category_code", "category__code", TEXT, _("Code of the category; empty if none.")),
    ("category_name", "category__name", TEXT, _("Name of the category; empty if none.")),
    (
        "lead_agency_code",
        "lead_agency__code",
        TEXT,
        _("Code of the agency currently leading the follow-up."),
    ),
    (
        "lead_agency_name",
        "lead_agency__name",
        TEXT,
        _("Name of the agency currently leading the follow-up."),
    ),
    (
        "region_code",
        "region__code",
        TEXT,
        _("Kemendagri code of the region as given in the report; empty if none."),
    ),
    ("region_name", "region__name", TEXT, _("Name of that region; empty if none.")),
    (
        "status",
        "status",
        TEXT,
        lazy(_status_meaning, str)(),
    ),
    (
        "submitted_at",
        "submitted_at",
        _("date and time (ISO 8601)"),
        _("When the report was received."),
    ),
    (
        "first_followup_at",
        "first_followup_at",
        _("date and time (ISO 8601)"),
        _("When the first follow-up was published; empty if none yet."),
    ),
    (
        "resolved_at",
        "resolved_at",
        _("date and time (ISO 8601)"),
        _("When the report was marked resolved; empty if not."),
    ),
    (
        "closed_at",
        "closed_at",
        _("date and time (ISO 8601)"),
        _("When the report was closed; empty if not."),
    ),
    ("support_count", "support_count", _("integer"), _("Number of people who support it.")),
    (
        "rating",
        "rating",
        _("integer 1 to 5"),
        _("Reporter's satisfaction rating; empty if not rated."),
    ),
]
NAMES = [name for name, _field, _type, _meaning in COLUMNS]
FIELDS = [field for _name, field, _type, _meaning in COLUMNS]


def _year(request: HttpRequest) -> tuple[int | None, str | None]:
    """The optional ``?year=YYYY`` filter, or an error message."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None, None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 9999):
        return None, gettext(
            "The year must be four digits from 2000 on, for example %(example)s."
        ) % {"example": timezone.localdate().year}
    return int(raw), None


def _queryset(year: int | None) -> QuerySet[Complaint]:
    queryset = selectors.public_complaints()
    if year is not None:
        queryset = queryset.filter(submitted_at__year=year)
    return queryset


def _rows(year: int | None) -> Iterator[dict[str, Any]]:
    """Public rows in id order, ``CHUNK_SIZE`` per query (keyset on id)."""
    queryset = _queryset(year).order_by("id").values_list("id", *FIELDS)
    last = 0
    while True:
        chunk = list(queryset.filter(id__gt=last)[:CHUNK_SIZE])
        for row in chunk:
            yield {name: _value(value) for name, value in zip(NAMES, row[1:], strict=True)}
        if len(chunk) < CHUNK_SIZE:
            return
        last = chunk[-1][0]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Local time with its offset (+07:00), as the API and Open311 give times.
        return timezone.localtime(value).isoformat()
    return value


def _filename(year: int | None, extension: str) -> str:
    return f"aduan-laporan-{year if year is not None else 'semua'}.{extension}"


def _download(body: Iterator[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _csv_body(year: int | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(NAMES)
    yield "\ufeff" + buffer.getvalue()  # BOM so that spreadsheet programs read UTF-8
    for row in _rows(year):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if value is None else value for value in row.values()])
        yield buffer.getvalue()


def _json_body(year: int | None) -> Iterator[str]:
    yield "["
    separator = "\n"
    for row in _rows(year):
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    """The open data page: what the dataset is, its licence, columns and download links."""
    year, error = _year(request)
    status = 400 if error else 200
    return render(
        request,
        "portal/open_data.html",
        {
            "columns": COLUMNS,
            "licence": settings.ADUAN_OPEN_DATA_LICENCE,
            "licence_url": settings.ADUAN_OPEN_DATA_LICENCE_URL,
            "year": year,
            "year_error": error,
            "year_raw": request.GET.get("year", ""),
            "current_year": timezone.localdate().year,
        },
        status=status,
    )


@require_safe
def open_data_csv(request: HttpRequest) -> HttpResponseBase:
    year, error = _year(request)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    return _download(_csv_body(year), "text/csv; charset=utf-8", _filename(year, "csv"))


@require_safe
def open_data_json(request: HttpRequest) -> HttpResponseBase:
    year, error = _year(request)
    if error:
        return HttpResponseBadRequest(
            json.dumps({"error": error}, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    return _download(_json_body(year), "application/json; charset=utf-8", _filename(year, "json"))
