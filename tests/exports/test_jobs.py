"""Background exports: queued when large, idempotent, written by the task into private storage,
announced to the owner, downloaded by the owner only, pruned when expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from aduan.accounts.models import Membership, Role
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.core.errors import PermissionDenied
from aduan.core.models import AuditEvent
from aduan.exports import services
from aduan.exports.models import ExportJob
from aduan.exports.tasks import prune_exports, run_export
from aduan.notifications import delivery
from aduan.notifications.models import Notification, OutboxMessage
from tests.exports.helpers import as_dicts, body, export_url, xlsx_cells
from tests.world import World, frozen_at, staff_login

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
MakeComplaint = Callable[..., Complaint]


def _request(world: World, **overrides: Any) -> tuple[ExportJob, bool]:
    fields: dict[str, Any] = {
        "actor": world.coordinator,
        "list_name": "all",
        "file_format": "csv",
        "filters": {},
        "language": "en",
    }
    fields.update(overrides)
    return services.export_job_request(**fields)


def test_large_export_goes_to_the_background_and_a_repeat_gets_the_same_job(
    world: World,
    client_for: ClientFor,
    make_complaint: MakeComplaint,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ADUAN_EXPORT_SYNC_LIMIT = 1
    make_complaint("submitted")
    make_complaint("submitted")
    client = client_for("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url("all", query="status=submitted"))
    assert response.status_code == 302
    assert response["Location"] == "/staf/ekspor/"
    job = ExportJob.objects.get()
    assert (job.user, job.list_name, job.format, job.status) == (
        world.coordinator,
        "all",
        "csv",
        ExportJob.Status.QUEUED,
    )
    assert job.filters == {"status": "submitted"}
    assert job.language == "en"
    # The worker's task was enqueued after the commit.
    task = DBTaskResult.objects.get()
    assert task.task_path == "aduan.exports.tasks.run_export"
    assert task.args_kwargs["args"] == [job.pk]
    assert AuditEvent.objects.filter(action="export.requested", target_id=str(job.pk)).exists()

    again = client.post(export_url("all", query="status=submitted"), follow=True)
    assert ExportJob.objects.count() == 1
    assert "already being prepared" in again.content.decode()
    # Another format or other filters are another export.
    client.post(export_url("all", "xlsx", query="status=submitted"))
    client.post(export_url("all"))
    assert ExportJob.objects.count() == 3


def test_request_service_is_idempotent_while_queued_or_running(world: World) -> None:
    job, created = _request(world, filters={"status": "submitted"})
    assert created
    same, created_again = _request(world, filters={"status": "submitted"})
    assert (same.pk, created_again) == (job.pk, False)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    assert _request(world, filters={"status": "submitted"}) == (job, False)
    # Once finished, asking again makes a new export.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    fresh, created = _request(world, filters={"status": "submitted"})
    assert created and fresh.pk != job.pk
    # Someone else asking the same gets their own.
    other, created = _request(world, actor=world.leadership, filters={"status": "submitted"})
    assert created and other.pk not in (job.pk, fresh.pk)


def test_monitor_cannot_queue_an_export(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _request(world, actor=world.monitor)
    assert not ExportJob.objects.exists()


def test_task_writes_the_file_privately_and_tells_the_owner(
    world: World, make_complaint: MakeComplaint, settings: Any, _export_root: Path
) -> None:
    first = make_complaint("submitted", title="=cmd")
    second = make_complaint("in_progress")
    job, _created = _request(world)
    result = run_export.call(job.pk)
    assert result == {"job": job.pk, "status": "done", "rows": 2}
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.row_count == 2
    assert job.finished_at is not None
    assert job.expires_at == job.finished_at + timedelta(days=7)
    path = Path(job.file.path)
    assert path.is_relative_to(_export_root)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018 - private storage has no URL
    rows = as_dicts(path.read_bytes())
    assert {r["Tracking ID"] for r in rows} == {first.tracking_id, second.tracking_id}
    assert {r["Title"] for r in rows} >= {"'=cmd"}
    assert "Reporter phone" not in rows[0] and "Reporter e-mail" not in rows[0]
    assert b"warga@example.org" not in path.read_bytes()  # the reporter's account e-mail
    assert not list((_export_root / "tmp").iterdir())  # the temporary file was moved, not left

    # Running it again (a duplicate task) changes nothing.
    assert run_export.call(job.pk)["status"] == "done"
    assert OutboxMessage.objects.filter(event="export.ready").count() == 1

    # The owner is told in the app, in their language, with a link to the exports page.
    message = OutboxMessage.objects.get(event="export.ready")
    assert message.user == world.coordinator and message.complaint is None
    delivery.deliver(seconds=5)
    note = Notification.objects.get(user=world.coordinator, link="/staf/ekspor/")
    assert note.title  # rendered in the person's language (Indonesian by default)
    assert "2" in note.body


def test_xlsx_task_and_owner_only_download(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint("dispatched")
    job, _created = _request(world, file_format="xlsx")
    run_export.call(job.pk)
    url = f"/staf/ekspor/{job.pk}/unduh/"
    response = client_for("coordinator").get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    rows, text = xlsx_cells(body(response))
    assert rows == 2 and complaint.tracking_id in text

    # Another coordinator, who could export the same list, may not fetch this file.
    colleague = world.leadership
    Membership.objects.create(user=colleague, role=Role.COORDINATOR)
    other = Client()
    staff_login(other, colleague)
    assert other.get(url).status_code == 404
    assert client_for("operator").get(url).status_code == 404
    assert Client().get(url).status_code == 302

    page = client_for("coordinator").get("/staf/ekspor/").content.decode()
    assert url in page
    assert url not in other.get("/staf/ekspor/").content.decode()


def test_export_fails_when_the_owner_lost_the_role(
    world: World, make_complaint: MakeComplaint
) -> None:
    make_complaint("submitted")
    job, _created = _request(world)
    Membership.objects.filter(user=world.coordinator).update(is_active=False)
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert not job.file
    assert OutboxMessage.objects.filter(event="export.failed", user=world.coordinator).exists()


def test_expired_exports_are_pruned(world: World, make_complaint: MakeComplaint) -> None:
    make_complaint("submitted")
    job, _created = _request(world)
    run_export.call(job.pk)
    job.refresh_from_db()
    path = Path(job.file.path)
    assert path.exists()
    stuck, _created = _request(world, file_format="xlsx")
    ExportJob.objects.filter(pk=stuck.pk).update(
        status=ExportJob.Status.RUNNING, started_at=clock.now()
    )

    assert services.export_jobs_prune() == {"deleted": 0, "stale": 0}
    assert path.exists()
    with frozen_at(clock.now() + timedelta(days=8)):
        assert prune_exports.call() == {"deleted": 1, "stale": 1}
        # The failed one is kept for a while, so its owner sees why.
        assert services.export_jobs_prune() == {"deleted": 0, "stale": 0}
    assert not path.exists()
    assert list(ExportJob.objects.values_list("pk", "status")) == [
        (stuck.pk, ExportJob.Status.FAILED)
    ]
    with frozen_at(clock.now() + timedelta(days=16)):
        assert services.export_jobs_prune() == {"deleted": 1, "stale": 0}
    assert not ExportJob.objects.exists()


def test_expired_file_is_not_served(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    make_complaint("submitted")
    job, _created = _request(world)
    run_export.call(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=clock.now() - timedelta(minutes=1))
    assert client_for("coordinator").get(f"/staf/ekspor/{job.pk}/unduh/").status_code == 404


def test_exports_page_lists_jobs_with_status(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    _request(world, list_name="verification")
    page = client_for("coordinator").get("/staf/ekspor/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Queued" in text and "Verification" in text


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _failed_notices(job: ExportJob) -> tuple[int, int]:
    """(``export.failed`` audit events, ``export.failed`` notices to the owner) of ``job``."""
    events = AuditEvent.objects.filter(action="export.failed", target_id=str(job.pk)).count()
    notices = OutboxMessage.objects.filter(
        event="export.failed", user=job.user, dedupe_key=f"export.failed:{job.pk}"
    ).count()
    return events, notices


def test_stale_running_job_is_failed_once_audited_and_its_owner_told(world: World) -> None:
    assert services.settings.ADUAN_EXPORT_STALE_MINUTES == 60  # the default
    stuck, _created = _request(world)
    slow, _created = _request(world, file_format="xlsx")
    started = clock.now()
    ExportJob.objects.filter(pk=stuck.pk).update(
        status=ExportJob.Status.RUNNING, started_at=started - timedelta(minutes=61)
    )
    ExportJob.objects.filter(pk=slow.pk).update(
        status=ExportJob.Status.RUNNING, started_at=started - timedelta(minutes=59)
    )

    assert services.export_jobs_prune(now=started) == {"deleted": 0, "stale": 1}
    stuck.refresh_from_db()
    assert stuck.status == ExportJob.Status.FAILED
    assert stuck.finished_at == started and stuck.error
    assert _failed_notices(stuck) == (1, 1)
    assert ExportJob.objects.get(pk=slow.pk).status == ExportJob.Status.RUNNING
    assert _failed_notices(slow) == (0, 0)

    # The sweep runs again: the failed job is not failed (nor announced) twice.
    assert prune_exports.call() == {"deleted": 0, "stale": 0}
    assert _failed_notices(stuck) == (1, 1)
    delivery.deliver(seconds=5)
    assert Notification.objects.filter(user=world.coordinator, link="/staf/ekspor/").count() == 1


@pytest.mark.parametrize("worker_fails", [False, True])
def test_a_slow_worker_finishing_after_the_sweep_changes_nothing(
    world: World,
    make_complaint: MakeComplaint,
    monkeypatch: pytest.MonkeyPatch,
    _export_root: Path,
    worker_fails: bool,
) -> None:
    make_complaint("submitted")
    job, _created = _request(world)
    write = services._write
    swept: list[dict[str, int]] = []

    def slow_write(*args: Any) -> int:
        count = write(*args)
        # Meanwhile the sweep took the worker for stopped and failed the job.
        with frozen_at(clock.now() + timedelta(hours=4)):
            swept.append(services.export_jobs_prune())
        if worker_fails:
            raise RuntimeError("disk full")
        return count

    monkeypatch.setattr(services, "_write", slow_write)
    assert run_export.call(job.pk)["status"] == "failed"
    assert swept == [{"deleted": 0, "stale": 1}]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert _files(_export_root) == []  # the file written late was deleted
    assert _failed_notices(job) == (1, 1)
    assert not AuditEvent.objects.filter(action="export.finished").exists()
    assert not OutboxMessage.objects.filter(event="export.ready").exists()


def test_a_finished_job_is_not_failed_by_a_late_sweep(
    world: World, make_complaint: MakeComplaint
) -> None:
    make_complaint("submitted")
    job, _created = _request(world)
    run_export.call(job.pk)
    job.refresh_from_db()
    # A sweep that read the job while it was running fails it only if it still runs.
    assert services._mark_failed(job, "late") is False
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and Path(job.file.path).exists()
    assert _failed_notices(job) == (0, 0)


def test_repeat_of_a_stale_running_export_makes_a_new_job_after_failing_the_old(
    world: World,
) -> None:
    job, _created = _request(world)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, started_at=clock.now()
    )
    with frozen_at(clock.now() + timedelta(minutes=59)):
        assert _request(world) == (job, False)  # still running, not yet stale
    assert _failed_notices(job) == (0, 0)

    with frozen_at(clock.now() + timedelta(minutes=61)):
        fresh, created = _request(world)
        assert created and fresh.pk != job.pk
        assert fresh.status == ExportJob.Status.QUEUED
        job.refresh_from_db()
        assert job.status == ExportJob.Status.FAILED
        assert _failed_notices(job) == (1, 1)
        # Asking once more returns the new job; the old one is not failed again.
        assert _request(world) == (fresh, False)
        assert services.export_jobs_prune() == {"deleted": 0, "stale": 0}
    assert _failed_notices(job) == (1, 1)
    assert ExportJob.objects.filter(status__in=ExportJob.ACTIVE_STATES).count() == 1
