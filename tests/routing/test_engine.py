"""The routing engine on small synthetic data (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import pytest

from aduan.core.errors import InvalidInput
from aduan.routing.engine import (
    Example,
    Prediction,
    Router,
    detect_local_groups,
    evaluate,
    fold_labels,
    threshold_for_precision,
)
from aduan.routing.text import normalise, place_key, stem

PLACES = [("Utara", "Alpha"), ("Utara", "Beta Satu"), ("Selatan", "Gamma"), ("Timur", "Delta")]
CENTRAL = {
    "Dinas Air": ["saluran air mampet banjir", "got tersumbat air meluap", "banjir di gang"],
    "Dinas Jalan": ["jalan berlubang parah", "aspal jalan rusak", "jalan retak dan berlubang"],
    "Dinas Sosial": ["bantuan sosial belum cair", "bansos tidak diterima", "bantuan sembako"],
}
LOCAL_TEXTS = ["minta surat pengantar dari lurah", "pelayanan loket lurah lambat", "surat domisili"]


def synthetic() -> tuple[list[Example], list[str], list[str]]:
    """Every place sends central complaints and complaints for its own kelurahan / kecamatan."""
    examples, labels, categories = [], [], []
    for district, subdistrict in PLACES:
        for agency, texts in CENTRAL.items():
            for text in texts:
                examples.append(Example(f"{text} mohon dibantu", district, subdistrict))
                labels.append(agency)
                categories.append(agency.split()[-1])
        for text in LOCAL_TEXTS:
            examples.append(Example(text, district, subdistrict))
            labels.append(f"Kelurahan {subdistrict}")
            categories.append("Kelurahan")
        examples.append(Example("camat tolong rapikan taman kecamatan", district, subdistrict))
        labels.append(f"Kecamatan {district}")
        categories.append("Kecamatan")
    return examples, labels, categories


@pytest.fixture(scope="module")
def router() -> Router:
    examples, labels, categories = synthetic()
    return Router.train(examples, labels, categories)


def test_normalise_informal_indonesian() -> None:
    text = "Lampu PJU di Jln. Merdeka 12 gak nyala, lihat https://x.id/a?b=1 yg   dekat Kel. Gundih"
    assert normalise(text) == (
        "lampu penerangan jalan umum di jalan merdeka 0 tidak nyala lihat yang dekat "
        "kelurahan gundih"
    )
    assert normalise("") == ""
    assert stem("perbaikan jalan berlubang") == "baik jalan lubang"
    assert place_key(" Jemur  Wonosari ") == place_key("jemurwonosari") == "jemurwonosari"


def test_detects_and_folds_local_labels() -> None:
    examples, labels, _ = synthetic()
    groups = detect_local_groups(examples, labels)
    by_field = {group.field: group for group in groups}
    assert set(by_field) == {"district", "subdistrict"}
    kelurahan, kecamatan = by_field["subdistrict"], by_field["district"]
    assert kelurahan.labels == {f"Kelurahan {place}" for _district, place in PLACES}
    assert kecamatan.labels == {"Kecamatan Utara", "Kecamatan Selatan", "Kecamatan Timur"}
    assert kelurahan.label_for(Example("x", subdistrict="BETA satu")) == "Kelurahan Beta Satu"
    assert kelurahan.label_for(Example("x", subdistrict="Omega")) is None
    # Every kelurahan has an office: one never seen in training is named like its siblings.
    assert kelurahan.office_for(Example("x", subdistrict=" Omega  Baru")) == "Kelurahan Omega Baru"
    assert kelurahan.office_for(Example("x", subdistrict="BETA satu")) == "Kelurahan Beta Satu"
    assert kelurahan.office_for(Example("x", subdistrict="")) is None
    folded = fold_labels(examples, labels, groups)
    assert set(folded) == {*CENTRAL, kelurahan.token, kecamatan.token}


def test_local_label_spelt_differently_from_its_place() -> None:
    examples, labels, _ = synthetic()
    # The office list spells the kecamatan "Pabean Cantian", the place list "Pabean Cantikan".
    extra = [Example("taman kecamatan rusak", "Pabean Cantikan", "Krembangan")] * 2
    groups = detect_local_groups(
        [*examples, *extra], [*labels, "Kecamatan Pabean Cantian", "Kecamatan Pabean Cantian"]
    )
    kecamatan = next(group for group in groups if group.field == "district")
    assert kecamatan.label_for(extra[0]) == "Kecamatan Pabean Cantian"
    assert "Kecamatan Pabean Cantian" in kecamatan.labels


def test_no_groups_without_place_local_labels() -> None:
    examples = [Example("air", "Utara", "Alpha"), Example("jalan", "Selatan", "Gamma")] * 3
    labels = ["Dinas Air", "Dinas Jalan"] * 3
    assert detect_local_groups(examples, labels) == []
    router = Router.train(examples, labels)
    assert router.predict([Example("air mampet", "Utara", "Alpha")], k=1)[0].labels == (
        "Dinas Air",
    )


def test_predicts_central_and_expands_local_offices(router: Router) -> None:
    rows = [
        Example("jalan berlubang di depan rumah", "Utara", "Alpha"),
        Example("minta surat pengantar lurah", "Selatan", "Gamma"),
        Example("minta surat pengantar lurah", "Utara", "Beta Satu"),
        Example("minta surat pengantar lurah", "Utara", "Tidak Dikenal"),
    ]
    jalan, gamma, beta, unknown = router.predict(rows, k=3)
    assert jalan.labels[0] == "Dinas Jalan"
    assert gamma.labels[0] == "Kelurahan Gamma"
    assert beta.labels[0] == "Kelurahan Beta Satu"
    # A place with no training rows of its own still has its office, named like the others.
    assert unknown.labels[0] == "Kelurahan Tidak Dikenal"
    for prediction in (jalan, gamma, beta, unknown):
        assert len(prediction.labels) == len(prediction.scores) == 3
        assert list(prediction.scores) == sorted(prediction.scores, reverse=True)
        assert all(0 <= score <= 1 for score in prediction.scores)
        assert prediction.confidence == prediction.scores[0]
    assert jalan.category == "Jalan"
    assert gamma.category == "Kelurahan"
    assert jalan.category_score is not None and 0 < jalan.category_score <= 1


def test_metadata_and_labels(router: Router) -> None:
    examples, labels, _ = synthetic()
    assert router.labels == tuple(sorted(set(labels)))
    assert router.metadata["n_examples"] == len(examples)
    assert router.metadata["version"] == 1
    assert router.metadata["trained_at"]
    assert router.predict([]) == []


def test_train_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput):
        Router.train([], [])
    with pytest.raises(InvalidInput):
        Router.train([Example("a")], ["x", "y"])
    with pytest.raises(InvalidInput):
        Router.train([Example("a"), Example("b")], ["x", ""])


def test_single_label_is_always_suggested() -> None:
    router = Router.train([Example("apa saja"), Example("lain lagi")], ["Dinas Satu"] * 2)
    (prediction,) = router.predict([Example("sesuatu")])
    assert prediction.labels == ("Dinas Satu",)
    assert prediction.confidence == 1.0


def test_save_load_round_trip(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    router.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]  # no temporary file left
    loaded = Router.load(path)
    rows = [
        Example("got mampet banjir", "Utara", "Alpha"),
        Example("surat lurah", "Selatan", "Delta"),
    ]
    assert loaded.predict(rows) == router.predict(rows)
    assert loaded.labels == router.labels
    assert loaded.metadata == router.metadata


def test_load_refuses_bad_files(router: Router, tmp_path: Path) -> None:
    good = tmp_path / "model.joblib"
    router.save(good)
    corrupted = tmp_path / "corrupted.joblib"
    corrupted.write_bytes(good.read_bytes()[:200])
    foreign = tmp_path / "foreign.joblib"
    joblib.dump({"weights": [1, 2, 3]}, foreign)
    text = tmp_path / "text.csv"
    text.write_text("id,text\n1,halo\n")
    newer = tmp_path / "newer.joblib"
    joblib.dump({"format": "aduan-routing-model", "version": 99, "router": router}, newer)
    for path in (corrupted, foreign, text, newer, tmp_path / "missing.joblib"):
        with pytest.raises(InvalidInput) as raised:
            Router.load(path)
        assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("confidences", "correct", "target", "expected"),
    [
        ([], [], 0.95, (None, 0.0)),
        ([0.9, 0.8, 0.7], [True, True, True], 0.95, (0.7, 1.0)),
        ([0.9, 0.8, 0.7], [False, False, False], 0.5, (None, 0.0)),
        ([0.9, 0.8, 0.7, 0.6], [True, True, False, True], 0.75, (0.6, 1.0)),
        ([0.9, 0.8, 0.7, 0.6], [True, True, False, True], 0.8, (0.8, 0.5)),
        # Not monotone: the lowest threshold that reaches the target wins.
        ([0.9, 0.8, 0.7, 0.6], [False, True, True, True], 0.75, (0.6, 1.0)),
        # Tied confidences are accepted or refused together.
        ([0.9, 0.5, 0.5, 0.5], [True, True, False, False], 0.9, (0.9, 0.25)),
        ([0.6, 0.9, 0.8], [False, True, True], 1.0, (0.8, 2 / 3)),
    ],
)
def test_threshold_for_precision(
    confidences: list[float],
    correct: list[bool],
    target: float,
    expected: tuple[float | None, float],
) -> None:
    threshold, coverage = threshold_for_precision(confidences, correct, target)
    assert threshold == expected[0]
    assert coverage == pytest.approx(expected[1])


@dataclass
class FixedRouter:
    """Stands in for a Router: returns the given predictions."""

    predictions: list[Prediction]

    def predict(self, examples: list[Example], k: int = 3) -> list[Prediction]:
        return self.predictions[: len(examples)]


def test_evaluate_hand_checked() -> None:
    fixed = FixedRouter(
        [
            Prediction(("A", "B", "C"), (0.9, 0.05, 0.05)),
            Prediction(("B", "A", "C"), (0.8, 0.1, 0.1)),
            Prediction(("X", "C", "A"), (0.7, 0.2, 0.1)),
            Prediction(("Y", "X", "A"), (0.6, 0.3, 0.1)),
        ]
    )
    result = evaluate(fixed, [Example(str(i)) for i in range(4)], ["A", "B", "C", "D"])  # type: ignore[arg-type]
    assert result.n == 4
    assert result.accuracy == 0.5
    assert result.top3_accuracy == 0.75
    # F1 is 1 for A and B, 0 for C, D, X and Y: 2 / 6.
    assert result.macro_f1 == pytest.approx(1 / 3)
    assert result.threshold_at_95 == 0.8
    assert result.coverage_at_95 == 0.5
    with pytest.raises(InvalidInput):
        evaluate(fixed, [], [])  # type: ignore[arg-type]
