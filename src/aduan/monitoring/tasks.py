"""Periodic follower run (``ADUAN_PERIODIC_TASKS["monitoring.rollups"]``)."""

from __future__ import annotations

from django_tasks import task

from aduan.monitoring.rollups import catch_up


@task()
def follow_audit_log() -> dict[str, int]:
    """Apply whatever lifecycle changes the rollups have not seen yet."""
    result = catch_up()
    return {"events": result.events, "complaints": result.complaints, "rows": result.rows}
