"""Background tasks (django-tasks API; the database backend by default). ``aduan worker`` runs
them and enqueues the periodic ones listed in settings ``ADUAN_PERIODIC_TASKS``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aduan.core import clock
from aduan.notifications import delivery


@task()
def deliver_notifications() -> dict[str, int]:
    """Fan the outbox out into deliveries and send what is due (at most about a minute)."""
    return delivery.deliver(seconds=50)


@task()
def sweep_complaints() -> dict[str, int]:
    """The lifecycle sweep (``aduan sweep``): overdue flags, reminders, escalation, auto-close,
    expired holds."""
    from aduan.complaints.sweep import sweep

    result = sweep()
    return {
        "breached": result.breached,
        "auto_closed": result.auto_closed,
        "holds_expired": result.holds_expired,
        "reminded": result.reminded,
        "escalated": result.escalated,
    }


@task()
def prune_task_results() -> int:
    """Delete finished task rows older than ``ADUAN_TASK_RESULT_DAYS``."""
    cutoff = clock.now() - timedelta(days=settings.ADUAN_TASK_RESULT_DAYS)
    deleted, _by_model = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL) | Q(status=TaskResultStatus.FAILED),
        finished_at__lt=cutoff,
    ).delete()
    return deleted
