"""Enqueueing the periodic jobs of settings ``ADUAN_PERIODIC_TASKS``, once per interval however
many workers run.

Each job has a :class:`PeriodicRun` row. A worker advances its ``next_run_at`` with a conditional
UPDATE (``WHERE next_run_at <= now``) and enqueues the task in the same transaction; only the
worker whose UPDATE matched enqueues it, so two workers never enqueue one interval twice, and a
crash between the two leaves neither.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils.module_loading import import_string

from aduan.core import clock
from aduan.notifications.models import PeriodicRun

logger = logging.getLogger(__name__)


def schedule_due(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due at ``now``; returns the names enqueued here."""
    now = now or clock.now()
    enqueued = []
    for name, spec in settings.ADUAN_PERIODIC_TASKS.items():
        try:
            every = timedelta(seconds=int(str(spec["every_seconds"])))
        except (KeyError, TypeError, ValueError):
            logger.error("periodic job %s has no valid every_seconds", name)
            continue
        if not PeriodicRun.objects.filter(name=name).exists():
            try:
                with transaction.atomic():
                    PeriodicRun.objects.create(name=name, next_run_at=now)
            except IntegrityError:
                pass  # another worker created it first
        try:
            with transaction.atomic():
                won = PeriodicRun.objects.filter(name=name, next_run_at__lte=now).update(
                    next_run_at=now + every, last_run_at=now
                )
                if not won:
                    continue
                result = import_string(str(spec["task"])).enqueue()
                PeriodicRun.objects.filter(name=name).update(last_task_id=str(result.id)[:64])
        except Exception:
            logger.exception("periodic job %s could not be enqueued", name)
            # Try again next interval instead of on every tick.
            PeriodicRun.objects.filter(name=name, next_run_at__lte=now).update(
                next_run_at=now + every
            )
            continue
        enqueued.append(name)
    return enqueued


class SchedulerThread(threading.Thread):
    """Runs :func:`schedule_due` every ``interval`` seconds beside the task worker."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="aduan-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    schedule_due()
                except Exception:
                    logger.exception("scheduler tick failed")
                self.stopped.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
