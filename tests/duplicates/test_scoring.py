"""The scoring function on synthetic complaints: text, place, category, time and the reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import translation

from aduan.duplicates.scoring import Doc, normalize, rank, score_pair, text_similarities
from aduan.duplicates.selectors import reasons_text

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HOLE = "Lubang besar di Jalan Sudirman dekat pasar Bungus, dua bulan tidak diperbaiki."


def doc(key: Any, text: str = HOLE, days: float = 0, **fields: Any) -> Doc:
    fields.setdefault("kelurahan", "13.71.01.1001")
    fields.setdefault("kecamatan", "13.71.01")
    fields.setdefault("category", "1")
    return Doc(key=key, text=text, submitted_at=NOW + timedelta(days=days), **fields)


def codes(reasons: list[dict[str, Any]]) -> list[str]:
    return [reason["code"] for reason in reasons]


def test_normalisation_writes_out_informal_spellings_and_drops_filler() -> None:
    assert normalize("Mohon bpk, jln yg RUSAKKK di dpn pasar!!") == "jalan rusakk depan pasar"


def test_the_same_report_again_scores_high_with_every_reason() -> None:
    new = doc("new")
    again = doc(
        "old", "Jln Sudirman dekat pasar Bungus berlubang besar, 2 bulan belum diperbaiki", -2
    )
    match = rank(new, [again, doc("x", "Akta kelahiran belum terbit")], window_days=30, threshold=0)
    assert [m.key for m in match] == ["old"]  # the unrelated text is below the minimum
    (found,) = match
    assert found.score >= 0.55
    assert codes(found.reasons) == ["text", "same_kelurahan", "same_category", "time"]
    assert found.reasons[-1] == {"code": "time", "days": 2, "before": True}
    with translation.override("en"):
        text = reasons_text(found.reasons)
    assert text.startswith(f"text {found.reasons[0]['percent']} % similar · same kelurahan")
    assert text.endswith("same category · 2 days earlier")


def test_place_counts_kelurahan_over_kecamatan_over_nothing() -> None:
    new = doc("new")
    same_village = doc("a", days=-1)
    same_district = doc("b", days=-1, kelurahan="13.71.01.1002")
    elsewhere = doc("c", days=-1, kelurahan="13.71.02.1001", kecamatan="13.71.02")
    scores = {
        m.key: m
        for m in rank(new, [same_village, same_district, elsewhere], window_days=30, threshold=0)
    }
    assert scores["a"].score > scores["b"].score > scores["c"].score
    assert "same_kelurahan" in codes(scores["a"].reasons)
    assert "same_kecamatan" in codes(scores["b"].reasons)
    assert not {"same_kelurahan", "same_kecamatan"} & set(codes(scores["c"].reasons))


def test_map_pins_give_the_distance() -> None:
    new = doc("new", latitude=-0.95, longitude=100.35, kelurahan="", kecamatan="")
    near = doc("near", latitude=-0.9505, longitude=100.3502, kelurahan="", kecamatan="")
    far = doc("far", latitude=-0.99, longitude=100.40, kelurahan="", kecamatan="")
    (near_match,) = [score_pair(new, near, 0.8, window_days=30)]
    far_match = score_pair(new, far, 0.8, window_days=30)
    assert near_match.reasons[1]["code"] == "distance"
    assert 40 <= near_match.reasons[1]["metres"] <= 80
    assert "distance" not in codes(far_match.reasons)
    assert near_match.score > far_match.score


def test_category_and_time_raise_the_score() -> None:
    new = doc("new")
    same = score_pair(new, doc("a", days=-2), 0.7, window_days=30)
    other_category = score_pair(new, doc("b", days=-2, category="2"), 0.7, window_days=30)
    older = score_pair(new, doc("c", days=-25), 0.7, window_days=30)
    outside = score_pair(new, doc("d", days=-45), 0.7, window_days=30)
    assert same.score > other_category.score
    assert "same_category" not in codes(other_category.reasons)
    assert same.score > older.score > outside.score
    assert outside.score == round(0.6 * 0.7 + 0.2 + 0.1, 4)  # no time share beyond the window


def test_text_similarity_is_symmetric_in_meaning_not_in_topic_only() -> None:
    new = doc("new", "Lampu jalan di Jalan Sudirman depan pasar Bungus padam tiga malam")
    same = doc("same", "PJU padam di jl Sudirman dpn pasar Bungus sudah 3 malam")
    topic = doc("topic", "Lampu jalan di kompleks perumahan Air Tawar mati sejak kemarin")
    same_score, topic_score = text_similarities(new, [same, topic])
    assert same_score > topic_score
    with translation.override("en"):
        assert reasons_text([{"code": "time", "days": 0, "before": False}]) == "the same day"
        assert reasons_text([{"code": "time", "days": 1, "before": False}]) == "1 day later"
