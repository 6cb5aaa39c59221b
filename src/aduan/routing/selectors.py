"""Reads for the routing screens: the active model and its figures, suggestions as the back
office shows them, and what the dispatch form may be pre-filled with."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from aduan.agencies.models import Agency, Category
from aduan.complaints import policies
from aduan.complaints.models import Complaint, Status
from aduan.core.problems import problem_text
from aduan.routing import services
from aduan.routing.models import RoutingModel, RoutingSettings, RoutingSuggestion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overview:
    """What the administrator's screen shows about the model in use and the threshold."""

    settings: RoutingSettings
    model: RoutingModel | None
    chosen_threshold: float | None  # from held-out data for the target precision
    threshold: float | None  # in force (the override, else the chosen one)
    coverage: float  # share of held-out complaints at or above the threshold in force
    precision: float | None  # the precision among them
    last_training: str  # how the last training ended, in the reader's language


def overview() -> Overview:
    row = services.routing_settings()
    model = RoutingModel.objects.filter(is_active=True).select_related("created_by").first()
    chosen, _coverage = services.threshold_for(model, float(row.target_precision))
    threshold = row.threshold_override if row.threshold_override is not None else chosen
    coverage, precision = services.coverage_at(model, threshold)
    last_training = problem_text(row.last_training_outcome)
    return Overview(row, model, chosen, threshold, coverage, precision, last_training)


def model_versions() -> QuerySet[RoutingModel]:
    """Every stored version, newest first (paged by the view)."""
    return RoutingModel.objects.select_related("created_by", "compared_with")


@dataclass(frozen=True)
class Choice:
    agency: Agency
    score: float


@dataclass(frozen=True)
class SuggestionView:
    """A suggestion with its agencies and category resolved, and what the viewer may do."""

    suggestion: RoutingSuggestion
    choices: list[Choice]
    category: Category | None
    category_score: float | None
    above_threshold: bool
    threshold: float | None

    @property
    def confidence(self) -> float:
        return self.choices[0].score if self.choices else 0.0


def suggestion_views(complaint_ids: Iterable[int]) -> dict[int, SuggestionView]:
    """Stored suggestions for these complaints, keyed by complaint id (three queries in all)."""
    suggestions = list(
        RoutingSuggestion.objects.filter(complaint_id__in=list(complaint_ids)).select_related(
            "category", "model"
        )
    )
    if not suggestions:
        return {}
    agency_ids = {pk for s in suggestions for pk in s.agency_ids}
    agencies = Agency.objects.filter(pk__in=agency_ids, is_active=True).in_bulk()
    row = services.routing_settings()
    thresholds: dict[int | None, float | None] = {}
    views = {}
    for suggestion in suggestions:
        if suggestion.model_id not in thresholds:
            thresholds[suggestion.model_id] = services.effective_threshold(row, suggestion.model)
        threshold = thresholds[suggestion.model_id]
        choices = [
            Choice(agencies[pk], float(score))
            for pk, score in zip(suggestion.agency_ids, suggestion.scores, strict=False)
            if pk in agencies
        ]
        views[suggestion.complaint_id] = SuggestionView(
            suggestion=suggestion,
            choices=choices,
            category=suggestion.category,
            category_score=suggestion.category_score,
            above_threshold=bool(
                choices and threshold is not None and suggestion.confidence >= threshold
            ),
            threshold=threshold,
        )
    return views


def suggestion_for(complaint: Complaint, *, compute: bool = False) -> SuggestionView | None:
    """The complaint's suggestion; with ``compute``, made now if it is awaiting verification and
    has none yet (the verification screen's lazy path, for complaints written without signals).

    Made in this request only when this process already holds the model in memory; otherwise
    the worker makes it (:func:`suggestion_pending` tells the page), so a web process never
    spends seconds loading a large model file.
    """
    views = suggestion_views([complaint.pk])
    if (
        complaint.pk in views
        or not compute
        or complaint.status not in (Status.SUBMITTED, Status.ON_HOLD)
        or complaint.is_supervisory
    ):
        return views.get(complaint.pk)
    model = RoutingModel.objects.filter(is_active=True).first()
    if model is None:
        return None
    if not services.is_loaded(model):
        _enqueue_once(complaint.pk)
        return None
    try:
        made = services.suggestion_refresh(complaint=complaint)
    except Exception:  # a broken model file must not break the complaint page
        logger.exception("routing: no suggestion for complaint %s", complaint.pk)
        made = None
    return suggestion_views([complaint.pk]).get(complaint.pk) if made is not None else None


def _enqueue_once(complaint_id: int) -> None:
    from aduan.routing.tasks import suggest_missing

    # Many views of the same page within a few minutes ask the worker once.
    if cache.add(f"routing:suggest:{complaint_id}", 1, timeout=300):
        suggest_missing.enqueue(complaint_id)


def suggestion_pending(complaint_id: int) -> bool:
    """Whether the worker was asked for this complaint's suggestion a moment ago."""
    return cache.get(f"routing:suggest:{complaint_id}") is not None


def may_use(user: Any, complaint: Complaint, view: SuggestionView | None) -> bool:
    """Whether ``user`` may fill the dispatch form from this suggestion now."""
    return bool(
        view is not None
        and view.choices
        and view.above_threshold
        and services.routing_settings().prefill_enabled
        and complaint.status == Status.SUBMITTED
        and not complaint.is_supervisory
        and policies.acts_as_coordinator(user, complaint)
    )


def dispatch_prefill(user: Any, complaint: Complaint) -> dict[str, Any]:
    """Initial values for the dispatch form from the suggestion (lead agency, and the category
    when the suggested one differs and is as confident), or {} when it may not pre-fill."""
    view = suggestion_for(complaint)
    if view is None or not may_use(user, complaint, view):
        return {}
    initial: dict[str, Any] = {"lead_agency": view.choices[0].agency.pk}
    if (
        view.category is not None
        and view.category.is_active
        and view.category.pk != complaint.category_id
        and view.category_score is not None
        and view.threshold is not None
        and view.category_score >= view.threshold
    ):
        initial["category"] = view.category.pk
    return initial


def may_undo(user: Any, complaint: Complaint, view: SuggestionView | None) -> bool:
    """Whether ``user`` may take back the automatic dispatch of this complaint now."""
    if view is None or view.suggestion.auto_dispatch_id is None or view.suggestion.undone_at:
        return False
    return complaint.status == Status.DISPATCHED and policies.acts_as_coordinator(user, complaint)
