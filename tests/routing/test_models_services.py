"""Routing services: training from past dispatches, the swap rule, uploads, settings,
suggestions, the automatic dispatch and its undo."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from aduan.accounts.models import Membership, Role, User
from aduan.complaints.models import Clock, Dispatch, Status
from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.core.problems import problem_text
from aduan.routing import engine, services
from aduan.routing.models import RoutingModel, RoutingSettings, RoutingSuggestion
from tests.routing.django_helpers import (
    build_history,
    categories,
    routing_dir_fixture,  # noqa: F401 (autouse fixture)
    text_for,
)
from tests.world import World, lead_dispatch, submit

pytestmark = pytest.mark.django_db


def _new_complaint(world: World, kind: str, seed: int = 99) -> Any:
    title, description = text_for(kind, random.Random(seed))
    return submit(world, title=title, description=description, category=None)


def _enable(**values: Any) -> RoutingSettings:
    row = services.routing_settings()
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    return row


# --- training --------------------------------------------------------------------------------


def test_training_rows_are_time_ordered_and_leave_out_protected_reports(world: World) -> None:
    history = build_history(world, per_agency=4)
    history[0].is_confidential = True
    history[0].save(update_fields=["is_confidential"])
    _new_complaint(world, "health")  # not dispatched: no label yet
    rows = services.training_rows()
    assert [row.complaint_id for row in rows] == [c.pk for c in history[1:]]
    assert rows[0].agency_id == world.health.pk
    assert "Mohon bantuan" in rows[0].example.text
    train, heldout = services.split_rows(rows)
    assert len(heldout) == 2 and len(train) == 9  # the newest 20 % (11 rows → 2)
    assert heldout == rows[-2:]


def test_train_from_the_database_puts_the_first_model_in_use(
    world: World, routing_dir: Path
) -> None:
    build_history(world)
    result = services.model_train(actor=world.admin)
    model = result.model
    assert result.activated and model.is_active
    assert model.source == RoutingModel.Source.DATABASE
    assert (model.n_examples, model.n_heldout, model.n_labels) == (34, 8, 3)
    assert (routing_dir / model.file_name).exists()
    assert model.accuracy is not None and model.accuracy >= 0.75
    assert model.top3_accuracy == 1.0
    assert len(model.heldout_scores) == 8
    event = AuditEvent.objects.get(action="routing.model_trained")
    assert event.target_id == str(model.pk) and event.actor == world.admin
    assert event.data["activated"] is True
    row = services.routing_settings()
    assert row.last_training_at is not None
    assert row.last_training_outcome == {
        "text": "Model #%(id)s is now in use.",
        "params": {"id": model.pk},
    }


def test_too_little_history_is_refused_and_nothing_is_stored(
    world: World, routing_dir: Path
) -> None:
    build_history(world, per_agency=2)
    with pytest.raises(InvalidInput, match="Too little history"):
        services.model_train(actor=world.admin)
    assert not RoutingModel.objects.exists()
    assert not routing_dir.exists() or not any(routing_dir.iterdir())


def test_only_administrators_train(world: World) -> None:
    build_history(world, per_agency=4)
    with pytest.raises(PermissionDenied):
        services.model_train(actor=world.coordinator)


def test_swap_rule_both_ways(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    build_history(world)
    first = services.model_train().model
    # As good (the same data): swapped in.
    second = services.model_train()
    assert second.activated
    assert second.model.compared_with == first
    assert second.model.compared_accuracy == pytest.approx(first.accuracy)
    first.refresh_from_db()
    assert not first.is_active

    # A worse model (trained on shifted labels) stays out; the current one stays in use.
    original = engine.Router.train.__func__  # type: ignore[attr-defined]

    def shifted(cls: Any, examples: Any, labels: Any, categories: Any = None, **kw: Any) -> Any:
        names = sorted(set(labels))
        wrong = [names[(names.index(label) + 1) % len(names)] for label in labels]
        return original(cls, examples, wrong, categories, **kw)

    monkeypatch.setattr(engine.Router, "train", classmethod(shifted))
    worse = services.model_train()
    assert not worse.activated
    assert worse.model.accuracy is not None and second.model.accuracy is not None
    assert worse.model.accuracy < second.model.accuracy
    assert worse.model.compared_accuracy == pytest.approx(second.model.accuracy)
    assert RoutingModel.objects.get(is_active=True) == second.model
    assert "not put in use" in worse.message
    event = AuditEvent.objects.filter(action="routing.model_trained").last()
    assert event is not None and event.data["activated"] is False


def test_upload_of_a_csv_trained_model_is_checked_and_evaluated(
    world: World, tmp_path: Path, routing_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    history = build_history(world)
    rows = services.training_rows()
    names = {world.public_works.pk: "Dinas Pekerjaan Umum", world.health.pk: "DINKES"}
    names[world.education.pk] = "dinas pendidikan"  # names match case-insensitively
    router = engine.Router.train(
        [row.example for row in rows[:30]], [names[row.agency_id] for row in rows[:30]]
    )
    path = tmp_path / "csv-model.joblib"
    router.save(path)
    upload = SimpleUploadedFile("model.joblib", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        file_name = services.model_upload(actor=world.admin, upload=upload)
    assert (routing_dir / file_name).exists()
    assert not RoutingModel.objects.exists()  # evaluated by the worker
    received = AuditEvent.objects.get(action="routing.model_received")
    assert received.actor == world.admin and received.data["file"] == file_name
    queued = DBTaskResult.objects.get(task_path="aduan.routing.tasks.import_model")
    assert queued.args_kwargs["kwargs"] == {"file_name": file_name, "actor_id": world.admin.pk}
    result = services.model_import(actor=world.admin, file_name=file_name)
    model = result.model
    assert result.activated  # nothing was in use
    assert model.source == RoutingModel.Source.UPLOAD
    assert model.label_kind == RoutingModel.LabelKind.AGENCY_NAME
    assert model.n_heldout == 8 and model.accuracy is not None and model.accuracy >= 0.75
    assert AuditEvent.objects.filter(action="routing.model_uploaded").exists()
    suggestion = services.suggestion_refresh(complaint=_new_complaint(world, "education"))
    assert suggestion is not None and suggestion.agency_ids[0] == world.education.pk
    assert history
    with pytest.raises(InvalidInput, match="imported already"):
        services.model_import(actor=world.admin, file_name=file_name)


def test_an_uploaded_model_of_other_agencies_is_refused(world: World, tmp_path: Path) -> None:
    router = engine.Router.train(
        [engine.Example(text=f"teks aduan nomor {i}") for i in range(6)],
        ["Dinas Lain", "Dinas Asing"] * 3,
    )
    path = tmp_path / "other.joblib"
    router.save(path)
    upload = SimpleUploadedFile("other.joblib", path.read_bytes())
    with pytest.raises(InvalidInput, match="matches an active agency"):
        services.model_upload(actor=world.admin, upload=upload)
    assert not AuditEvent.objects.filter(action="routing.model_received").exists()


def test_upload_refuses_a_file_that_is_not_a_model(world: World, routing_dir: Path) -> None:
    upload = SimpleUploadedFile("model.joblib", b"not a model at all")
    with pytest.raises(InvalidInput, match="not a routing model file"):
        services.model_upload(actor=world.admin, upload=upload)
    assert not RoutingModel.objects.exists()
    assert not any(routing_dir.iterdir())
    with pytest.raises(PermissionDenied):
        services.model_upload(actor=world.coordinator, upload=io.BytesIO(b"x"))  # type: ignore[arg-type]


def test_a_changed_model_file_is_refused(world: World, routing_dir: Path) -> None:
    build_history(world)
    model = services.model_train().model
    services._cache.clear()
    (routing_dir / model.file_name).write_bytes(b"tampered")
    with pytest.raises(InvalidInput, match="changed"):
        services.load(model)


# --- settings and threshold ------------------------------------------------------------------


def test_threshold_and_coverage_come_from_the_held_out_scores(world: World) -> None:
    model = RoutingModel(
        heldout_scores=[[0.9, 1], [0.8, 1], [0.7, 0], [0.6, 1], [0.5, 0]],
    )
    assert services.threshold_for(model, 1.0) == (0.8, pytest.approx(0.4))
    threshold, coverage = services.threshold_for(model, 0.75)
    assert threshold == 0.6 and coverage == pytest.approx(0.8)
    assert services.coverage_at(model, 0.7) == (pytest.approx(0.6), pytest.approx(2 / 3))
    assert services.threshold_for(None, 0.95) == (None, 0.0)


def test_settings_update_is_validated_and_audited(world: World) -> None:
    kwargs: dict[str, Any] = {
        "target_precision": Decimal("0.9"),
        "threshold_override": None,
        "prefill_enabled": True,
        "auto_dispatch_enabled": False,
        "retrain_every_days": 14,
    }
    with pytest.raises(PermissionDenied):
        services.settings_update(actor=world.coordinator, **kwargs)
    with pytest.raises(InvalidInput):
        services.settings_update(actor=world.admin, **{**kwargs, "target_precision": "1.5"})
    with pytest.raises(InvalidInput):
        services.settings_update(actor=world.admin, **{**kwargs, "threshold_override": 2.0})
    assert not AuditEvent.objects.filter(action="routing.settings_changed").exists()
    row = services.settings_update(actor=world.admin, **kwargs)
    assert row.prefill_enabled and row.retrain_every_days == 14
    assert row.target_precision == Decimal("0.900")
    event = AuditEvent.objects.get(action="routing.settings_changed")
    assert event.data["before"]["prefill_enabled"] is False
    assert event.data["after"]["target_precision"] == "0.900"
    services.settings_update(actor=world.admin, **kwargs)  # no change: no event
    assert AuditEvent.objects.filter(action="routing.settings_changed").count() == 1


# --- suggestions, automatic dispatch, undo ---------------------------------------------------


def test_suggestion_is_stored_with_three_agencies_and_the_category(world: World) -> None:
    build_history(world)
    model = services.model_train().model
    complaint = _new_complaint(world, "health")
    suggestion = services.suggestion_refresh(complaint=complaint)
    assert suggestion is not None
    assert suggestion.model == model
    assert suggestion.agency_ids[0] == world.health.pk
    assert set(suggestion.agency_ids) == {
        world.health.pk,
        world.public_works.pk,
        world.education.pk,
    }
    assert suggestion.scores == sorted(suggestion.scores, reverse=True)
    assert suggestion.category == categories(world)["health"]
    assert suggestion.category_score is not None and 0 < suggestion.category_score <= 1
    # Computed again: the same row is replaced, not duplicated.
    services.suggestion_refresh(complaint=complaint)
    assert RoutingSuggestion.objects.filter(complaint=complaint).count() == 1


def test_labels_of_inactive_agencies_are_skipped(world: World) -> None:
    build_history(world)
    services.model_train()
    world.health.is_active = False
    world.health.save(update_fields=["is_active"])
    suggestion = services.suggestion_refresh(complaint=_new_complaint(world, "health"))
    assert suggestion is not None
    assert world.health.pk not in suggestion.agency_ids
    assert len(suggestion.agency_ids) == 2


def test_no_suggestion_without_a_model_or_for_supervisory_reports(world: World) -> None:
    complaint = _new_complaint(world, "health")
    assert services.suggestion_refresh(complaint=complaint) is None
    build_history(world, per_agency=4)
    services.model_train()
    complaint.is_supervisory = True
    assert services.suggestion_refresh(complaint=complaint) is None


def test_auto_dispatch_only_when_enabled_and_above_the_threshold(world: World) -> None:
    build_history(world)
    services.model_train()
    complaint = _new_complaint(world, "public_works")
    suggestion = services.suggestion_refresh(complaint=complaint)
    assert suggestion is not None

    # Switched off (the default): nothing happens, whatever the confidence.
    _enable(threshold_override=0.0)
    assert services.suggestion_auto_dispatch(suggestion=suggestion) is None
    # Switched on but below the threshold.
    _enable(auto_dispatch_enabled=True, threshold_override=min(1.0, suggestion.confidence + 1e-6))
    assert services.suggestion_auto_dispatch(suggestion=suggestion) is None
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED and not complaint.dispatches.exists()

    # Switched on and above: verified and dispatched as the routing account, audited.
    _enable(threshold_override=suggestion.confidence)
    result = services.suggestion_auto_dispatch(suggestion=suggestion)
    assert result is not None and result.status == Status.DISPATCHED
    hop = lead_dispatch(result)
    assert hop.agency == world.public_works
    assert hop.dispatched_by is not None and hop.dispatched_by.username == "@sistem-rute"
    assert not hop.dispatched_by.is_active
    assert result.category == world.category  # it had none; the suggested one was set
    event = AuditEvent.objects.get(action="routing.auto_dispatched")
    assert event.target_id == str(complaint.pk)
    assert event.data["model"] == suggestion.model_id
    assert event.data["confidence"] == pytest.approx(suggestion.confidence)
    assert AuditEvent.objects.filter(
        action="complaint.dispatched", target_id=str(complaint.pk), actor=hop.dispatched_by
    ).exists()
    suggestion.refresh_from_db()
    assert suggestion.auto_dispatch == hop
    # Once dispatched it is not dispatched again.
    assert services.suggestion_auto_dispatch(suggestion=suggestion) is None


def _auto_dispatched(world: World) -> Any:
    build_history(world)
    services.model_train()
    complaint = _new_complaint(world, "education")
    suggestion = services.suggestion_refresh(complaint=complaint)
    assert suggestion is not None
    _enable(auto_dispatch_enabled=True, threshold_override=0.0)
    assert services.suggestion_auto_dispatch(suggestion=suggestion) is not None
    complaint.refresh_from_db()
    return complaint


def test_an_account_that_can_sign_in_is_never_made_the_system_account(
    world: World, settings: Any
) -> None:
    settings.ADUAN_ROUTING_SYSTEM_USERNAME = "sistem-rute"
    citizen = User.objects.create_user(username="sistem-rute", password="rahasia-warga-123")
    with pytest.raises(ImproperlyConfigured):
        services.system_user()
    assert not Membership.objects.filter(user=citizen).exists()
    settings.ADUAN_ROUTING_SYSTEM_USERNAME = "@sistem-rute"
    robot = services.system_user()
    assert not robot.is_active and not robot.has_usable_password()
    assert Membership.objects.filter(user=robot, role=Role.COORDINATOR, agency=None).exists()


def test_coordinator_undoes_an_automatic_dispatch(world: World) -> None:
    complaint = _auto_dispatched(world)
    with pytest.raises(PermissionDenied):
        services.auto_dispatch_undo(actor=world.operator, complaint=complaint)
    undone = services.auto_dispatch_undo(
        actor=world.coordinator, complaint=complaint, reason="Salah instansi"
    )
    assert undone.status == Status.SUBMITTED and undone.lead_agency is None
    assert not complaint.dispatches.filter(state__in=Dispatch.ACTIVE_STATES).exists()
    assert complaint.dispatches.get().state == Dispatch.State.WITHDRAWN
    assert complaint.clocks.filter(kind=Clock.Kind.VERIFY, state=Clock.State.RUNNING).exists()
    assert not complaint.clocks.filter(
        kind=Clock.Kind.FIRST_FOLLOWUP, state=Clock.State.RUNNING
    ).exists()
    event = AuditEvent.objects.get(action="routing.auto_dispatch_undone")
    assert event.actor == world.coordinator and event.data["reason"] == "Salah instansi"
    suggestion = RoutingSuggestion.objects.get(complaint=complaint)
    assert suggestion.undone_by == world.coordinator and suggestion.undone_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)
    # The coordinator dispatches it by hand as usual.
    from aduan.complaints import services as lifecycle

    lifecycle.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.health
    )


def test_an_accepted_automatic_dispatch_cannot_be_undone(world: World) -> None:
    complaint = _auto_dispatched(world)
    from aduan.complaints import services as lifecycle

    lifecycle.dispatch_accept(actor=world.other_liaison, dispatch=lead_dispatch(complaint))
    with pytest.raises(TransitionNotAllowed):
        services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED


def test_a_hand_dispatch_cannot_be_undone_here(world: World, make_complaint: Any) -> None:
    complaint = make_complaint("dispatched")
    with pytest.raises(TransitionNotAllowed):
        services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)


def test_auto_dispatched_but_unconfirmed_rows_are_not_learned_from(world: World) -> None:
    complaint = _auto_dispatched(world)
    assert complaint.pk not in {row.complaint_id for row in services.training_rows()}


@pytest.mark.django_db(transaction=True)
def test_the_last_training_words_are_kept_by_the_migration() -> None:
    """Migration routing.0002, run for real: back to 0001, words written then, forward again."""
    before = [("routing", "0001_routing_models_settings_suggestions")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("routing", "RoutingSettings")
    old.objects.update_or_create(pk=1, defaults={"last_training_result": "Model #3 dipakai."})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    outcome = RoutingSettings.objects.get(pk=1).last_training_outcome
    assert outcome == {"text": "Model #3 dipakai."}
    assert problem_text(outcome) == "Model #3 dipakai."  # shown as it was written
