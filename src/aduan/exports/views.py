"""Export pages (/staf/ekspor/): export a back-office list, the person's exports, downloads.

Thin: the rows come from ``aduan.exports.lists`` (scoped like the list pages), writes go through
``aduan.exports.services``. A list of at most ``ADUAN_EXPORT_SYNC_LIMIT`` rows is downloaded at
once (CSV streamed; XLSX written to a temporary file first, as the format needs); a longer one
becomes a background job and the person is told when its file is ready.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from aduan.backoffice.access import menu_context
from aduan.core import clock
from aduan.core.errors import PermissionDenied
from aduan.exports import lists, services, writers
from aduan.exports.models import ExportFormat, ExportJob

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_JOBS = 50


def _refused(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    context = {"error": error, **menu_context(request, "exports")}
    return render(request, "exports/refused.html", context, status=403)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(list_name: str, file_format: str) -> str:
    return f"aduan-{list_name}-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{file_format}"


@require_POST
def export(request: HttpRequest, list_name: str, file_format: str) -> HttpResponseBase:
    """Export ``list_name`` with the filters in the query string (as the list page has them)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    export_list = lists.get_list(list_name)
    if export_list is None or file_format not in ExportFormat.values:
        raise Http404
    user = request.user
    try:
        lists.ensure_may_export(user, export_list)
    except PermissionDenied as error:
        return _refused(request, error)
    data = request.GET.copy()
    data.update(request.POST)
    filters = lists.clean_filters(user, export_list, data)
    now = clock.now()
    limit = settings.ADUAN_EXPORT_SYNC_LIMIT
    if lists.has_more_than(user, export_list, filters, now, limit):
        _job, created = services.export_job_request(
            actor=user,
            list_name=list_name,
            file_format=file_format,
            filters=filters,
            language=get_language() or settings.LANGUAGE_CODE,
        )
        if created:
            messages.success(
                request,
                _(
                    "This list has more than %(limit)s rows, so it is exported in the "
                    "background. You will be notified when the file is ready."
                )
                % {"limit": limit},
            )
        else:
            messages.info(request, _("This export is already being prepared."))
        return redirect("exports:jobs")
    services.export_record_download(
        actor=user, list_name=list_name, file_format=file_format, filters=filters
    )
    formatter = writers.RowFormatter.for_user(user, now)
    rows = lists.iter_rows(user, export_list, filters, now)
    filename = _filename(list_name, file_format)
    if file_format == ExportFormat.CSV:
        response = StreamingHttpResponse(writers.csv_chunks(formatter, rows), content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _private(response)
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        writers.write_xlsx(formatter, rows, path)
        # Unlinked while open: the data stays readable until the response closes it.
        content = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return _private(
        FileResponse(content, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    )


@require_safe
def jobs(request: HttpRequest) -> HttpResponse:
    """The person's exports with their status and download links, and an export of all the
    complaints they work on."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    everything = lists.LISTS["all"]
    try:
        lists.ensure_may_export(request.user, everything)
    except PermissionDenied as error:
        return _refused(request, error)
    items = list(ExportJob.objects.filter(user=request.user)[:RECENT_JOBS])
    context: dict[str, Any] = {
        "jobs": items,
        "titles": {name: item.title for name, item in lists.LISTS.items()},
        "all_filters": lists.AllFilterForm(request.GET or None),
        "sync_limit": settings.ADUAN_EXPORT_SYNC_LIMIT,
        "keep_days": settings.ADUAN_EXPORT_KEEP_DAYS,
        "now": clock.now(),
        **menu_context(request, "exports"),
    }
    return render(request, "exports/jobs.html", context)


@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A finished export's file, for its owner only (404 for anyone else) until it expires."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    job = ExportJob.objects.filter(
        pk=pk, user=request.user, status=ExportJob.Status.DONE, expires_at__gt=clock.now()
    ).first()
    if job is None or not job.file:
        raise Http404
    export_list = lists.get_list(job.list_name)
    if export_list is None:
        raise Http404
    try:
        lists.ensure_may_export(request.user, export_list)
    except PermissionDenied as error:
        return _refused(request, error)
    try:
        content = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = CSV_TYPE if job.format == ExportFormat.CSV else XLSX_TYPE
    return _private(
        FileResponse(content, as_attachment=True, filename=job.filename, content_type=content_type)
    )
