"""Routing suggestions: training from past dispatches, importing a model file, the settings, the
suggestion for each complaint, and the automatic dispatch with its undo.

Every change is audited (``aduan.core.audit``). The automatic dispatch goes through the lifecycle
service ``complaint_dispatch`` as the routing system account (a coordinator that cannot sign in);
its undo is :func:`auto_dispatch_undo`, because the lifecycle has no "withdraw a dispatch"
transition (``dispatch_decline`` belongs to the agency's liaison officer).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from sklearn.metrics import f1_score

from aduan.accounts.models import Membership, Role, User
from aduan.agencies.models import Agency, Category
from aduan.complaints import policies
from aduan.complaints import services as lifecycle
from aduan.complaints.models import Complaint, Dispatch, Status
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import DomainError, InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.problems import problem, problem_text
from aduan.routing import engine
from aduan.routing.models import RoutingModel, RoutingSettings, RoutingSuggestion

# Complaints whose lead agency is a settled label: dispatched and beyond. (Submitted and held
# complaints have none; archived and transferred ones never had one.)
LABELLED_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
TOP_K = 3


# --- permissions and the system account ------------------------------------------------------


def may_administer(user: Any) -> bool:
    """System administrators (an instansi-wide role) run the routing screen."""
    return policies.is_system_admin(user)


def _ensure_admin(actor: Any) -> None:
    if not may_administer(actor):
        raise PermissionDenied(_("Only system administrators may change the routing settings."))


def system_user() -> User:
    """The account the automatic dispatch acts as: a coordinator that cannot sign in.

    ``is_active=False`` keeps it out of sign-in and of every notification (recipients are active
    accounts only); its username labels its steps in the audit log and the history.

    The default username has an "@", which no self-registered account can get (usernames are
    derived from an e-mail's local part); an existing account of that name that can sign in is
    refused rather than made a coordinator.
    """
    user, created = User.objects.get_or_create(
        username=settings.ADUAN_ROUTING_SYSTEM_USERNAME,
        defaults={"first_name": "Aduan", "last_name": "routing", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.is_active or user.has_usable_password():
        raise ImproperlyConfigured(
            f"The account {user.username!r} can sign in, so it cannot be the routing system "
            "account: set ADUAN_ROUTING_SYSTEM_USERNAME to a name no one uses."
        )
    Membership.objects.get_or_create(user=user, role=Role.COORDINATOR, agency=None)
    policies.forget_roles(user)
    return user


# --- settings --------------------------------------------------------------------------------


def routing_settings() -> RoutingSettings:
    """The single settings row (created with the defaults on first use)."""
    row, _created = RoutingSettings.objects.get_or_create(pk=1)
    return row


def threshold_for(model: RoutingModel | None, target: float) -> tuple[float | None, float]:
    """The lowest confidence at which ``model``'s held-out suggestions reach ``target``
    precision, and the share of held-out complaints at or above it (None, 0 without data)."""
    if model is None or not model.heldout_scores:
        return None, 0.0
    confidences = [float(row[0]) for row in model.heldout_scores]
    correct = [bool(row[1]) for row in model.heldout_scores]
    return engine.threshold_for_precision(confidences, correct, target)


def coverage_at(model: RoutingModel | None, threshold: float | None) -> tuple[float, float | None]:
    """Share of held-out complaints at or above ``threshold``, and the precision among them."""
    if model is None or threshold is None or not model.heldout_scores:
        return 0.0, None
    accepted = [bool(row[1]) for row in model.heldout_scores if float(row[0]) >= threshold]
    if not accepted:
        return 0.0, None
    return len(accepted) / len(model.heldout_scores), sum(accepted) / len(accepted)


def effective_threshold(
    row: RoutingSettings | None = None, model: RoutingModel | None = None
) -> float | None:
    """The threshold in force: the administrator's, else the one chosen on held-out data."""
    row = row or routing_settings()
    if row.threshold_override is not None:
        return row.threshold_override
    model = model or RoutingModel.objects.filter(is_active=True).first()
    return threshold_for(model, float(row.target_precision))[0]


def _settings_snapshot(row: RoutingSettings) -> dict[str, Any]:
    return {
        "target_precision": str(row.target_precision),
        "threshold_override": row.threshold_override,
        "prefill_enabled": row.prefill_enabled,
        "auto_dispatch_enabled": row.auto_dispatch_enabled,
        "retrain_every_days": row.retrain_every_days,
    }


@transaction.atomic
def settings_update(
    *,
    actor: Any,
    target_precision: Any,
    threshold_override: float | None,
    prefill_enabled: bool,
    auto_dispatch_enabled: bool,
    retrain_every_days: int,
) -> RoutingSettings:
    """Change the routing settings (administrators); writes ``routing.settings_changed`` with
    the values before and after, or nothing when nothing changed."""
    _ensure_admin(actor)
    try:
        precision = Decimal(str(target_precision)).quantize(Decimal("0.001"))
    except InvalidOperation:
        raise InvalidInput(_("The target precision must be a number.")) from None
    if not Decimal("0.5") <= precision <= Decimal("1"):
        raise InvalidInput(_("The target precision must be between 0.5 and 1."))
    if threshold_override is not None and not 0.0 <= threshold_override <= 1.0:
        raise InvalidInput(_("The threshold must be between 0 and 1."))
    if not 0 <= retrain_every_days <= 365:
        raise InvalidInput(_("Retrain every 0 to 365 days."))
    routing_settings()
    row = RoutingSettings.objects.select_for_update().get(pk=1)
    before = _settings_snapshot(row)
    row.target_precision = precision
    row.threshold_override = threshold_override
    row.prefill_enabled = prefill_enabled
    row.auto_dispatch_enabled = auto_dispatch_enabled
    row.retrain_every_days = retrain_every_days
    after = _settings_snapshot(row)
    if after == before:
        return row
    row.updated_at = clock.now()
    row.save()
    audit_log(
        actor=actor,
        action="routing.settings_changed",
        target=row,
        data={"before": before, "after": after},
    )
    return row


# --- training data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One past complaint as a training or held-out example."""

    complaint_id: int
    example: engine.Example
    agency_id: int
    category_id: int | None


def _example(complaint: Complaint) -> engine.Example:
    region = complaint.region
    district = subdistrict = ""
    # Kemendagri levels: 3 kecamatan (district), 4 kelurahan/desa (subdistrict).
    if region is not None and region.level >= 4 and region.parent is not None:
        district, subdistrict = region.parent.name, region.name
    elif region is not None and region.level == 3:
        district = region.name
    return engine.Example(
        text=f"{complaint.title}\n{complaint.description}",
        district=district,
        subdistrict=subdistrict,
        submitted_at=complaint.submitted_at,
    )


def training_rows() -> list[Row]:
    """Past complaints with a settled lead agency (the newest ``ADUAN_ROUTING_MAX_EXAMPLES``),
    oldest first.

    Left out: confidential and supervisory reports (their words must not end up in a model's
    vocabulary, and supervisory reports go to the Inspectorate anyway), and complaints the
    routing itself dispatched that no agency has accepted yet (the model would learn from its
    own guesses).
    """
    unconfirmed_auto = Dispatch.objects.filter(
        complaint=OuterRef("pk"),
        role=Dispatch.Role.LEAD,
        state=Dispatch.State.PENDING,
        dispatched_by__username=settings.ADUAN_ROUTING_SYSTEM_USERNAME,
    )
    queryset = (
        Complaint.objects.filter(
            status__in=LABELLED_STATUSES,
            lead_agency__isnull=False,
            is_confidential=False,
            is_supervisory=False,
        )
        .exclude(Exists(unconfirmed_auto))
        .select_related("region__parent")
        .order_by("-submitted_at", "-id")
    )[: settings.ADUAN_ROUTING_MAX_EXAMPLES]
    rows = [
        Row(c.pk, _example(c), int(c.lead_agency_id or 0), c.category_id)
        for c in queryset.iterator(chunk_size=2000)
    ]
    rows.reverse()
    return rows


def split_rows(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Time-ordered split: the newest ``ADUAN_ROUTING_HELDOUT_SHARE`` (20 %) is held out."""
    held = round(len(rows) * settings.ADUAN_ROUTING_HELDOUT_SHARE)
    if len(rows) >= 5:
        held = max(held, 1)
    cut = len(rows) - held
    return list(rows[:cut]), list(rows[cut:])


# --- loading models and predicting -----------------------------------------------------------


@dataclass
class Loaded:
    """A model in memory with its labels mapped to today's active agencies and categories."""

    router: engine.Router
    agencies: dict[str, int]
    categories: dict[str, int]


_cache: dict[tuple[int, str], engine.Router] = {}
_cache_lock = threading.Lock()


def model_dir() -> Path:
    path = Path(settings.ADUAN_ROUTING_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _maps(label_kind: str) -> tuple[dict[str, int], dict[str, int]]:
    """Model label → id of an active agency / category. Database models use ids; an uploaded
    model (trained from a CSV) names agencies by code or name (case-insensitive)."""
    agencies = Agency.objects.filter(is_active=True).values_list("pk", "code", "name")
    categories = Category.objects.filter(is_active=True).values_list("pk", "code", "name")
    if label_kind == RoutingModel.LabelKind.AGENCY_ID:
        return {str(pk): pk for pk, _c, _n in agencies}, {str(pk): pk for pk, _c, _n in categories}

    def by_name(rows: Any) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for pk, code, name in rows:
            mapping.setdefault(name.strip().casefold(), pk)
            mapping[code.strip().casefold()] = pk
        return mapping

    return by_name(agencies), by_name(categories)


def _lookup(mapping: dict[str, int], label: str, label_kind: str) -> int | None:
    key = label if label_kind == RoutingModel.LabelKind.AGENCY_ID else label.strip().casefold()
    return mapping.get(key)


def is_loaded(model: RoutingModel) -> bool:
    """Whether this process holds ``model`` in memory (a large model takes seconds to load)."""
    with _cache_lock:
        return (model.pk, model.sha256) in _cache


def _remember(model: RoutingModel, router: engine.Router) -> None:
    with _cache_lock:
        _cache.clear()
        _cache[(model.pk, model.sha256)] = router


def load(model: RoutingModel) -> Loaded:
    """The model in memory (cached per process by version and file hash).

    Refuses a file whose SHA-256 differs from the one recorded when it was stored: model files
    are pickles, and only files this service wrote may be loaded.
    """
    key = (model.pk, model.sha256)
    with _cache_lock:
        router = _cache.get(key)
    if router is None:
        path = model_dir() / model.file_name
        if not path.exists():
            raise InvalidInput(_("The model file %(name)s is missing."), name=model.file_name)
        if _sha256(path) != model.sha256:
            raise InvalidInput(
                _("The model file %(name)s was changed since it was stored."), name=model.file_name
            )
        router = engine.Router.load(path)
        _remember(model, router)  # one model at a time is in use; the replaced one is dropped
    agencies, categories = _maps(model.label_kind)
    return Loaded(router, agencies, categories)


@dataclass(frozen=True)
class Guess:
    """Top agencies (active ones, by id) with confidences, and the category."""

    agency_ids: tuple[int, ...]
    scores: tuple[float, ...]
    category_id: int | None
    category_score: float | None

    @property
    def confidence(self) -> float:
        return self.scores[0] if self.scores else 0.0


def predict(loaded: Loaded, examples: Sequence[engine.Example], label_kind: str) -> list[Guess]:
    """Map the engine's labels back to active agencies; labels that no longer map are skipped."""
    guesses = []
    # A few spare labels, so that skipping a retired agency still leaves three.
    for prediction in loaded.router.predict(list(examples), k=TOP_K + 3):
        ids: list[int] = []
        scores: list[float] = []
        for label, score in zip(prediction.labels, prediction.scores, strict=True):
            agency_id = _lookup(loaded.agencies, label, label_kind)
            if agency_id is not None and agency_id not in ids:
                ids.append(agency_id)
                scores.append(round(float(score), 4))
            if len(ids) == TOP_K:
                break
        category_id = None
        category_score = None
        if prediction.category:
            category_id = _lookup(loaded.categories, prediction.category, label_kind)
            if category_id is not None and prediction.category_score is not None:
                category_score = round(float(prediction.category_score), 4)
        guesses.append(Guess(tuple(ids), tuple(scores), category_id, category_score))
    return guesses


@dataclass(frozen=True)
class Scores:
    """A model's figures on held-out rows."""

    n: int
    accuracy: float
    top3_accuracy: float
    macro_f1: float
    confidences: list[list[float]]


def score(loaded: Loaded, rows: Sequence[Row], label_kind: str) -> Scores | None:
    """Top-1 / top-3 accuracy, macro-F1 and the per-row (confidence, right) pairs."""
    if not rows:
        return None
    guesses = predict(loaded, [row.example for row in rows], label_kind)
    truth = [row.agency_id for row in rows]
    top1 = [guess.agency_ids[0] if guess.agency_ids else 0 for guess in guesses]
    right = [a == b for a, b in zip(top1, truth, strict=True)]
    in_top3 = [t in g.agency_ids[:TOP_K] for t, g in zip(truth, guesses, strict=True)]
    n = len(rows)
    return Scores(
        n=n,
        accuracy=sum(right) / n,
        top3_accuracy=sum(in_top3) / n,
        macro_f1=float(f1_score(truth, top1, average="macro", zero_division=0)),
        confidences=[
            [round(guess.confidence, 4), int(ok)] for guess, ok in zip(guesses, right, strict=True)
        ],
    )


# --- training and import ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingResult:
    """A stored model version and whether it became the active one (and why)."""

    model: RoutingModel
    activated: bool
    message: str


def _new_file_name(prefix: str) -> str:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return f"{prefix}-{stamp}-{secrets.token_hex(4)}.joblib"


def _trained_at(router: engine.Router) -> datetime | None:
    """When the file says it was trained (an uploaded model may be older than its upload)."""
    value = parse_datetime(str(router.metadata.get("trained_at") or ""))
    return value if value is not None and value.tzinfo is not None else None


def _store(
    *,
    actor: Any,
    path: Path,
    source: str,
    label_kind: str,
    router: engine.Router,
    n_examples: int,
    new: Scores | None,
    heldout: Sequence[Row],
    action: str,
) -> TrainingResult:
    """Compare with the active model on the same held-out rows, then record the version and
    swap it in when it is at least as accurate (or when there is nothing to compare)."""
    routing_settings()
    with transaction.atomic():
        # One swap at a time: a scheduled and an on-demand training compare with the same
        # model in use, read under the settings row's lock.
        settings_row = RoutingSettings.objects.select_for_update().get(pk=1)
        current = RoutingModel.objects.filter(is_active=True).first()
        current_scores: Scores | None = None
        if current is not None and heldout:
            try:
                current_scores = score(load(current), heldout, current.label_kind)
            except InvalidInput:
                current_scores = None  # the active file is gone or changed: anything beats it
        if new is None:
            activate = current is None
        elif current_scores is None:
            activate = True
        else:
            activate = new.accuracy >= current_scores.accuracy
        now = clock.now()
        row = RoutingModel.objects.create(
            file_name=path.name,
            sha256=_sha256(path),
            size=path.stat().st_size,
            source=source,
            label_kind=label_kind,
            trained_at=_trained_at(router) or now,
            n_examples=n_examples,
            n_labels=len(router.labels),
            n_heldout=new.n if new else 0,
            accuracy=new.accuracy if new else None,
            top3_accuracy=new.top3_accuracy if new else None,
            macro_f1=new.macro_f1 if new else None,
            heldout_scores=new.confidences if new else [],
            compared_with=current,
            compared_accuracy=current_scores.accuracy if current_scores else None,
            created_by=policies.user_or_none(actor),
            created_at=now,
        )
        if activate:
            RoutingModel.objects.filter(is_active=True).update(is_active=False)
            row.is_active = True
            row.activated_at = now
            row.save(update_fields=["is_active", "activated_at"])
        if activate and current is None:
            outcome = problem(_("Model #%(id)s is now in use."), id=row.pk)
        elif activate:
            outcome = problem(
                _("Model #%(id)s replaced #%(old)s (held-out accuracy %(new)s ≥ %(previous)s)."),
                id=row.pk,
                old=current.pk if current else "-",
                new=_percent(new.accuracy if new else None),
                previous=_percent(current_scores.accuracy if current_scores else None),
            )
        elif new is None:
            outcome = problem(
                _(
                    "Model #%(id)s was stored but not put in use: there are no held-out "
                    "complaints to compare it with the model in use."
                ),
                id=row.pk,
            )
        else:
            outcome = problem(
                _(
                    "Model #%(id)s was stored but not put in use: its held-out accuracy %(new)s "
                    "is below the %(previous)s of the model in use."
                ),
                id=row.pk,
                new=_percent(new.accuracy),
                previous=_percent(current_scores.accuracy if current_scores else None),
            )
        audit_log(
            actor=policies.user_or_none(actor),
            action=action,
            target=row,
            data={
                "source": source,
                "examples": n_examples,
                "heldout": new.n if new else 0,
                "accuracy": new.accuracy if new else None,
                "top3_accuracy": new.top3_accuracy if new else None,
                "compared_with": current.pk if current else None,
                "compared_accuracy": current_scores.accuracy if current_scores else None,
                "activated": activate,
            },
        )
        settings_row.last_training_at = now
        settings_row.last_training_outcome = outcome
        settings_row.retrain_requested_at = None
        settings_row.save(
            update_fields=["last_training_at", "last_training_outcome", "retrain_requested_at"]
        )
        if activate:
            _remember(row, router)  # in memory already: this process need not read the file
            transaction.on_commit(_enqueue_refresh)
    return TrainingResult(row, activate, problem_text(outcome))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _enqueue_refresh() -> None:
    from aduan.routing.tasks import refresh_suggestions

    refresh_suggestions.enqueue()


def model_train(*, actor: Any = None) -> TrainingResult:
    """Train a new version from past dispatches and swap it in if it is at least as good.

    ``actor`` is the administrator who asked, or None for the schedule. Training runs outside
    any transaction (it can take minutes); the result is recorded in one. Raises
    ``InvalidInput`` when there is too little history.
    """
    if actor is not None:
        _ensure_admin(actor)
    rows = training_rows()
    train, heldout = split_rows(rows)
    agencies = {row.agency_id for row in train}
    if len(train) < settings.ADUAN_ROUTING_MIN_EXAMPLES or len(agencies) < 2:
        raise InvalidInput(
            _(
                "Too little history to train on: %(n)s dispatched complaints to %(agencies)s "
                "agencies (at least %(min)s complaints to 2 agencies are needed)."
            ),
            n=len(train),
            agencies=len(agencies),
            min=settings.ADUAN_ROUTING_MIN_EXAMPLES,
        )
    router = engine.Router.train(
        [row.example for row in train],
        [str(row.agency_id) for row in train],
        [str(row.category_id) if row.category_id else "" for row in train],
    )
    path = model_dir() / _new_file_name("db")
    router.save(path)
    loaded = Loaded(router, *_maps(RoutingModel.LabelKind.AGENCY_ID))
    new = score(loaded, heldout, RoutingModel.LabelKind.AGENCY_ID)
    try:
        return _store(
            actor=actor,
            path=path,
            source=RoutingModel.Source.DATABASE,
            label_kind=RoutingModel.LabelKind.AGENCY_ID,
            router=router,
            n_examples=len(train),
            new=new,
            heldout=heldout,
            action="routing.model_trained",
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


MAX_UPLOAD_BYTES = 500 * 1024 * 1024


def _check_uploaded(path: Path) -> engine.Router:
    """Read the file as a model and check that its agencies are agencies here."""
    router = engine.Router.load(path)
    agencies, _categories = _maps(RoutingModel.LabelKind.AGENCY_NAME)
    kind = RoutingModel.LabelKind.AGENCY_NAME
    if not any(_lookup(agencies, label, kind) is not None for label in router.labels):
        raise InvalidInput(
            _("None of the model's %(n)s agencies matches an active agency's code or name here."),
            n=len(router.labels),
        )
    return router


def model_upload(*, actor: Any, upload: UploadedFile) -> str:
    """Receive a model file written by ``aduan routing train --csv``: check it now, evaluate it
    in the worker (:func:`model_import`, queued on commit). Returns the stored file's name.

    Model files are pickles (loading one runs code): only administrators may upload, and the
    file must read as a routing model whose agencies exist here before anything is recorded.
    Writes ``routing.model_received`` (file name, size, SHA-256).
    """
    _ensure_admin(actor)
    if not settings.ADUAN_ROUTING_UPLOADS:
        raise PermissionDenied(_("Uploading model files is switched off on this server."))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise InvalidInput(_("The file is larger than 500 MB."))
    path = model_dir() / _new_file_name("upload")
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    try:
        router = _check_uploaded(path)
        with transaction.atomic():
            audit_log(
                actor=actor,
                action="routing.model_received",
                target=routing_settings(),
                data={
                    "file": path.name,
                    "size": path.stat().st_size,
                    "sha256": _sha256(path),
                    "agencies": len(router.labels),
                },
            )

            def enqueue() -> None:
                from aduan.routing.tasks import import_model

                import_model.enqueue(file_name=path.name, actor_id=actor.pk)

            transaction.on_commit(enqueue)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path.name


def model_import(*, actor: Any, file_name: str) -> TrainingResult:
    """Evaluate an uploaded model file on the held-out complaints (if there are any) and store
    it; swapped in by the same rule as a retrained model. Writes ``routing.model_uploaded``."""
    _ensure_admin(actor)
    path = model_dir() / Path(file_name).name
    if not path.exists():
        raise InvalidInput(_("The model file %(name)s is missing."), name=path.name)
    if RoutingModel.objects.filter(file_name=path.name).exists():
        raise InvalidInput(_("The model file %(name)s was imported already."), name=path.name)
    try:
        router = _check_uploaded(path)
        kind = RoutingModel.LabelKind.AGENCY_NAME
        _train, heldout = split_rows(training_rows())
        new = score(Loaded(router, *_maps(kind)), heldout, kind)
        return _store(
            actor=actor,
            path=path,
            source=RoutingModel.Source.UPLOAD,
            label_kind=kind,
            router=router,
            n_examples=int(router.metadata.get("n_examples") or 0),
            new=new,
            heldout=heldout,
            action="routing.model_uploaded",
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def training_failed(*, error: DomainError) -> None:
    """Show why the last training was refused (e.g. too little history) on the admin screen, in
    the reader's language."""
    routing_settings()
    RoutingSettings.objects.filter(pk=1).update(
        last_training_outcome=problem(error.message, **error.params), retrain_requested_at=None
    )


@transaction.atomic
def retrain_request(*, actor: Any) -> RoutingSettings:
    """An administrator asks for retraining now: recorded, audited, run by the worker."""
    _ensure_admin(actor)
    routing_settings()
    row = RoutingSettings.objects.select_for_update().get(pk=1)
    row.retrain_requested_at = clock.now()
    row.save(update_fields=["retrain_requested_at"])
    audit_log(actor=actor, action="routing.retrain_requested", target=row, data={})

    def enqueue() -> None:
        from aduan.routing.tasks import train_model

        train_model.enqueue(actor_id=actor.pk)

    transaction.on_commit(enqueue)
    return row


def retrain_due(now: Any = None) -> bool:
    """Whether the schedule asks for a new training now."""
    row = routing_settings()
    if row.retrain_every_days == 0:
        return False
    if row.last_training_at is None:
        return True
    return (now or clock.now()) - row.last_training_at >= timedelta(days=row.retrain_every_days)


# --- suggestions -----------------------------------------------------------------------------


def suggestion_refresh(*, complaint: Complaint) -> RoutingSuggestion | None:
    """Compute and store the active model's suggestion for ``complaint`` (replacing an older
    one); None when no model is in use or the complaint is supervisory (Inspectorate only)."""
    model = RoutingModel.objects.filter(is_active=True).first()
    if model is None or complaint.is_supervisory:
        return None
    complaint = Complaint.objects.select_related("region__parent").get(pk=complaint.pk)
    guess = predict(load(model), [_example(complaint)], model.label_kind)[0]
    suggestion, _created = RoutingSuggestion.objects.update_or_create(
        complaint=complaint,
        defaults={
            "model": model,
            "agency_ids": list(guess.agency_ids),
            "scores": list(guess.scores),
            "category_id": guess.category_id,
            "category_score": guess.category_score,
            "created_at": clock.now(),
        },
    )
    return suggestion


@transaction.atomic
def suggestion_mark_applied(*, actor: Any, complaint: Complaint) -> RoutingSuggestion:
    """A coordinator chose to fill the dispatch form from the suggestion (they still submit)."""
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    suggestion = RoutingSuggestion.objects.select_for_update().filter(complaint=complaint).first()
    if suggestion is None or not suggestion.agency_ids:
        raise TransitionNotAllowed(_("There is no routing suggestion for this complaint."))
    suggestion.applied_by = actor
    suggestion.applied_at = clock.now()
    suggestion.save(update_fields=["applied_by", "applied_at"])
    return suggestion


@transaction.atomic
def suggestion_auto_dispatch(*, suggestion: RoutingSuggestion) -> Complaint | None:
    """Verify and dispatch the complaint to the suggested agency when an administrator enabled
    automatic dispatch and the confidence reaches the threshold; None when it does not apply.

    Goes through ``complaint_dispatch`` as the routing system account, then writes
    ``routing.auto_dispatched`` (model version, confidence, threshold) on the complaint.
    """
    row = routing_settings()
    if not row.auto_dispatch_enabled or not suggestion.agency_ids or suggestion.model is None:
        return None
    threshold = effective_threshold(row, suggestion.model)
    if threshold is None or suggestion.confidence < threshold:
        return None
    complaint = suggestion.complaint
    if complaint.status != Status.SUBMITTED or complaint.is_supervisory:
        return None
    agency = Agency.objects.filter(pk=suggestion.agency_ids[0], is_active=True).first()
    if agency is None:
        return None
    actor = system_user()
    category = None
    if complaint.category_id is None and suggestion.category_id is not None:
        category = Category.objects.filter(pk=suggestion.category_id, is_active=True).first()
    complaint = lifecycle.complaint_dispatch(
        actor=actor,
        complaint=complaint,
        lead_agency=agency,
        category=category,
        note=str(_("Dispatched automatically by the routing suggestion.")),
    )
    hop = complaint.dispatches.get(role=Dispatch.Role.LEAD, state=Dispatch.State.PENDING)
    suggestion.auto_dispatch = hop
    suggestion.auto_dispatched_at = hop.dispatched_at
    suggestion.save(update_fields=["auto_dispatch", "auto_dispatched_at"])
    audit_log(
        actor=actor,
        action="routing.auto_dispatched",
        target=complaint,
        data={
            "agency": agency.code,
            "model": suggestion.model_id,
            "confidence": suggestion.confidence,
            "threshold": threshold,
        },
    )
    return complaint


@transaction.atomic
def auto_dispatch_undo(*, actor: Any, complaint: Complaint, reason: str = "") -> Complaint:
    """A coordinator takes back an automatic dispatch the agency has not accepted yet.

    The complaint returns to "not yet verified" with a fresh verification deadline, exactly as
    after a declined lead dispatch (``dispatch_decline``): the hops are withdrawn, their
    follow-up deadlines stopped (``complaints.services.dispatch_withdraw``). Writes
    ``routing.auto_dispatch_undone``.
    """
    policies.ensure(policies.acts_as_coordinator(actor, complaint))
    # The complaint row first, as every lifecycle service (and the automatic dispatch) locks it
    # before the suggestion: the same order everywhere, so no deadlock.
    Complaint.objects.select_for_update(of=("self",), no_key=True).filter(pk=complaint.pk).get()
    suggestion = (
        RoutingSuggestion.objects.select_for_update()
        .filter(complaint=complaint, auto_dispatch__isnull=False, undone_at__isnull=True)
        .first()
    )
    if suggestion is None:
        raise TransitionNotAllowed(_("This complaint was not dispatched automatically."))
    hop = Dispatch.objects.get(pk=suggestion.auto_dispatch_id or 0)
    if hop.state != Dispatch.State.PENDING:
        raise TransitionNotAllowed(
            _("The agency has already answered this dispatch; it can no longer be undone here.")
        )
    complaint = lifecycle.dispatch_withdraw(
        actor=actor,
        complaint=complaint,
        reason=reason,
        action="routing.auto_dispatch_undone",
        model=suggestion.model_id,
    )
    suggestion.undone_by = actor
    suggestion.undone_at = clock.now()
    suggestion.save(update_fields=["undone_by", "undone_at"])
    return complaint


def suggestions_refresh_open(limit: int = 5000) -> int:
    """Recompute the suggestions of complaints awaiting verification (after a model swap, and
    for complaints written without signals, e.g. by ``aduan loadgen``). Returns how many."""
    if not RoutingModel.objects.filter(is_active=True).exists():
        return 0
    done = 0
    for complaint in Complaint.objects.filter(
        status__in=(Status.SUBMITTED, Status.ON_HOLD), is_supervisory=False
    ).order_by("submitted_at", "id")[:limit]:
        if suggestion_refresh(complaint=complaint) is not None:
            done += 1
    return done
