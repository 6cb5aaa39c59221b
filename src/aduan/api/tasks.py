"""Background jobs of the API (run by ``aduan worker``; see ADUAN_PERIODIC_TASKS)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from aduan.api.models import IdempotencyRecord
from aduan.api.webhooks import webhooks_run
from aduan.core import clock


@task()
def webhooks_dispatch() -> dict[str, int]:
    """Collect and send outbound webhooks; also drop idempotency records past their 24 hours."""
    result = webhooks_run()
    cutoff = clock.now() - timedelta(hours=settings.ADUAN_API_IDEMPOTENCY_HOURS)
    result["expired_keys"] = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]
    return result
