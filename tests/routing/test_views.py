"""Routing pages: the administrators' screen (/staf/rute/) and the suggestion in the back
office (verification queue, complaint page, "use this suggestion", undo)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from aduan.complaints.models import Status
from aduan.core.models import AuditEvent
from aduan.routing import engine, services, tasks
from aduan.routing.models import RoutingModel
from aduan.routing.templatetags.routing import percent
from tests.routing.django_helpers import (
    build_history,
    client_for,
    routing_dir_fixture,  # noqa: F401 (autouse fixture)
    text_for,
)
from tests.world import World, submit

pytestmark = pytest.mark.django_db

ADMIN_URL = "/staf/rute/"


def _trained(world: World) -> RoutingModel:
    build_history(world)
    return services.model_train().model


def _submit(world: World, kind: str) -> Any:
    title, description = text_for(kind, random.Random(5))
    return submit(world, title=title, description=description, category=None)


def _settings(**values: Any) -> None:
    row = services.routing_settings()
    for key, value in values.items():
        setattr(row, key, value)
    row.save()


# --- the administrators' screen --------------------------------------------------------------


def test_only_administrators_open_the_screen(world: World) -> None:
    assert Client().get(ADMIN_URL).status_code == 302  # to the sign-in page
    for role in ("coordinator", "monitor", "operator", "leadership"):
        response = client_for(getattr(world, role)).get(ADMIN_URL)
        assert response.status_code == 403, role
    for url in ("pengaturan/", "latih/", "unggah/"):
        assert client_for(world.coordinator).post(ADMIN_URL + url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="routing.").exists()


def test_screen_shows_the_model_threshold_and_versions(world: World) -> None:
    client = client_for(world.admin)
    empty = client.get(ADMIN_URL)
    assert empty.status_code == 200
    assert b"data-no-model" in empty.content
    model = _trained(world)
    response = client.get(ADMIN_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-model="{model.pk}"' in page
    assert 'data-figure="accuracy"' in page
    overview = response.context["overview"]
    assert overview.model == model
    assert overview.threshold == overview.chosen_threshold
    assert f'data-coverage="{overview.coverage:.3f}"' in page
    assert "it would route" in page


def test_settings_form_errors_and_success(world: World) -> None:
    client = client_for(world.admin)
    base = {
        "target_precision": "0.9",
        "threshold_override": "",
        "prefill_enabled": "on",
        "retrain_every_days": "7",
    }
    bad = client.post(ADMIN_URL + "pengaturan/", {**base, "target_precision": "1.5"})
    assert bad.status_code == 400
    assert bad.context["settings_form"].errors["target_precision"]
    unconfirmed = client.post(ADMIN_URL + "pengaturan/", {**base, "auto_dispatch_enabled": "on"})
    assert unconfirmed.status_code == 400
    assert unconfirmed.context["settings_form"].errors["confirm_auto_dispatch"]
    assert not services.routing_settings().auto_dispatch_enabled
    assert not AuditEvent.objects.filter(action="routing.settings_changed").exists()

    ok = client.post(
        ADMIN_URL + "pengaturan/",
        {**base, "auto_dispatch_enabled": "on", "confirm_auto_dispatch": "on"},
    )
    assert ok.status_code == 302 and ok["Location"] == ADMIN_URL
    row = services.routing_settings()
    assert row.auto_dispatch_enabled and row.prefill_enabled
    assert str(row.target_precision) == "0.900"
    assert AuditEvent.objects.get(action="routing.settings_changed").actor == world.admin


def test_retrain_button_queues_the_training(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.admin).post(ADMIN_URL + "latih/")
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path="aduan.routing.tasks.train_model").count() == 1
    assert AuditEvent.objects.filter(action="routing.retrain_requested").exists()


def test_upload_form_shows_a_bad_file_next_to_the_field(world: World) -> None:
    client = client_for(world.admin)
    missing = client.post(ADMIN_URL + "unggah/", {})
    assert missing.status_code == 400 and missing.context["upload_form"].errors["model_file"]
    bad = client.post(
        ADMIN_URL + "unggah/", {"model_file": SimpleUploadedFile("m.joblib", b"garbage")}
    )
    assert bad.status_code == 400
    assert "not a routing model file" in str(bad.context["upload_form"].errors["model_file"])
    assert not RoutingModel.objects.exists()


def test_upload_of_a_model_queues_its_evaluation(
    world: World, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    build_history(world, per_agency=4)
    rows = services.training_rows()
    router = engine.Router.train(
        [row.example for row in rows],
        ["DPU" if row.agency_id == world.public_works.pk else "DINKES" for row in rows],
    )
    router.save(tmp_path / "m.joblib")
    upload = SimpleUploadedFile("m.joblib", (tmp_path / "m.joblib").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.admin).post(ADMIN_URL + "unggah/", {"model_file": upload})
    assert response.status_code == 302 and response["Location"] == ADMIN_URL
    task = DBTaskResult.objects.get(task_path="aduan.routing.tasks.import_model")
    assert tasks.import_model.call(**task.args_kwargs["kwargs"])["status"] == "stored"
    assert RoutingModel.objects.get().source == RoutingModel.Source.UPLOAD
    assert tasks.import_model.call("missing.joblib", world.admin.pk)["status"] == "refused"
    page = client_for(world.admin).get(ADMIN_URL).content.decode()
    assert "The model file missing.joblib is missing." in page
    client = client_for(world.admin)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "id"
    page = client.get(ADMIN_URL).content.decode()
    assert "Berkas model missing.joblib tidak ditemukan." in page


# --- the suggestion in the back office -------------------------------------------------------


def test_verification_queue_shows_the_suggestion_in_the_row(world: World) -> None:
    _trained(world)
    complaint = _submit(world, "health")
    other = _submit(world, "education")
    services.suggestion_refresh(complaint=complaint)
    response = client_for(world.coordinator).get("/staf/verifikasi/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-routing-hint") == 1  # only the one with a suggestion
    assert "Suggested: Dinas Kesehatan" in page
    assert other.tracking_id in page


def test_row_hints_cost_the_same_queries_for_any_number_of_rows(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _trained(world)
    client = client_for(world.coordinator)

    def queries_with(n: int) -> int:
        for seed in range(n):
            title, description = text_for("health", random.Random(seed))
            complaint = submit(world, title=title, description=description, category=None)
            services.suggestion_refresh(complaint=complaint)
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/staf/verifikasi/").content.decode()
        assert page.count("data-routing-hint") == len(
            services.RoutingSuggestion.objects.filter(complaint__status=Status.SUBMITTED)
        )
        return len(captured.captured_queries)

    queries_with(1)  # the first request also reads the session and sign-in state
    assert queries_with(2) == queries_with(4)


def test_complaint_page_computes_and_shows_the_suggestion(world: World) -> None:
    _trained(world)
    complaint = _submit(world, "health")
    client = client_for(world.coordinator)
    page = client.get(f"/staf/aduan/{complaint.tracking_id}/").content.decode()
    assert "data-routing-suggestion" in page  # made lazily on the first view
    assert f'data-agency="{world.health.pk}"' in page
    assert "data-routing-use" not in page  # pre-filling is switched off
    # Leadership sees the complaint but does not verify: no card.
    other = client_for(world.leadership).get(f"/staf/aduan/{complaint.tracking_id}/")
    assert other.status_code == 200 and "data-routing-suggestion" not in other.content.decode()


def test_a_process_without_the_model_in_memory_asks_the_worker(world: World) -> None:
    _trained(world)
    services._cache.clear()  # e.g. a web process that never loaded the model
    complaint = _submit(world, "health")
    url = f"/staf/aduan/{complaint.tracking_id}/"
    client = client_for(world.coordinator)
    page = client.get(url).content.decode()
    assert "data-routing-pending" in page and "data-routing-suggestion" not in page
    client.get(url)  # asked once, however often the page is opened
    queued = DBTaskResult.objects.filter(task_path="aduan.routing.tasks.suggest_missing")
    assert [task.args_kwargs["args"] for task in queued] == [[complaint.pk]]
    assert tasks.suggest_missing.call(complaint.pk)["status"] == "suggested"
    assert f'data-agency="{world.health.pk}"' in client.get(url).content.decode()


def test_use_this_suggestion_prefills_the_dispatch_form(world: World) -> None:
    _trained(world)
    complaint = _submit(world, "health")
    services.suggestion_refresh(complaint=complaint)
    client = client_for(world.coordinator)
    url = f"/staf/aduan/{complaint.tracking_id}/"

    refused = client.post(f"/staf/rute/aduan/{complaint.tracking_id}/pakai/")
    assert refused.status_code == 302 and "rute=1" not in refused["Location"]

    _settings(prefill_enabled=True, threshold_override=0.0)
    assert "data-routing-use" in client.get(url).content.decode()
    response = client.post(f"/staf/rute/aduan/{complaint.tracking_id}/pakai/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{url}?rute=1")
    page = client.get(f"{url}?rute=1")
    form = next(p.form for p in page.context["panels"] if p.key == "dispatch")
    assert form.initial["lead_agency"] == world.health.pk
    assert form.initial.get("category") is not None  # the complaint had no category
    # Without ?rute the form keeps the usual default (no category: nothing).
    plain = client.get(url)
    form = next(p.form for p in plain.context["panels"] if p.key == "dispatch")
    assert form.initial.get("lead_agency") != world.health.pk
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED  # nothing was dispatched


def test_above_threshold_only(world: World) -> None:
    _trained(world)
    complaint = _submit(world, "health")
    _settings(prefill_enabled=True, threshold_override=1.0)
    suggestion = services.suggestion_refresh(complaint=complaint)
    assert suggestion is not None and suggestion.confidence < 1.0
    page = client_for(world.coordinator).get(f"/staf/aduan/{complaint.tracking_id}/?rute=1")
    assert "data-routing-use" not in page.content.decode()
    form = next(p.form for p in page.context["panels"] if p.key == "dispatch")
    assert form.initial.get("lead_agency") != world.health.pk


def test_undo_from_the_complaint_page(world: World) -> None:
    _trained(world)
    complaint = _submit(world, "education")
    suggestion = services.suggestion_refresh(complaint=complaint)
    assert suggestion is not None
    _settings(auto_dispatch_enabled=True, threshold_override=0.0)
    services.suggestion_auto_dispatch(suggestion=suggestion)
    client = client_for(world.coordinator)
    url = f"/staf/aduan/{complaint.tracking_id}/"
    assert "data-routing-undo" in client.get(url).content.decode()
    # The agency's staff cannot undo it.
    other = client_for(world.other_liaison)
    assert "data-routing-undo" not in other.get(url).content.decode()
    other.post(f"/staf/rute/aduan/{complaint.tracking_id}/batalkan/")
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED

    response = client.post(
        f"/staf/rute/aduan/{complaint.tracking_id}/batalkan/", {"reason": "Keliru"}
    )
    assert response.status_code == 302 and response["Location"] == url
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    assert AuditEvent.objects.filter(action="routing.auto_dispatch_undone").exists()
    assert "data-routing-undo" not in client.get(url).content.decode()


def test_unknown_complaint_is_404(world: World) -> None:
    client = client_for(world.coordinator)
    assert client.post("/staf/rute/aduan/SB-XXXX-XXXX/pakai/").status_code == 404


def test_percentages_use_the_readers_decimal_separator() -> None:
    with translation.override("id"):
        assert (percent(0.9997, 2), percent(0.873), percent(0.001)) == ("99,97 %", "87 %", "<1 %")
    with translation.override("en"):
        assert percent(0.9997, 2) == "99.97 %"
