"""The connector's periodic job (``ADUAN_PERIODIC_TASKS["lapor.sync"]``), run by the worker."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django_tasks import task

from aduan.lapor import config

logger = logging.getLogger(__name__)


@task()
def lapor_sync() -> dict[str, object]:
    """``aduan lapor sync``: send the outbox to SP4N-LAPOR!, take in its changes."""
    from aduan.lapor.sync import sync

    if not config.enabled():
        return {"status": "off"}
    try:
        result = sync()
    except ImproperlyConfigured as error:  # shown on /staf/lapor/ too
        # Every run says so in the worker's log: the task itself did not fail.
        logger.error("SP4N-LAPOR! sync not run, the connector is misconfigured: %s", error)
        return {"status": "misconfigured", "error": str(error)}
    if result.busy:
        return {"status": "busy"}
    return {"status": "error" if result.error else "ok", **result.counts, "error": result.error}
