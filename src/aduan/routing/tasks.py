"""Background work of the routing app (django-tasks; ``aduan worker`` runs it)."""

from __future__ import annotations

import logging

from django_tasks import task

from aduan.accounts.models import User
from aduan.complaints.models import Complaint
from aduan.core.errors import DomainError
from aduan.routing import services

logger = logging.getLogger(__name__)


@task()
def suggest_complaint(complaint_id: int) -> dict[str, object]:
    """Store the suggestion for a new complaint, then dispatch it automatically if an
    administrator enabled that and the confidence reaches the threshold."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return {"complaint": complaint_id, "status": "missing"}
    suggestion = services.suggestion_refresh(complaint=complaint)
    if suggestion is None:
        return {"complaint": complaint_id, "status": "no model"}
    dispatched = False
    try:
        dispatched = services.suggestion_auto_dispatch(suggestion=suggestion) is not None
    except DomainError as error:  # e.g. the complaint moved on meanwhile: leave it to people
        logger.info("routing: no automatic dispatch of %s: %s", complaint_id, error)
    return {
        "complaint": complaint_id,
        "status": "suggested",
        "confidence": suggestion.confidence,
        "auto_dispatched": dispatched,
    }


@task()
def suggest_missing(complaint_id: int) -> dict[str, object]:
    """The complaint page's lazy path: make a missing suggestion (never dispatches)."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None or hasattr(complaint, "routing_suggestion"):
        return {"complaint": complaint_id, "status": "skipped"}
    suggestion = services.suggestion_refresh(complaint=complaint)
    return {"complaint": complaint_id, "status": "suggested" if suggestion else "no model"}


@task()
def train_model(actor_id: int | None = None) -> dict[str, object]:
    """Train from past dispatches (on demand: ``actor_id`` is the administrator who asked)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        result = services.model_train(actor=actor)
    except DomainError as error:
        services.training_failed(error=error)
        return {"status": "refused", "message": str(error)}
    return {"status": "stored", "model": result.model.pk, "activated": result.activated}


@task()
def import_model(file_name: str, actor_id: int) -> dict[str, object]:
    """Evaluate and store a model file an administrator uploaded."""
    actor = User.objects.filter(pk=actor_id).first()
    try:
        result = services.model_import(actor=actor, file_name=file_name)
    except DomainError as error:
        services.training_failed(error=error)
        return {"status": "refused", "message": str(error)}
    return {"status": "stored", "model": result.model.pk, "activated": result.activated}


@task()
def retrain_if_due() -> dict[str, object]:
    """Periodic (``ADUAN_PERIODIC_TASKS``): train when the schedule's days have passed."""
    if not services.retrain_due():
        return {"status": "not due"}
    return train_model.call()


@task()
def refresh_suggestions() -> dict[str, int]:
    """After a model swap: recompute the suggestions of complaints awaiting verification."""
    return {"refreshed": services.suggestions_refresh_open()}
