"""The routing engine: which agency should act on a complaint, learned from past dispatches.

Pure Python + scikit-learn, no Django models: the routing app's services train it from the
database, the ``aduan routing`` command from a CSV, and the benchmark from the Surabaya data.

The model
    TF-IDF over the normalised text (see :mod:`aduan.routing.text`): word 1-3-grams of the
    Sastrawi stems and character 1-5-grams within the plain words, and a linear SVM (one-vs-rest,
    balanced class weights). Decision values become confidences with a softmax at temperature 0.2.
    The category (topic), when the training rows have one, is a second SVM on the same features.

Place-local labels
    Many agencies are local offices named after the place they serve ("Kelurahan Gundih" for
    complaints from the subdistrict Gundih, "Kecamatan Tandes" for the district Tandes). Learning
    one class per office spreads a few examples over hundreds of classes; instead
    :func:`detect_local_groups` finds, from the training rows alone, the labels that are
    "some prefix + the row's place" for most of their rows, folds each prefix into one class
    ("the subdistrict's kelurahan"), and :meth:`Router.predict` expands that class back into the
    office of the row's own place. Nothing here knows about Surabaya or Indonesian office names.

Model files
    :meth:`Router.save` writes one joblib (pickle) file with a format marker. Loading a pickle
    runs code, so model files are trusted artefacts written by administrators or the system
    itself; never load a model file that came from outside.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from django.utils.translation import gettext_lazy as _
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from aduan.core.errors import InvalidInput
from aduan.routing.text import normalise, place_key, stem_word

FORMAT = "aduan-routing-model"
VERSION = 1
PLACE_FIELDS = ("district", "subdistrict")
SPACE_SEPARATED = r"\S+"  # the text is normalised already: words are split by spaces


@dataclass(frozen=True)
class Example:
    """One complaint as the engine sees it."""

    text: str
    district: str = ""
    subdistrict: str = ""
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Prediction:
    """The top agencies for one complaint, best first, each with a confidence in [0, 1]."""

    labels: tuple[str, ...]
    scores: tuple[float, ...]
    category: str | None = None
    category_score: float | None = None

    @property
    def confidence(self) -> float:
        return self.scores[0] if self.scores else 0.0


@dataclass(frozen=True)
class Evaluation:
    """How a router does on labelled rows it was not trained on."""

    n: int
    accuracy: float
    top3_accuracy: float
    macro_f1: float
    coverage_at_95: float
    threshold_at_95: float | None


@dataclass(frozen=True)
class Params:
    """Hyperparameters, tuned on a validation split inside the training months.

    See docs/benchmarks.md (Routing).
    """

    word_ngrams: tuple[int, int] = (1, 3)
    char_ngrams: tuple[int, int] = (1, 5)
    min_df: int = 2
    c: float = 0.5
    temperature: float = 0.2
    # Weight of one token per district and subdistrict beside the text (0: none; no gain on the
    # validation splits, the local offices already use the place through folding).
    place_weight: float = 0.0
    fold_local: bool = True
    # Fold a local label into its group even on rows from another place (the text still says
    # "this is for a kelurahan"); such rows are then learned as the group, not as that office.
    fold_everywhere: bool = True
    # "balanced": small agencies count as much as the big Dinas (+1 point top-1 on validation).
    class_weight: str | None = "balanced"
    # Stem the words (Sastrawi) for the word n-grams; the character n-grams see the plain words.
    stem: bool = True
    # Newer dispatches weigh more (routing rules drift): weight halves every this many days
    # (60-120 days: no gain on the validation splits).
    recency_half_life_days: float | None = None
    # Share of the agency score that comes from the category model: sum over categories of
    # P(category) * P(agency | category) counted on the training rows (0.3: no gain).
    category_mix: float = 0.0


@dataclass
class LocalGroup:
    """Labels "<prefix><place>" named after the row's place in ``field`` (kelurahan offices)."""

    field: str
    prefix: str
    token: str
    place_to_label: dict[str, str]
    labels: frozenset[str]
    # The prefix as the labels spell it ("Kelurahan "): names the office of a place that had no
    # training rows of its own (every kelurahan has one; the training months saw only some).
    display_prefix: str = ""

    def label_for(self, example: Example) -> str | None:
        """The office of this example's own place, or None when the place is unknown."""
        return self.place_to_label.get(place_key(getattr(example, self.field)))

    def office_for(self, example: Example) -> str | None:
        """The office of this example's place, named after the place when training never saw it."""
        known = self.label_for(example)
        if known is not None or not self.display_prefix:
            return known
        place = " ".join(str(getattr(example, self.field)).split())
        return f"{self.display_prefix}{place}" if place_key(place) else None


def detect_local_groups(
    examples: Sequence[Example],
    labels: Sequence[str],
    *,
    min_share: float = 0.5,
    min_labels: int = 3,
) -> list[LocalGroup]:
    """Find the place-local labels in training data and group them by (place field, prefix).

    A label is local when, for at least ``min_share`` of its rows, its name compared case- and
    space-insensitively is a non-empty prefix followed by the row's place. A prefix shared by at
    least ``min_labels`` labels makes a group. Each place maps to the label named after it; a
    place without one may be claimed by a label with the group's prefix given mostly to its rows.
    At prediction a place that maps to no label gets no office of that group.
    """
    rows_by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        rows_by_label[label].append(index)

    votes_by_label: dict[str, Counter[tuple[str, str]]] = {}
    field_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for label, rows in rows_by_label.items():
        key = place_key(label)
        votes: Counter[tuple[str, str]] = Counter()
        for index in rows:
            for name in PLACE_FIELDS:
                place = place_key(getattr(examples[index], name))
                if place and len(key) > len(place) and key.endswith(place):
                    votes[(name, key[: -len(place)])] += 1
        votes_by_label[label] = votes
        for (name, prefix), count in votes.items():
            field_votes[prefix][name] += count

    # A prefix belongs to the place field most of its rows match: an office named like both its
    # district and its subdistrict ("Kelurahan Tandes" in Tandes, Tandes) joins its siblings.
    field_of = {prefix: counts.most_common(1)[0][0] for prefix, counts in field_votes.items()}
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for label, votes in votes_by_label.items():
        own = Counter(
            {
                (field_of[prefix], prefix): votes[(field_of[prefix], prefix)]
                for _name, prefix in votes
            }
        )
        if own:
            best, count = own.most_common(1)[0]
            if count and count >= min_share * len(rows_by_label[label]):
                members[best].append(label)

    groups = []
    for (name, prefix), group_labels in sorted(members.items()):
        if len(group_labels) < min_labels:
            continue
        place_to_label = {place_key(label)[len(prefix) :]: label for label in group_labels}
        # An office spelt differently from its place ("Kecamatan Pabean Cantian" for the district
        # "Pabean Cantikan") has the group's prefix and most of its rows from one place that has
        # no office of its own: it becomes that place's office.
        claims: dict[str, tuple[int, str]] = {}
        for label, rows in rows_by_label.items():
            if label in group_labels or not place_key(label).startswith(prefix):
                continue
            places = Counter(place_key(getattr(examples[index], name)) for index in rows)
            place, count = places.most_common(1)[0]
            if place and place not in place_to_label and count >= min_share * len(rows):
                claims[place] = max(claims.get(place, (0, "")), (count, label))
        for place, (_count, label) in claims.items():
            place_to_label[place] = label
        spellings = Counter(_display_prefix(label, prefix) for label in group_labels)
        groups.append(
            LocalGroup(
                field=name,
                prefix=prefix,
                token=f"\x1flocal:{name}:{prefix}",
                place_to_label=place_to_label,
                labels=frozenset(place_to_label.values()),
                display_prefix=spellings.most_common(1)[0][0],
            )
        )
    return groups


def _display_prefix(label: str, prefix: str) -> str:
    """The start of ``label`` that spells ``prefix`` (a place key), with the space after it."""
    seen = 0
    for index, char in enumerate(label):
        if char.isalnum():
            if seen == len(prefix):
                return label[:index]
            seen += 1
    return ""


def fold_labels(
    examples: Sequence[Example],
    labels: Sequence[str],
    groups: Sequence[LocalGroup],
    *,
    everywhere: bool = False,
) -> list[str]:
    """Replace each local label by its group's class where it is the office of the row's place."""
    by_label = {label: group for group in groups for label in group.labels}
    folded = []
    for example, label in zip(examples, labels, strict=True):
        group = by_label.get(label)
        if group is not None and (everywhere or group.label_for(example) == label):
            folded.append(group.token)
        else:
            folded.append(label)
    return folded


def recency_weights(examples: Sequence[Example], half_life_days: float | None) -> np.ndarray | None:
    """Sample weights halving every ``half_life_days`` before the newest example (None: equal)."""
    times = [example.submitted_at for example in examples]
    if not half_life_days or not all(times):
        return None
    stamps = np.array([moment.timestamp() for moment in times if moment is not None])
    age_days = (stamps.max() - stamps) / 86400
    return (
        np.power(0.5, age_days / half_life_days)
        * len(stamps)
        / np.power(0.5, age_days / half_life_days).sum()
    )


def _place_text(example: Example) -> str:
    return " ".join(
        f"{name}={place_key(getattr(example, name))}"
        for name in PLACE_FIELDS
        if getattr(example, name)
    )


def _softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    scaled = values / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    np.exp(scaled, out=scaled)
    scaled /= scaled.sum(axis=1, keepdims=True)
    return scaled


class _Features:
    """Text (word + character TF-IDF) and place tokens as one sparse matrix."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.word = TfidfVectorizer(
            ngram_range=params.word_ngrams,
            min_df=params.min_df,
            sublinear_tf=True,
            lowercase=False,
            token_pattern=SPACE_SEPARATED,
            dtype=np.float32,
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=params.char_ngrams,
            min_df=params.min_df,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        self.stems: dict[str, str] = {}
        self.place = CountVectorizer(
            token_pattern=SPACE_SEPARATED,
            lowercase=False,
            binary=True,
            dtype=np.float32,
        )

    def _texts(self, examples: Sequence[Example]) -> tuple[list[str], list[str]]:
        texts = [normalise(example.text) or "kosong" for example in examples]
        if not self.params.stem:
            return texts, texts
        # The training words' stems travel with the model: Sastrawi takes ~1 ms per new word.
        stems = self.stems
        words = [
            " ".join(stems.get(word) or stem_word(word) for word in text.split()) for text in texts
        ]
        return words, texts

    def fit_transform(self, examples: Sequence[Example]) -> sp.csr_matrix:
        words, texts = self._texts(examples)
        if self.params.stem:
            self.stems = {
                word: stem_word(word) for text in texts for word in text.split() if len(word) >= 4
            }
        if len(examples) < 100:  # a tiny training set: n-grams seen once still count
            self.word.min_df = self.char.min_df = 1
        parts = [self.word.fit_transform(words), self.char.fit_transform(texts)]
        # The n-grams cut by min_df are kept only for introspection and would make up much of
        # the model file (scikit-learn's documentation says to drop them before pickling).
        self.word.stop_words_ = self.char.stop_words_ = None
        if self.params.place_weight:
            places = [_place_text(example) or "none" for example in examples]
            parts.append(self.place.fit_transform(places) * self.params.place_weight)
        return sp.hstack(parts, format="csr")

    def transform(self, examples: Sequence[Example]) -> sp.csr_matrix:
        words, texts = self._texts(examples)
        parts = [self.word.transform(words), self.char.transform(texts)]
        if self.params.place_weight:
            places = [_place_text(example) or "none" for example in examples]
            parts.append(self.place.transform(places) * self.params.place_weight)
        return sp.hstack(parts, format="csr")


class _Classifier:
    """A linear SVM whose decision values become softmax confidences; copes with one class."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.classes: np.ndarray = np.array([])
        self.model: LinearSVC | None = None
        # Added to the decision values of each class (see Router.train: local offices).
        self.offsets: np.ndarray | None = None

    def fit(
        self,
        features: sp.csr_matrix,
        targets: Sequence[str],
        weights: np.ndarray | None = None,
    ) -> _Classifier:
        self.classes = np.array(sorted(set(targets)), dtype=object)
        if len(self.classes) > 1:
            self.model = LinearSVC(C=self.params.c, class_weight=self.params.class_weight)
            self.model.fit(features, np.asarray(targets, dtype=object), sample_weight=weights)
            # Single precision halves the model file and memory; decisions are unchanged to
            # well below the confidences' resolution.
            self.model.coef_ = self.model.coef_.astype(np.float32)
            self.model.intercept_ = self.model.intercept_.astype(np.float32)
            self.classes = np.asarray(self.model.classes_, dtype=object)
        return self

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        rows = features.shape[0]
        if self.model is None:
            return np.ones((rows, 1))
        decision = np.asarray(self.model.decision_function(features), dtype=np.float64)
        if decision.ndim == 1:
            decision = np.column_stack([-decision, decision])
        if self.offsets is not None:
            decision = decision + self.offsets
        return _softmax(decision, self.params.temperature)


class Router:
    """Suggests the agencies (and the category) for complaints; see the module docstring."""

    def __init__(
        self,
        *,
        params: Params,
        features: _Features,
        agency_model: _Classifier,
        groups: list[LocalGroup],
        labels: tuple[str, ...],
        category_model: _Classifier | None,
        agency_given_category: np.ndarray | None,
        metadata: dict[str, Any],
    ) -> None:
        self.params = params
        self.features = features
        self.agency_model = agency_model
        self.groups = groups
        self.labels = labels
        self.category_model = category_model
        self.agency_given_category = agency_given_category
        self.metadata = metadata
        self._group_by_token = {group.token: group for group in groups}

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        labels: Sequence[str],
        categories: Sequence[str] | None = None,
        *,
        params: Params | None = None,
    ) -> Router:
        """Learn from labelled examples (and their categories, when given)."""
        params = params or Params()
        if not examples:
            raise InvalidInput(_("There are no examples to train on."))
        if len(examples) != len(labels) or (
            categories is not None and len(categories) != len(examples)
        ):
            raise InvalidInput(_("Every example needs exactly one label (and one category)."))
        if any(not label for label in labels):
            raise InvalidInput(_("Every example needs a non-empty label."))
        started = time.monotonic()
        groups = detect_local_groups(examples, labels) if params.fold_local else []
        targets = fold_labels(examples, labels, groups, everywhere=params.fold_everywhere)
        features = _Features(params)
        matrix = features.fit_transform(examples)
        weights = recency_weights(examples, params.recency_half_life_days)
        agency_model = _Classifier(params).fit(matrix, targets, weights)

        category_model = None
        agency_given_category = None
        if categories is not None and any(categories):
            names = [category or "-" for category in categories]
            category_model = _Classifier(replace(params, class_weight=None)).fit(matrix, names)
            if params.category_mix:
                # P(class | category) from the training rows, over the agency model's classes,
                # smoothed so that an unseen pair is not impossible.
                class_index = {name: i for i, name in enumerate(agency_model.classes)}
                category_index = {name: i for i, name in enumerate(category_model.classes)}
                counts = np.full((len(category_model.classes), len(agency_model.classes)), 0.01)
                for name, target in zip(names, targets, strict=True):
                    counts[category_index[name], class_index[target]] += 1
                agency_given_category = counts / counts.sum(axis=1, keepdims=True)

        label_counts = Counter(labels)
        metadata = {
            "format": FORMAT,
            "version": VERSION,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "n_examples": len(examples),
            "n_labels": len(label_counts),
            "n_classes": len(agency_model.classes),
            "local_groups": [
                {"field": group.field, "prefix": group.prefix, "labels": len(group.labels)}
                for group in groups
            ],
            "categories": category_model is not None,
            "params": asdict(params),
            "train_seconds": round(time.monotonic() - started, 2),
            "sklearn": sklearn.__version__,
        }
        return cls(
            params=params,
            features=features,
            agency_model=agency_model,
            groups=groups,
            labels=tuple(sorted(label_counts)),
            category_model=category_model,
            agency_given_category=agency_given_category,
            metadata=metadata,
        )

    def predict(self, examples: Sequence[Example], k: int = 3) -> list[Prediction]:
        """The ``k`` most likely agencies for each example, best first."""
        if not examples:
            return []
        matrix = self.features.transform(examples)
        probabilities = self.agency_model.probabilities(matrix)
        category_probabilities = None
        if self.category_model is not None:
            category_probabilities = self.category_model.probabilities(matrix)
            if self.agency_given_category is not None:
                mix = self.params.category_mix
                probabilities = (1 - mix) * probabilities + mix * (
                    category_probabilities @ self.agency_given_category
                )
        classes = self.agency_model.classes
        predictions = []
        for row, example in enumerate(examples):
            scores: dict[str, float] = defaultdict(float)
            row_probabilities = probabilities[row]
            # Only the best classes matter; a local group expands to one label per row.
            for index in np.argsort(-row_probabilities)[: k + len(self.groups) + 1]:
                name = classes[index]
                group = self._group_by_token.get(name)
                label = group.office_for(example) if group is not None else name
                if label is not None:
                    scores[label] += float(row_probabilities[index])
            ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
            category = category_score = None
            if category_probabilities is not None and self.category_model is not None:
                best = int(np.argmax(category_probabilities[row]))
                category = str(self.category_model.classes[best])
                category_score = min(1.0, float(category_probabilities[row][best]))
            predictions.append(
                Prediction(
                    labels=tuple(label for label, _score in ranked),
                    scores=tuple(min(1.0, score) for _label, score in ranked),
                    category=category,
                    category_score=category_score,
                )
            )
        return predictions

    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` atomically (a temporary file beside it, then a rename)."""
        path = Path(path)
        payload = {"format": FORMAT, "version": VERSION, "router": self}
        handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                joblib.dump(payload, stream, compress=3)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Router:
        """Read a model written by :meth:`save`. Model files are trusted (pickle, see above)."""
        try:
            payload = joblib.load(path)
        except FileNotFoundError:
            raise InvalidInput(
                _("The model file %(path)s does not exist."), path=str(path)
            ) from None
        except Exception:
            payload = None
        if (
            not isinstance(payload, dict)
            or payload.get("format") != FORMAT
            or not isinstance(payload.get("router"), Router)
        ):
            raise InvalidInput(_("%(path)s is not a routing model file."), path=str(path))
        if payload.get("version") != VERSION:
            raise InvalidInput(
                _(
                    "The model file %(path)s has version %(found)s; "
                    "this Aduan reads version %(version)s."
                ),
                path=str(path),
                found=payload.get("version"),
                version=VERSION,
            )
        router: Router = payload["router"]
        return router


def threshold_for_precision(
    confidences: Sequence[float], correct: Sequence[bool], target: float
) -> tuple[float | None, float]:
    """The lowest confidence threshold whose accepted rows reach ``target`` precision.

    Rows with confidence >= threshold are accepted. Returns (threshold, share of rows accepted),
    or (None, 0.0) when no threshold reaches the target.
    """
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct differ in length")
    if not confidences:
        return None, 0.0
    order = sorted(zip(confidences, correct, strict=True), key=lambda item: -item[0])
    best: tuple[float | None, float] = (None, 0.0)
    accepted = right = 0
    for index, (confidence, is_right) in enumerate(order):
        accepted += 1
        right += bool(is_right)
        # Ties are accepted together: only a value's last row is a possible threshold.
        if index + 1 < len(order) and order[index + 1][0] == confidence:
            continue
        if right / accepted >= target:
            best = (float(confidence), accepted / len(order))
    return best


def evaluate(router: Router, examples: Sequence[Example], labels: Sequence[str]) -> Evaluation:
    """Top-1 and top-3 accuracy, macro-F1 and the share routable at 95 % precision."""
    if len(examples) != len(labels):
        raise InvalidInput(_("Every example needs exactly one label."))
    if not examples:
        raise InvalidInput(_("There are no examples to evaluate on."))
    predictions = router.predict(examples, k=3)
    top1 = [prediction.labels[0] if prediction.labels else "" for prediction in predictions]
    correct = [guess == label for guess, label in zip(top1, labels, strict=True)]
    in_top3 = [
        label in prediction.labels[:3]
        for prediction, label in zip(predictions, labels, strict=True)
    ]
    threshold, coverage = threshold_for_precision(
        [prediction.confidence for prediction in predictions], correct, 0.95
    )
    macro_f1 = f1_score(list(labels), top1, average="macro", zero_division=0)
    n = len(labels)
    return Evaluation(
        n=n,
        accuracy=sum(correct) / n,
        top3_accuracy=sum(in_top3) / n,
        macro_f1=float(macro_f1),
        coverage_at_95=coverage,
        threshold_at_95=threshold,
    )


__all__ = [
    "Evaluation",
    "Example",
    "LocalGroup",
    "Params",
    "Prediction",
    "Router",
    "detect_local_groups",
    "evaluate",
    "fold_labels",
    "threshold_for_precision",
]
