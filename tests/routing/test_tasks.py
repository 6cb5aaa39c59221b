"""Routing background work: the suggestion after a complaint is submitted, training on demand
and on schedule, refreshing suggestions after a swap."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from aduan.complaints.models import Status
from aduan.core import clock
from aduan.core.problems import problem_text
from aduan.routing import services, tasks
from aduan.routing.models import RoutingModel, RoutingSuggestion
from tests.routing.django_helpers import (
    build_history,
    routing_dir_fixture,  # noqa: F401 (autouse fixture)
    text_for,
)
from tests.world import World, submit

pytestmark = pytest.mark.django_db


def _submit(world: World, kind: str) -> Any:
    title, description = text_for(kind, random.Random(3))
    return submit(world, title=title, description=description, category=None)


def _queued(path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=path))


def test_submitting_a_complaint_queues_its_suggestion_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _submit(world, "health")
    assert not _queued("aduan.routing.tasks.suggest_complaint")  # no model in use yet
    build_history(world, per_agency=5)
    services.model_train()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _submit(world, "health")
    queued = _queued("aduan.routing.tasks.suggest_complaint")
    assert [task.args_kwargs["args"] for task in queued] == [[complaint.pk]]


def test_suggest_task_stores_the_suggestion_and_dispatches_only_when_enabled(
    world: World,
) -> None:
    build_history(world)
    services.model_train()
    first = _submit(world, "education")
    result = tasks.suggest_complaint.call(first.pk)
    assert result["status"] == "suggested" and result["auto_dispatched"] is False
    assert RoutingSuggestion.objects.get(complaint=first).agency_ids[0] == world.education.pk
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED

    row = services.routing_settings()
    row.auto_dispatch_enabled = True
    row.threshold_override = 0.0
    row.save()
    second = _submit(world, "education")
    assert tasks.suggest_complaint.call(second.pk)["auto_dispatched"] is True
    second.refresh_from_db()
    assert second.status == Status.DISPATCHED and second.lead_agency == world.education
    assert tasks.suggest_complaint.call(0)["status"] == "missing"


def test_train_task_on_demand_and_refusal_is_shown(world: World) -> None:
    result = tasks.train_model.call(world.admin.pk)
    assert result["status"] == "refused"
    # Shown in the reader's language, whichever language the worker wrote it in.
    outcome = services.routing_settings().last_training_outcome
    with translation.override("en"):
        assert problem_text(outcome).startswith("Too little history to train on: 0 ")
    with translation.override("id"):
        assert problem_text(outcome).startswith("Riwayat terlalu sedikit untuk pelatihan: 0 ")
    build_history(world, per_agency=5)
    result = tasks.train_model.call(world.admin.pk)
    assert result["status"] == "stored" and result["activated"] is True
    assert RoutingModel.objects.get(is_active=True).created_by == world.admin


def test_retrain_request_queues_the_training(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.retrain_request(actor=world.admin)
    queued = _queued("aduan.routing.tasks.train_model")
    assert len(queued) == 1 and queued[0].args_kwargs["kwargs"] == {"actor_id": world.admin.pk}
    assert services.routing_settings().retrain_requested_at is not None


def test_schedule_trains_only_when_due(world: World) -> None:
    build_history(world, per_agency=5)
    assert services.retrain_due()
    assert tasks.retrain_if_due.call()["status"] == "stored"
    assert tasks.retrain_if_due.call() == {"status": "not due"}
    row = services.routing_settings()
    row.last_training_at = clock.now() - timedelta(days=8)
    row.save()
    assert services.retrain_due()
    row.retrain_every_days = 0
    row.save()
    assert not services.retrain_due()


def test_a_swap_refreshes_the_suggestions_awaiting_verification(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    build_history(world, per_agency=5)
    waiting = _submit(world, "public_works")  # no model yet: no suggestion
    with django_capture_on_commit_callbacks(execute=True):
        services.model_train()
    assert _queued("aduan.routing.tasks.refresh_suggestions")
    assert tasks.refresh_suggestions.call() == {"refreshed": 1}
    assert RoutingSuggestion.objects.get(complaint=waiting).agency_ids[0] == world.public_works.pk
