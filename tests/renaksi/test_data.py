"""The packaged plan (src/aduan/renaksi/fixtures/…json) against the plan's text.

These read the package only; the last test also compares it with the plan's text in
../shared/seed when that checkout is present (and is skipped otherwise).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aduan.renaksi.loaders import iter_activities, read_plan

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "renaksi-sp4n-lapor-sumbar.txt"

# Activities per aspect, as read from the plan's program table (docs/renaksi.md).
ACTIVITIES_PER_ASPECT = {
    "kelembagaan": 5,
    "sdm": 3,
    "data-aplikasi": 6,
    "partisipasi": 6,
    "koordinasi-monev": 3,
}
# The priority table (chapter C): aspect, score, and the order it gives.
SCORES = {
    "sdm": Decimal("2.2"),
    "kelembagaan": Decimal("2.5"),
    "data-aplikasi": Decimal("2.6"),
    "koordinasi-monev": Decimal("2.6"),
    "partisipasi": Decimal("3.0"),
}
PRIORITY_ORDER = ["sdm", "kelembagaan", "data-aplikasi", "koordinasi-monev", "partisipasi"]


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return read_plan()


def test_five_aspects_in_the_plans_order(data: dict[str, Any]) -> None:
    assert [(a["number"], a["name"]) for a in data["aspects"]] == [
        (1, "Kebijakan dan kelembagaan"),
        (2, "Sumber daya manusia"),
        (3, "Pemanfaatan data dan optimalisasi aplikasi"),
        (4, "Partisipasi pemangku kepentingan internal dan eksternal"),
        (5, "Koordinasi dan monitoring evaluasi"),
    ]


def test_activities_per_aspect_and_in_total(data: dict[str, Any]) -> None:
    counts = {
        aspect["code"]: sum(
            len(program["activities"])
            for group in aspect["groups"]
            for program in group["programs"]
        )
        for aspect in data["aspects"]
    }
    assert counts == ACTIVITIES_PER_ASPECT
    assert sum(counts.values()) == 23


def test_codes_are_unique_and_follow_group_program_activity(data: dict[str, Any]) -> None:
    codes = [activity["code"] for _aspect, activity in iter_activities(data)]
    assert len(codes) == len(set(codes))
    for aspect in data["aspects"]:
        for group in aspect["groups"]:
            for program in group["programs"]:
                assert program["code"].startswith(group["number"] + ".")
                for activity in program["activities"]:
                    assert re.fullmatch(r"[IVX]+\.\d+\.\d+", activity["code"])
                    assert activity["code"].startswith(program["code"] + ".")


def test_every_activity_runs_over_the_plan_years(data: dict[str, Any]) -> None:
    assert data["years"] == [2021, 2022, 2023, 2024]
    for _aspect, activity in iter_activities(data):
        assert activity["years"] == [2021, 2022, 2023, 2024]


def test_the_first_activity_and_its_parties(data: dict[str, Any]) -> None:
    first = next(activity for _aspect, activity in iter_activities(data))
    sdm = next(aspect for aspect in data["aspects"] if aspect["code"] == "sdm")
    assert first["code"] == "II.1.1"  # the plan's order of aspects puts institutions first
    first_sdm = sdm["groups"][0]["programs"][0]["activities"][0]
    assert first_sdm["code"] == "I.1.1"
    assert first_sdm["plan_code"] == "1.1.1."
    assert first_sdm["title"] == (
        "Pelatihan bagi pimpinan OPD di lingkup Pemerintah Provinsi Sumatera Barat"
    )
    assert [party["name"] for party in first_sdm["parties"]] == [
        "Kemenpan & RB",
        "Biro Organisasi",
        "Diskominfotik",
    ]


def test_parties_link_to_the_packaged_agency_codes(data: dict[str, Any]) -> None:
    from importlib import resources

    from aduan.agencies.loaders import AGENCIES_FIXTURE, FIXTURES_PACKAGE

    text = resources.files(FIXTURES_PACKAGE).joinpath("fixtures").joinpath(AGENCIES_FIXTURE)
    known = {line.split(",", 1)[0] for line in text.read_text(encoding="utf-8").splitlines()}
    linked = {
        party["agency"]
        for _aspect, activity in iter_activities(data)
        for party in activity["parties"]
        if party.get("agency")
    }
    assert linked == {"BIRO-ORG", "BIRO-HUKUM", "DISKOMINFOTIK", "DPMD-DUKCAPIL"}
    assert linked <= known


def test_the_five_scores_and_the_priority_order(data: dict[str, Any]) -> None:
    year = str(data["assessment_year"])
    scores = {}
    ranks = {}
    for aspect in data["aspects"]:
        (indicator,) = aspect["indicators"]
        scores[aspect["code"]] = Decimal(indicator["scores"][year])
        ranks[aspect["code"]] = aspect["priorities"][year]["rank"]
        assert aspect["priorities"][year]["reason"]
    assert scores == SCORES
    assert sorted(ranks, key=ranks.__getitem__) == PRIORITY_ORDER
    # Lowest score first; the tie at 2.6 keeps the table's order.
    assert sorted(ranks.values()) == [1, 2, 3, 4, 5]
    # The program groups are numbered I-V in the same order.
    groups = {aspect["code"]: aspect["groups"][0]["number"] for aspect in data["aspects"]}
    assert [groups[code] for code in PRIORITY_ORDER] == ["I", "II", "III", "IV", "V"]


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not checked out beside the repo")
def test_every_transcribed_piece_is_in_the_plans_text(data: dict[str, Any]) -> None:
    flat = " ".join(SEED.read_text(encoding="utf-8").split())
    pieces: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "plan_text":
                    pieces.extend(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    assert len(pieces) > 80
    missing = [piece for piece in pieces if " ".join(piece.split()) not in flat]
    assert missing == []
    # The printed numbers of the activities that have one are in the text, before their title.
    for _aspect, activity in iter_activities(data):
        if activity["plan_code"]:
            assert activity["plan_text"][0].startswith(activity["plan_code"])
    # The scores as the plan prints them (Indonesian decimal comma).
    for printed in ("Manusia 2,2", "Kebijakan 2,5", "Data & 2,6", "Monev 2,6", "Kepentingan 3 "):
        assert printed in flat
