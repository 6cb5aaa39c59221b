"""``aduan renaksi load``: idempotent, totals as in the plan, administrators' changes kept."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count

from aduan.agencies.models import Agency
from aduan.core.models import AuditEvent
from aduan.renaksi import selectors, services
from aduan.renaksi.loaders import LoadResult, load_plan, read_plan
from aduan.renaksi.models import (
    Activity,
    ActivityParty,
    ActivityStatus,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentScore,
    PlanYear,
    Program,
)
from tests.world import World

from .test_data import ACTIVITIES_PER_ASPECT, PRIORITY_ORDER, SCORES

pytestmark = pytest.mark.django_db


def _events(action: str = "renaksi.plan_loaded") -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_first_load_creates_the_plan_with_its_totals(world: World) -> None:
    result = load_plan()
    assert result.activities == 23
    assert result.years_created == 23 * 4
    assert result.updated == result.kept == 0
    assert Activity.objects.count() == 23
    assert ActivityYear.objects.count() == 92
    assert set(ActivityYear.objects.values_list("status", flat=True)) == {ActivityStatus.PLANNED}
    assert list(PlanYear.objects.values_list("year", flat=True)) == [2021, 2022, 2023, 2024]
    per_aspect = dict(
        Activity.objects.values_list("program__group__aspect__code").annotate(n=Count("id"))
    )
    assert per_aspect == ACTIVITIES_PER_ASPECT
    scores = {
        row.indicator.aspect.code: row.score
        for row in AssessmentScore.objects.select_related("indicator__aspect")
    }
    assert scores == SCORES
    assert (
        list(
            AspectPriority.objects.filter(year=2021)
            .order_by("rank")
            .values_list("aspect__code", flat=True)
        )
        == PRIORITY_ORDER
    )
    assert _events() == 1


def test_a_second_load_changes_nothing_and_writes_no_event(world: World) -> None:
    load_plan()
    before = list(Activity.objects.values_list("pk", "title", "seed_digest"))
    second = load_plan()
    assert (second.created, second.updated, second.kept, second.years_created) == (0, 0, 0, 0)
    assert list(Activity.objects.values_list("pk", "title", "seed_digest")) == before
    assert _events() == 1


def test_the_overview_shows_the_plans_scores_and_order(plan: LoadResult) -> None:
    overview = selectors.plan_overview()
    assert overview.years == [2021, 2022, 2023, 2024]
    assert overview.assessment_years == [2021]
    assert overview.activity_count == 23
    by_code = {view.aspect.code: view for view in overview.aspects}
    assert {code: view.assessment[0].score for code, view in by_code.items()} == SCORES
    assert [entry.aspect.code for entry in overview.priority_order()] == PRIORITY_ORDER
    assert all(counts.planned == 23 and counts.done == 0 for counts in overview.totals)


def test_status_and_evidence_set_by_an_administrator_survive_a_load(
    plan: LoadResult, world: World
) -> None:
    row = ActivityYear.objects.get(activity__code="I.1.1", year=2022)
    services.activity_year_update(
        actor=world.admin, activity_year=row, status=ActivityStatus.DONE, note="Terlaksana."
    )
    services.evidence_add(actor=world.admin, activity_year=row, url="https://example.org/foto")
    load_plan()
    row.refresh_from_db()
    assert (row.status, row.note) == (ActivityStatus.DONE, "Terlaksana.")
    assert row.evidence.count() == 1


def _changed_package(tmp_path: Path, change: Any) -> Path:
    data = read_plan()
    change(data)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _activity(data: dict[str, Any], code: str) -> dict[str, Any]:
    for aspect in data["aspects"]:
        for group in aspect["groups"]:
            for program in group["programs"]:
                for activity in program["activities"]:
                    if activity["code"] == code:
                        return activity
    raise KeyError(code)


def test_a_corrected_package_updates_untouched_rows_and_keeps_edited_ones(
    plan: LoadResult, world: World, tmp_path: Path
) -> None:
    edited = Activity.objects.get(code="V.3.2")
    services.activity_save(
        actor=world.admin,
        activity=edited,
        program=edited.program,
        code="V.3.2",
        title="Gathering Hari Pelayanan Publik (diubah admin)",
        years=[2021, 2022, 2023, 2024],
    )

    def change(data: dict[str, Any]) -> None:
        _activity(data, "V.3.1")["title"] = "Seminar pengelolaan pengaduan (koreksi)"
        _activity(data, "V.3.2")["title"] = "Gathering (koreksi paket)"

    result = load_plan(_changed_package(tmp_path, change))
    assert result.updated == 1
    assert result.kept == 1
    assert Activity.objects.get(code="V.3.1").title == "Seminar pengelolaan pengaduan (koreksi)"
    assert (
        Activity.objects.get(code="V.3.2").title == "Gathering Hari Pelayanan Publik (diubah admin)"
    )
    assert _events() == 2


def test_an_administrators_score_is_kept(plan: LoadResult, world: World) -> None:
    indicator = AssessmentScore.objects.get(indicator__code="2.1").indicator
    services.assessment_set(
        actor=world.admin,
        year=2021,
        scores={indicator: services.ScoreInput(Decimal("2.3"))},
        priorities={},
    )
    result = load_plan()
    assert result.kept == 1
    assert AssessmentScore.objects.get(indicator=indicator, year=2021).score == Decimal("2.30")


def test_a_year_taken_off_an_activity_is_not_put_back(plan: LoadResult, world: World) -> None:
    activity = Activity.objects.get(code="IV.1.3")
    services.activity_save(
        actor=world.admin,
        activity=activity,
        program=activity.program,
        code=activity.code,
        title=activity.title,
        parties=[services.PartyInput(p.name, p.agency) for p in activity.parties.all()],
        years=[2021, 2022, 2023],
    )
    load_plan()
    assert list(activity.years.values_list("year", flat=True)) == [2021, 2022, 2023]


def test_a_new_plan_year_does_not_stop_the_package_updating_an_activity(
    plan: LoadResult, world: World, tmp_path: Path
) -> None:
    services.plan_year_add(actor=world.admin, year=2025, activities=list(Activity.objects.all()))

    def change(data: dict[str, Any]) -> None:
        _activity(data, "I.1.2")["description"] = "Keterangan dari paket."

    result = load_plan(_changed_package(tmp_path, change))
    assert result.updated == 1 and result.kept == 0
    assert Activity.objects.get(code="I.1.2").description == "Keterangan dari paket."
    assert ActivityYear.objects.filter(year=2025).count() == 23


def test_parties_are_linked_once_the_agencies_exist(plan: LoadResult) -> None:
    assert not ActivityParty.objects.filter(agency__isnull=False).exists()
    Agency.objects.create(code="BIRO-ORG", name="Biro Organisasi", kind=Agency.Kind.BUREAU)
    Agency.objects.create(
        code="DISKOMINFOTIK",
        name="Dinas Komunikasi, Informatika dan Statistik",
        kind=Agency.Kind.OFFICE,
    )
    result = load_plan()
    assert result.updated > 0
    linked = ActivityParty.objects.filter(agency__code="BIRO-ORG")
    assert linked.count() == ActivityParty.objects.filter(name="Biro Organisasi").count() == 13
    assert ActivityParty.objects.filter(name="Kemenpan RB", agency__isnull=True).count() == 2


def test_nothing_is_deleted(plan: LoadResult, world: World) -> None:
    program = Program.objects.get(code="V.3")
    services.activity_save(
        actor=world.admin, program=program, code="V.3.3", title="Kegiatan tambahan", years=[2024]
    )
    load_plan()
    assert Activity.objects.filter(code="V.3.3").exists()
    assert Aspect.objects.count() == 5


def test_the_command_loads_and_reports(world: World) -> None:
    out = StringIO()
    call_command("renaksi", "load", stdout=out)
    assert "23" in out.getvalue()
    out = StringIO()
    call_command("renaksi", "load", stdout=out)
    assert Activity.objects.count() == 23
