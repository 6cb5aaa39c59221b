"""Steps of the worker tests that run in their own process against the database in
``DATABASE_URL``: ``python -m tests.notifications.killhelper setup|state|requeue [--expire]``.

``setup`` migrates and writes an instansi with complaints whose outbox asks for SMS messages;
``requeue`` enqueues a delivery task (the periodic job coming round again), with ``--expire``
first moving every running lease into the past (the lease time having passed); ``state``
prints the deliveries as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import django


def main(argv: list[str]) -> None:
    django.setup()
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from aduan.complaints import services
    from aduan.core import clock
    from aduan.notifications.models import Delivery, NotificationPreference, PeriodicRun
    from aduan.notifications.tasks import deliver_notifications

    command = argv[0]
    if command == "setup":
        from tests.world import build_world, submit

        call_command("migrate", verbosity=0)
        world = build_world(SimpleNamespace(), Path(tempfile.mkdtemp()))
        world.coordinator.phone = "081100000001"
        world.coordinator.save()
        NotificationPreference.objects.create(
            user=world.coordinator, in_app=True, email=False, sms=True
        )
        first = submit(world, actor=None, reporter_name="Tamu Satu", reporter_phone="0812000001")
        submit(world, actor=None, reporter_name="Tamu Dua", reporter_phone="0812000002")
        services.complaint_dispatch(
            actor=world.coordinator, complaint=first, lead_agency=world.public_works
        )
        # The tests start from an empty queue (the commits above asked for a delivery run).
        DBTaskResult.objects.all().delete()
        return
    if command == "requeue":
        if "--expire" in argv:
            Delivery.objects.filter(status=Delivery.Status.SENDING).update(
                lease_expires_at=clock.now() - timedelta(seconds=1)
            )
        deliver_notifications.enqueue()
    rows = list(
        Delivery.objects.order_by("id").values(
            "id", "channel", "address", "status", "attempts", "recipient_key"
        )
    )
    tasks = list(DBTaskResult.objects.values_list("task_path", "status"))
    runs = list(PeriodicRun.objects.values_list("name", "last_task_id"))
    print(json.dumps({"deliveries": rows, "tasks": tasks, "runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1:])
