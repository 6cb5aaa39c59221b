"""``aduan worker``: run queued background tasks and enqueue the periodic jobs.

It is django-tasks-db's ``db_worker`` (same options and signal handling: SIGTERM or Ctrl+C
finishes the running task, then exits) plus the scheduler of ``ADUAN_PERIODIC_TASKS``. Run as
many as you like; see docs/operations.md.
"""

from __future__ import annotations

import signal
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker

from aduan.notifications.scheduler import SchedulerThread, schedule_due


class Command(db_worker.Command):
    help = (
        "Run queued background tasks (notifications, sweep, ...) and enqueue the periodic jobs. "
        "--once processes what is due now and exits."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--once",
            action="store_true",
            dest="batch",
            help="Enqueue the periodic jobs that are due, run every queued task, then exit "
            "(same as --batch; for cron and tests).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run queued tasks; do not enqueue periodic jobs.",
        )
        parser.add_argument(
            "--scheduler-only",
            action="store_true",
            help="Only enqueue periodic jobs (for a queue run by other workers, e.g. RQ).",
        )
        # All queues, no reloader: a worker is a service, not a development server. The backend
        # is checked in handle(), so --scheduler-only works with any task backend.
        parser.set_defaults(
            queue_name="*",
            reload=False,
            interval=settings.ADUAN_WORKER_POLL_SECONDS,
            backend_name=None,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = options.pop("scheduler", True)
        if options.pop("scheduler_only", False):
            self._schedule_forever(options["interval"], once=options["batch"])
            return
        try:
            options["backend_name"] = db_worker.valid_backend_name(
                options["backend_name"] or DEFAULT_TASK_BACKEND_ALIAS
            )
        except ArgumentTypeError as error:
            raise CommandError(f"{error} (use --scheduler-only with other backends)") from None
        if options["batch"]:
            options["startup_delay"] = False
            if scheduler:
                schedule_due()
            super().handle(*args, **options)
            return
        thread = SchedulerThread(interval=max(options["interval"], 1.0)) if scheduler else None
        if thread is not None:
            thread.start()
        try:
            super().handle(*args, **options)
        finally:
            if thread is not None:
                thread.stop()

    def _schedule_forever(self, interval: float, *, once: bool) -> None:
        if once:
            schedule_due()
            return
        thread = SchedulerThread(interval=max(interval, 1.0))

        def stop(signum: int, frame: FrameType | None) -> None:
            thread.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        thread.start()
        while thread.is_alive():
            thread.join(timeout=1)
