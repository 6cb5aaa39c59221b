"""``aduan worker``: periodic jobs enqueued once per interval however many workers run, queued
tasks processed, and the kill test — a worker SIGKILLed between "the provider accepted" and
"marked sent" — showing no duplicate and no loss.

The subprocess tests use a database of their own: a SQLite file when the suite runs on SQLite,
a fresh PostgreSQL database when ``DATABASE_URL`` is PostgreSQL.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from aduan.core import clock
from aduan.notifications.models import Delivery, Notification, PeriodicRun
from aduan.notifications.scheduler import schedule_due
from tests.notifications.gateway import SmsGateway
from tests.simulators.base import serve
from tests.world import World, submit

REPO = Path(__file__).resolve().parents[2]
ADUAN = str(Path(sys.executable).with_name("aduan"))
# A guard against a hung worker, not a speed test: it covers building the template database on
# first use and several interpreter start-ups, which take a while when the suite runs in
# parallel (pytest-xdist) on a small machine.
WHOLE_TEST_SECONDS = 180


# --- in-process -------------------------------------------------------------------------------


def test_periodic_jobs_are_enqueued_once_per_interval(db: Any, settings: Any) -> None:
    settings.ADUAN_PERIODIC_TASKS = {
        "sweep": {"task": "aduan.notifications.tasks.sweep_complaints", "every_seconds": 60},
        "deliver": {"task": "aduan.notifications.tasks.deliver_notifications", "every_seconds": 5},
        "broken": {"task": "aduan.nowhere.tasks.missing", "every_seconds": 60},
    }
    start = clock.now()
    assert sorted(schedule_due(start)) == ["deliver", "sweep"]
    # A second worker at the same moment, or the same one a little later, enqueues nothing.
    assert schedule_due(start) == []
    assert schedule_due(start + timedelta(seconds=4)) == []
    assert schedule_due(start + timedelta(seconds=5)) == ["deliver"]
    assert sorted(schedule_due(start + timedelta(seconds=60))) == ["deliver", "sweep"]
    counts = {
        path: DBTaskResult.objects.filter(task_path=path).count()
        for path in DBTaskResult.objects.values_list("task_path", flat=True)
    }
    assert counts == {
        "aduan.notifications.tasks.sweep_complaints": 2,
        "aduan.notifications.tasks.deliver_notifications": 3,
    }
    # The broken job is logged and tried again only next interval.
    broken = PeriodicRun.objects.get(name="broken")
    assert broken.next_run_at == start + timedelta(seconds=120)


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_what_is_due_and_exits(world: World, settings: Any) -> None:
    settings.ADUAN_PERIODIC_TASKS = {
        "complaints.sweep": {
            "task": "aduan.notifications.tasks.sweep_complaints",
            "every_seconds": 300,
        },
        # Long enough that the second run below is never a full interval later, however
        # slowly a busy machine (or a parallel test run) gets there.
        "notifications.deliver": {
            "task": "aduan.notifications.tasks.deliver_notifications",
            "every_seconds": 3600,
        },
    }
    complaint = submit(world)
    call_command("worker", "--once", verbosity=0)
    # Other apps' jobs queued by a submission (duplicates, routing) are not this test's concern.
    ours = DBTaskResult.objects.filter(task_path__startswith="aduan.notifications.")
    assert set(ours.values_list("task_path", "status")) == {
        ("aduan.notifications.tasks.sweep_complaints", "SUCCESSFUL"),
        ("aduan.notifications.tasks.deliver_notifications", "SUCCESSFUL"),
    }
    note = Notification.objects.get(user=world.reporter)
    assert complaint.tracking_id in note.title
    assert not Delivery.objects.exclude(status="sent").exists()
    # Nothing is due any more: a second run enqueues and runs nothing.
    count = DBTaskResult.objects.count()
    call_command("worker", "--once", verbosity=0)
    assert DBTaskResult.objects.count() == count


# --- separate processes -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_database(tmp_path_factory: Any) -> Iterator[str]:
    """A migrated database holding the instansi and complaints of ``killhelper setup``."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"aduan_notify_tpl_{secrets.token_hex(4)}"
        template = _postgres_url(url, name)
        _postgres(url, f'CREATE DATABASE "{name}"')
        try:
            _helper(template, "setup")
            yield template
        finally:
            _postgres(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        template = f"sqlite:///{path}"
        _helper(template, "setup")
        yield template


@pytest.fixture
def worker_database(template_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the template database for one test."""
    if template_database.startswith("postgres"):
        name = f"aduan_notify_{secrets.token_hex(4)}"
        template_name = dj_database_url.parse(template_database)["NAME"]
        _postgres(template_database, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        try:
            yield _postgres_url(template_database, name)
        finally:
            _postgres(template_database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        source = Path(template_database.removeprefix("sqlite:///"))
        target = tmp_path / "worker.sqlite3"
        target.write_bytes(source.read_bytes())
        yield f"sqlite:///{target}"


def _postgres_url(url: str, name: str) -> str:
    base, _sep, _old = url.rpartition("/")
    return f"{base}/{name}"


def _postgres(url: str, sql: str) -> None:
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ADUAN_NOTIFY", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="aduan.settings",
        PYTHONPATH=str(REPO),
        ADUAN_NOTIFY_CHANNELS="in_app,sms",
        ADUAN_NOTIFY_SMS_SENDER="tests.notifications.gateway.send_sms",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def _helper(database_url: str, *args: str, **extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.notifications.killhelper", *args],
        env=_env(database_url, **extra),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"killhelper {' '.join(args)} failed:\n{done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def _worker(database_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ADUAN, "worker", "--once", "-v0", *args],
        env=_env(database_url, **extra),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.timeout(WHOLE_TEST_SECONDS)
def test_two_workers_enqueue_each_periodic_job_once(worker_database: str) -> None:
    with serve(SmsGateway()) as gateway_url:
        # The jobs due every few seconds get long intervals: on a busy machine (a parallel test
        # run) the second worker may start more than 2 s after the first, when the rollups job
        # would rightly be due again; "once" is about two workers at the same moment.
        env = _env(
            worker_database,
            ADUAN_TEST_SMS_GATEWAY_URL=gateway_url,
            ADUAN_ROLLUPS_SECONDS="3600",
            ADUAN_NOTIFY_POLL_SECONDS="3600",
        )
        workers = [
            subprocess.Popen(
                [ADUAN, "worker", "--once", "-v0"],
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for worker in workers:
            _out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
    state = _helper(worker_database, "state")
    paths = [path for path, _status in state["tasks"]]
    assert "aduan.notifications.tasks.deliver_notifications" in paths
    assert "aduan.notifications.tasks.sweep_complaints" in paths
    assert len(paths) == len(set(paths)), paths  # each job once, not once per worker
    mine = {status for path, status in state["tasks"] if path.startswith("aduan.notifications")}
    assert mine == {"SUCCESSFUL"}
    assert {row["status"] for row in state["deliveries"]} == {"sent"}


@pytest.mark.timeout(WHOLE_TEST_SECONDS)
def test_worker_killed_after_the_provider_accepted_sends_each_message_once(
    worker_database: str,
) -> None:
    gateway = SmsGateway()
    with serve(gateway) as gateway_url:
        extra = {"ADUAN_TEST_SMS_GATEWAY_URL": gateway_url}

        # 1. The worker dies (SIGKILL) right after the gateway accepted the first SMS. (The
        #    delivery task is enqueued by hand and the scheduler is off, so other areas'
        #    periodic jobs stay out of this test.)
        _helper(worker_database, "requeue", **extra)
        died = _worker(
            worker_database, "--no-scheduler", ADUAN_NOTIFY_TEST_CRASH_AFTER_SEND="sms", **extra
        )
        assert died.returncode == -signal.SIGKILL, died.stderr
        assert len(gateway.requests) == 1
        state = _helper(worker_database, "state", **extra)
        [stranded] = [row for row in state["deliveries"] if row["status"] == "sending"]
        assert stranded["channel"] == "sms"
        reference = f"aduan-delivery-{stranded['id']}"
        assert list(gateway.delivered) == [reference]

        # 2. The job runs again while the lease still holds: everything else is sent, the
        #    stranded row is left alone.
        _helper(worker_database, "requeue", **extra)
        assert _worker(worker_database, "--no-scheduler", **extra).returncode == 0
        state = _helper(worker_database, "state", **extra)
        statuses = {row["id"]: row["status"] for row in state["deliveries"]}
        assert statuses.pop(stranded["id"]) == "sending"
        assert set(statuses.values()) == {"sent"}
        assert [r["reference"] for r in gateway.requests].count(reference) == 1

        # 3. The lease runs out; the next run sends it again with the same reference, which the
        #    gateway recognises.
        _helper(worker_database, "requeue", "--expire", **extra)
        assert _worker(worker_database, "--no-scheduler", **extra).returncode == 0
        state = _helper(worker_database, "state", **extra)

    sms_rows = [row for row in state["deliveries"] if row["channel"] == "sms"]
    assert len(sms_rows) >= 4  # two guests (submitted, dispatched) and the coordinator
    assert {row["status"] for row in state["deliveries"]} == {"sent"}  # no loss
    # No duplicate: exactly one message per SMS delivery arrived, each recipient got as many
    # messages as they have deliveries.
    assert len(gateway.delivered) == len(sms_rows)
    for address in {row["address"] for row in sms_rows}:
        expected = sum(1 for row in sms_rows if row["address"] == address)
        assert len(gateway.received_by(address)) == expected
    assert [r["reference"] for r in gateway.requests].count(reference) == 2  # sent twice,
    assert gateway.delivered[reference]["id"] == "msg-1"  # received once
    assert len(gateway.requests) == len(sms_rows) + 1
    assert django_settings.ADUAN_NOTIFY_RESEND_UNCONFIRMED == ["email", "sms"]


def test_scheduler_only_enqueues_without_running(db: Any, settings: Any) -> None:
    settings.ADUAN_PERIODIC_TASKS = {
        "sweep": {"task": "aduan.notifications.tasks.sweep_complaints", "every_seconds": 60}
    }
    call_command("worker", "--scheduler-only", "--once", verbosity=0)
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("aduan.notifications.tasks.sweep_complaints", "READY")
    ]


@pytest.mark.timeout(WHOLE_TEST_SECONDS)
def test_worker_stops_gracefully_on_sigterm(worker_database: str) -> None:
    with serve(SmsGateway()) as gateway_url:
        env = _env(worker_database, ADUAN_TEST_SMS_GATEWAY_URL=gateway_url, LOG_LEVEL="INFO")
        _helper(worker_database, "requeue", ADUAN_TEST_SMS_GATEWAY_URL=gateway_url)
        worker = subprocess.Popen(
            [ADUAN, "worker", "--no-scheduler", "--no-startup-delay"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert worker.stdout is not None
            done = False
            for line in worker.stdout:  # blocks until the worker reports the task done
                if "deliver_notifications state=SUCCESSFUL" in line:
                    done = True
                    break
            assert done
            assert worker.poll() is None  # still running, waiting for work
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
    state = _helper(worker_database, "state")
    assert {row["status"] for row in state["deliveries"]} == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_asks_for_delivery_once(world: World, settings: Any) -> None:
    settings.ADUAN_NOTIFY_ENQUEUE_ON_COMMIT = True
    path = "aduan.notifications.tasks.deliver_notifications"
    ours = DBTaskResult.objects.filter(task_path__startswith="aduan.notifications.")
    submit(world)
    submit(world)
    assert list(ours.values_list("task_path", "status")) == [(path, "READY")]
    settings.ADUAN_PERIODIC_TASKS = {}
    call_command("worker", "--once", verbosity=0)
    assert Notification.objects.filter(user=world.reporter).count() == 2
    settings.ADUAN_NOTIFY_ENQUEUE_ON_COMMIT = False
    submit(world)
    assert ours.filter(status="READY").count() == 0
