"""Background work of the exports app (django-tasks; ``aduan worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from aduan.exports import services


@task()
def run_export(job_id: int) -> dict[str, object]:
    """Write one queued export's file and tell its owner it is ready."""
    job = services.export_job_run(job_id=job_id)
    if job is None:
        return {"job": job_id, "status": "missing"}
    return {"job": job_id, "status": job.status, "rows": job.row_count or 0}


@task()
def prune_exports() -> dict[str, int]:
    """Delete expired export files (periodic: settings ``ADUAN_PERIODIC_TASKS``)."""
    return services.export_jobs_prune()
