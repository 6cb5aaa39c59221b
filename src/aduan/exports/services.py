"""Writes of the exports app: requesting, running and pruning background exports, and the
audit event of an export downloaded at once.

Exports hold personal data, so each one is audited (who, which list, which filters); the file of
a background export lives in private storage and is deleted when it expires.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import DomainError, InvalidInput
from aduan.exports import lists, writers
from aduan.exports.models import ExportFormat, ExportJob
from aduan.notifications.models import Audience, OutboxMessage

logger = logging.getLogger(__name__)

READY_EVENT = "export.ready"
FAILED_EVENT = "export.failed"
UNKNOWN_LIST = _("There is no such list to export.")
FAILED = _("The export could not be made. Please try again, or ask the administrator.")


def request_key(list_name: str, file_format: str, filters: dict[str, Any]) -> str:
    """The same export asked again hashes the same (filters in canonical JSON)."""
    canonical = json.dumps(
        {"list": list_name, "format": file_format, "filters": filters},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _export_list(list_name: str) -> lists.ExportList:
    export_list = lists.get_list(list_name)
    if export_list is None:
        raise InvalidInput(UNKNOWN_LIST)
    return export_list


@transaction.atomic
def export_record_download(
    *, actor: Any, list_name: str, file_format: str, filters: dict[str, Any]
) -> None:
    """Audit an export streamed straight to ``actor`` (checked for permission first)."""
    lists.ensure_may_export(actor, _export_list(list_name))
    audit_log(
        actor=actor,
        action="export.downloaded",
        target=actor,
        data={"list": list_name, "format": file_format, "filters": filters},
    )


@transaction.atomic
def export_job_request(
    *,
    actor: Any,
    list_name: str,
    file_format: str,
    filters: dict[str, Any],
    language: str,
) -> tuple[ExportJob, bool]:
    """Queue a background export for ``actor``; returns (job, created).

    Idempotent: while the same export (list, format, filters) of the same person is queued or
    running, that job is returned (a partial unique index decides between concurrent requests);
    a running one older than ``ADUAN_EXPORT_STALE_MINUTES`` is failed first, then a new one made.
    """
    export_list = _export_list(list_name)
    lists.ensure_may_export(actor, export_list)
    if file_format not in ExportFormat.values:
        raise InvalidInput(UNKNOWN_LIST)
    key = request_key(list_name, file_format, filters)
    active = ExportJob.objects.filter(
        user=actor, filters_key=key, status__in=ExportJob.ACTIVE_STATES
    )
    existing = active.first()
    now = clock.now()
    if existing is not None and _is_stale(existing, now):
        # A job whose worker stopped is failed first, as the periodic sweep would, and only then
        # is a new one made: the partial unique index still allows one active job per request.
        _mark_failed(existing, str(FAILED), now=now)
        existing = active.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                user=actor,
                list_name=list_name,
                filters=filters,
                filters_key=key,
                format=file_format,
                language=language,
                created_at=now,
            )
    except IntegrityError:
        return active.get(), False
    audit_log(
        actor=actor,
        action="export.requested",
        target=job,
        data={"list": list_name, "format": file_format, "filters": filters},
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job, True


def _enqueue(job_id: int) -> None:
    from aduan.exports.tasks import run_export

    run_export.enqueue(job_id)


class _MovableFile(File):
    """A file the storage may move into place instead of copying (it is ours to give)."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _notify(job: ExportJob, event: str, now: datetime) -> None:
    """An outbox row addressed to the job's owner (``user``); the worker delivers it in the
    app and on the person's other chosen channels. No personal data: the list, rows, link."""
    export_list = lists.get_list(job.list_name)
    # The English title is the message id: the text is translated for each recipient.
    with translation.override("en"):
        title = str(export_list.title) if export_list else job.list_name
    OutboxMessage.objects.create(
        created_at=now,
        event=event,
        complaint=None,
        # Addressed by ``user`` (as the account services do); the audience is then not used.
        audience=Audience.REPORTER,
        user_id=job.user_id,
        payload={
            "list_title": title,
            "rows": job.row_count or 0,
            "days": settings.ADUAN_EXPORT_KEEP_DAYS,
            "link": reverse("exports:jobs"),
        },
        dedupe_key=f"{event}:{job.pk}",
        available_at=now,
    )


def _write(job: ExportJob, export_list: lists.ExportList, path: Path, now: datetime) -> int:
    with translation.override(job.language):
        formatter = writers.RowFormatter.for_user(job.user, now)
    rows = lists.iter_rows(job.user, export_list, job.filters, now)
    if job.format == ExportFormat.XLSX:
        return writers.write_xlsx(formatter, rows, path)
    count = 0

    def counted() -> Any:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with path.open("wb") as handle:
        for chunk in writers.csv_chunks(formatter, counted()):
            handle.write(chunk)
    return count


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Run a queued export: claim it, write the file, mark it done (or failed) and tell its
    owner. A job another worker has claimed, or that is finished, is left alone.

    The rows are read with the owner's scope as it is now: someone who lost a role since
    asking gets a failed export, not the rows they asked for then. If the stale sweep failed
    the job while it ran, the file written is deleted and the job left failed."""
    now = clock.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now
    )
    if not claimed:
        return ExportJob.objects.filter(pk=job_id).first()
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    root = Path(settings.ADUAN_EXPORT_ROOT)
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=root / "tmp", suffix=f".{job.format}")
    os.close(handle)
    path = Path(name)
    try:
        export_list = _export_list(job.list_name)
        lists.ensure_may_export(job.user, export_list)
        count = _write(job, export_list, path, now)
        with path.open("rb") as content:
            job.file.save(job.filename, _MovableFile(content, name=str(path)), save=False)
    except Exception as error:
        message = str(error) if isinstance(error, DomainError) else str(FAILED)
        if not isinstance(error, DomainError):
            logger.exception("export %s failed", job_id)
        path.unlink(missing_ok=True)
        _mark_failed(job, message)
        return _current(job)
    path.unlink(missing_ok=True)
    job.row_count = count
    _mark_done(job)
    return _current(job)


def _current(job: ExportJob) -> ExportJob:
    job.refresh_from_db(
        fields=["status", "row_count", "file", "error", "finished_at", "expires_at"]
    )
    return job


def _discard_file(job: ExportJob) -> None:
    if job.file:
        job.file.delete(save=False)


@transaction.atomic
def _mark_done(job: ExportJob) -> bool:
    """RUNNING -> DONE, audited and announced to the owner. Conditional on the job still
    running: if the stale sweep failed it meanwhile, the written file is deleted and nothing
    else happens (the owner was already told it failed). Returns whether the job changed."""
    now = clock.now()
    expires_at = now + timedelta(days=settings.ADUAN_EXPORT_KEEP_DAYS)
    changed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.DONE,
        row_count=job.row_count,
        file=job.file.name or "",
        finished_at=now,
        expires_at=expires_at,
    )
    if not changed:
        _discard_file(job)
        return False
    job.status, job.finished_at, job.expires_at = ExportJob.Status.DONE, now, expires_at
    audit_log(actor=None, action="export.finished", target=job, data={"rows": job.row_count or 0})
    _notify(job, READY_EVENT, now)
    return True


@transaction.atomic
def _mark_failed(job: ExportJob, message: str, *, now: datetime | None = None) -> bool:
    """RUNNING -> FAILED, audited (``export.failed``) and announced to the owner; the one
    failure path of the worker, the stale sweep and a repeated request. Conditional on the job
    still running, so a job is failed (and its owner told) once, and a job that finished
    meanwhile is left alone. Returns whether the job changed."""
    now = now or clock.now()
    changed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.FAILED, error=message[:2000], finished_at=now
    )
    if not changed:
        return False
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, message[:2000], now
    audit_log(actor=None, action="export.failed", target=job, data={"rows": job.row_count or 0})
    _notify(job, FAILED_EVENT, now)
    return True


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.ADUAN_EXPORT_STALE_MINUTES)


def _is_stale(job: ExportJob, now: datetime) -> bool:
    return (
        job.status == ExportJob.Status.RUNNING
        and job.started_at is not None
        and job.started_at < _stale_before(now)
    )


def export_jobs_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Delete expired exports (file and row), old failed ones, and fail exports whose worker
    stopped (running longer than ``ADUAN_EXPORT_STALE_MINUTES``) through the worker's failure
    path (audited, the owner told), each once however often the sweep runs."""
    now = now or clock.now()
    stale = 0
    running = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=_stale_before(now)
    )
    # Few at a time (stopped workers), so read at once rather than iterate the table being changed.
    for job in list(running.order_by("pk")):
        stale += _mark_failed(job, str(FAILED), now=now)
    keep = timedelta(days=settings.ADUAN_EXPORT_KEEP_DAYS)
    deleted = 0
    expired = ExportJob.objects.filter(
        status=ExportJob.Status.DONE, expires_at__lt=now
    ) | ExportJob.objects.filter(status=ExportJob.Status.FAILED, finished_at__lt=now - keep)
    for job in expired.order_by("pk").iterator(chunk_size=200):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return {"deleted": deleted, "stale": stale}
