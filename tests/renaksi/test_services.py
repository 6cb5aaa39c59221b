"""The action plan's services: who may change what, the audit events, and the input checks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.core.models import AuditEvent
from aduan.renaksi import services
from aduan.renaksi.loaders import LoadResult
from aduan.renaksi.models import (
    Activity,
    ActivityStatus,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    PlanYear,
    Program,
    ProgramGroup,
)
from tests.world import World

from .conftest import png_bytes

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "leadership",
    "monitor",
    "coordinator",
    "operator",
    "liaison",
    "inspectorate",
    "reporter",
]
VIEWERS = {"admin", "leadership", "monitor"}


def _last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, action
    return event


def _row(code: str = "I.1.1", year: int = 2022) -> ActivityYear:
    return ActivityYear.objects.select_related("activity").get(activity__code=code, year=year)


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_view_and_who_may_edit(world: World, role: str) -> None:
    user = getattr(world, role)
    assert services.may_view_progress(user) is (role in VIEWERS)
    assert services.may_edit_plan(user) is (role == "admin")
    assert services.sees_editors(user) is (role in {"admin", "leadership"})


def _attempts(world: World) -> dict[str, Callable[[Any], Any]]:
    program = Program.objects.get(code="I.1")
    activity = Activity.objects.get(code="I.1.1")
    group = ProgramGroup.objects.get(number="I")
    aspect = Aspect.objects.get(code="sdm")
    indicator = AssessmentIndicator.objects.get(code="2.1")
    return {
        "year_add": lambda actor: services.plan_year_add(actor=actor, year=2025),
        "program_save": lambda actor: services.program_save(
            actor=actor, group=group, code="I.2", title="Program baru"
        ),
        "activity_save": lambda actor: services.activity_save(
            actor=actor, program=program, code="I.1.4", title="Kegiatan baru", years=[2024]
        ),
        "activity_change": lambda actor: services.activity_save(
            actor=actor, activity=activity, program=program, code="I.1.1", title="Diubah"
        ),
        "status": lambda actor: services.activity_year_update(
            actor=actor, activity_year=_row(), status=ActivityStatus.DONE
        ),
        "evidence": lambda actor: services.evidence_add(
            actor=actor, activity_year=_row(), url="https://example.org/bukti"
        ),
        "indicator": lambda actor: services.indicator_save(
            actor=actor, aspect=aspect, code="2.2", title="Indikator baru"
        ),
        "assessment": lambda actor: services.assessment_set(
            actor=actor,
            year=2025,
            scores={indicator: services.ScoreInput(Decimal("2.8"))},
            priorities={},
        ),
    }


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_administrators_change_the_plan(plan: LoadResult, world: World, role: str) -> None:
    actor = getattr(world, role)
    for name, attempt in _attempts(world).items():
        with pytest.raises(PermissionDenied):
            attempt(actor)
        assert not AuditEvent.objects.filter(
            action__startswith="renaksi.", actor_id=actor.pk
        ).exists(), name
    assert not PlanYear.objects.filter(year=2025).exists()
    assert _row().status == ActivityStatus.PLANNED


def test_an_administrator_may_do_each_of_them(plan: LoadResult, world: World) -> None:
    for attempt in _attempts(world).values():
        attempt(world.admin)
    assert (
        AuditEvent.objects.filter(action__startswith="renaksi.", actor_id=world.admin.pk).count()
        == 8
    )


# --- years ---------------------------------------------------------------------------------


def test_adding_2025_is_data_not_code(plan: LoadResult, world: World) -> None:
    activities = list(Activity.objects.filter(program__code="I.1"))
    services.plan_year_add(actor=world.admin, year=2025, activities=activities)
    assert PlanYear.objects.filter(year=2025).exists()
    assert sorted(
        ActivityYear.objects.filter(year=2025).values_list("activity__code", flat=True)
    ) == ["I.1.1", "I.1.2", "I.1.3"]
    event = _last_event("renaksi.year_added")
    assert event.data == {
        "year": 2025,
        "new_year": True,
        "activities": ["I.1.1", "I.1.2", "I.1.3"],
    }
    # More activities into the same year; the same year with nothing new is refused.
    services.plan_year_add(
        actor=world.admin, year=2025, activities=list(Activity.objects.filter(code="V.3.1"))
    )
    assert ActivityYear.objects.filter(year=2025).count() == 4
    with pytest.raises(InvalidInput):
        services.plan_year_add(actor=world.admin, year=2025, activities=activities)
    with pytest.raises(InvalidInput):
        services.plan_year_add(actor=world.admin, year=1999)


# --- activities ----------------------------------------------------------------------------


def test_creating_an_activity_with_parties_and_years(plan: LoadResult, world: World) -> None:
    program = Program.objects.get(code="III.3")
    activity = services.activity_save(
        actor=world.admin,
        program=program,
        code="III.3.3",
        title="Integrasi dengan Super-App Sumbar Madani",
        description="Kanal pengaduan di aplikasi provinsi.",
        parties=[
            services.PartyInput("Diskominfotik"),
            services.PartyInput("Dinas Pekerjaan Umum", world.public_works),
        ],
        years=[2023, 2024],
    )
    assert activity.position == 3
    assert [(p.name, p.agency) for p in activity.parties.all()] == [
        ("Diskominfotik", None),
        ("Dinas Pekerjaan Umum", world.public_works),
    ]
    assert list(activity.years.values_list("year", "status")) == [
        (2023, ActivityStatus.PLANNED),
        (2024, ActivityStatus.PLANNED),
    ]
    event = _last_event("renaksi.activity_created")
    assert event.target_id == str(activity.pk)
    assert event.data["before"] is None
    assert event.data["after"]["parties"] == [
        ["Diskominfotik", None],
        ["Dinas Pekerjaan Umum", "DPU"],
    ]


def test_saving_the_same_activity_again_writes_nothing(plan: LoadResult, world: World) -> None:
    activity = Activity.objects.get(code="II.2.2")
    before = AuditEvent.objects.count()
    services.activity_save(
        actor=world.admin,
        activity=activity,
        program=activity.program,
        code=activity.code,
        title=activity.title,
        parties=[services.PartyInput(p.name, p.agency) for p in activity.parties.all()],
        years=[2021, 2022, 2023, 2024],
    )
    assert AuditEvent.objects.count() == before
    activity.refresh_from_db()
    assert activity.updated_by is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "I.1.2"}, "Another activity has the code"),
        ({"code": "1 1"}, "A code is"),
        ({"title": "  "}, "cannot be empty"),
        ({"years": [2030]}, "Add 2030 to the plan first"),
        (
            {"parties": [services.PartyInput("Biro X"), services.PartyInput("biro x")]},
            "named twice",
        ),
    ],
)
def test_activity_input_is_checked(
    plan: LoadResult, world: World, changes: dict[str, Any], message: str
) -> None:
    activity = Activity.objects.get(code="I.1.1")
    fields: dict[str, Any] = {
        "actor": world.admin,
        "activity": activity,
        "program": activity.program,
        "code": "I.1.1",
        "title": "Pelatihan",
        "years": [2021],
    }
    fields.update(changes)
    with pytest.raises(InvalidInput, match=message):
        services.activity_save(**fields)


def test_a_year_with_a_record_cannot_be_taken_off(plan: LoadResult, world: World) -> None:
    services.activity_year_update(
        actor=world.admin, activity_year=_row("I.1.1", 2024), status=ActivityStatus.IN_PROGRESS
    )
    activity = Activity.objects.get(code="I.1.1")
    with pytest.raises(InvalidInput, match="2024"):
        services.activity_save(
            actor=world.admin,
            activity=activity,
            program=activity.program,
            code="I.1.1",
            title=activity.title,
            years=[2021, 2022, 2023],
        )
    assert activity.years.count() == 4


# --- status and evidence -------------------------------------------------------------------


def test_status_update_is_audited_without_the_notes_text(plan: LoadResult, world: World) -> None:
    row = services.activity_year_update(
        actor=world.admin,
        activity_year=_row(),
        status=ActivityStatus.DONE,
        note="Peserta 40 orang; narahubung Bu Rina.",
    )
    assert (row.status, row.updated_by) == (ActivityStatus.DONE, world.admin)
    event = _last_event("renaksi.activity_year_changed")
    assert event.data == {
        "activity": "I.1.1",
        "year": 2022,
        "before": "planned",
        "after": "done",
        "note_changed": True,
    }
    assert "Rina" not in str(event.data)
    count = AuditEvent.objects.count()
    services.activity_year_update(
        actor=world.admin,
        activity_year=row,
        status="done",
        note="Peserta 40 orang; narahubung Bu Rina.",
    )
    assert AuditEvent.objects.count() == count
    with pytest.raises(InvalidInput):
        services.activity_year_update(actor=world.admin, activity_year=row, status="finished")


def test_evidence_file_and_link(
    plan: LoadResult, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    row = _row()
    photo = services.evidence_add(
        actor=world.admin,
        activity_year=row,
        title="Foto kegiatan",
        upload=ContentFile(png_bytes(), name="foto.png"),
    )
    assert photo.content_type == "image/png"
    assert photo.size == len(png_bytes())
    assert default_storage.exists(photo.file.name)
    link = services.evidence_add(
        actor=world.admin, activity_year=row, url="https://biroorganisasi.sumbarprov.go.id/berita"
    )
    assert link.url.startswith("https://")
    assert _last_event("renaksi.evidence_added").data["kind"] == "link"

    stored = photo.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(actor=world.admin, evidence=photo)
    assert not default_storage.exists(stored)
    assert list(Evidence.objects.values_list("pk", flat=True)) == [link.pk]
    assert _last_event("renaksi.evidence_removed").data["evidence"] == photo.pk


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either a file or a link"),
        (
            {"url": "https://example.org", "upload": ContentFile(b"x", name="a.txt")},
            "either a file or a link",
        ),
        ({"url": "javascript:alert(1)"}, "http"),
        (
            {"upload": ContentFile(b"just text, not a photo", name="bukti.png")},
            "not an allowed type",
        ),
        ({"upload": ContentFile(b"", name="kosong.pdf")}, "empty"),
    ],
)
def test_evidence_input_is_checked(
    plan: LoadResult, world: World, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.evidence_add(actor=world.admin, activity_year=_row(), **kwargs)
    assert not Evidence.objects.exists()


# --- self-assessment -----------------------------------------------------------------------


def _indicators() -> dict[str, AssessmentIndicator]:
    return {i.aspect.code: i for i in AssessmentIndicator.objects.select_related("aspect")}


def test_a_new_years_assessment_sits_beside_the_plans(plan: LoadResult, world: World) -> None:
    from aduan.renaksi import selectors

    indicators = _indicators()
    aspects = {aspect.code: aspect for aspect in Aspect.objects.all()}
    new_scores = {
        "sdm": "3.1",
        "kelembagaan": "3.0",
        "data-aplikasi": "2.7",
        "koordinasi-monev": "2.9",
        "partisipasi": "3.2",
    }
    order = ["data-aplikasi", "koordinasi-monev", "kelembagaan", "sdm", "partisipasi"]
    changed = services.assessment_set(
        actor=world.admin,
        year=2024,
        scores={indicators[c]: services.ScoreInput(Decimal(s)) for c, s in new_scores.items()},
        priorities={
            aspects[code]: services.PriorityInput(rank, f"Alasan {code}")
            for rank, code in enumerate(order, start=1)
        },
    )
    assert changed == 10
    assert AuditEvent.objects.filter(action="renaksi.assessment_changed").count() == 5
    overview = selectors.plan_overview()
    assert overview.assessment_years == [2021, 2024]
    sdm = next(view for view in overview.aspects if view.aspect.code == "sdm")
    assert [cell.score for cell in sdm.assessment] == [Decimal("2.20"), Decimal("3.10")]
    assert sdm.assessment[1].change == Decimal("0.90")
    assert [e.aspect.code for e in overview.priority_order(2024)] == order
    assert next(e.aspect.code for e in overview.priority_order(2021)) == "sdm"


def test_an_aspects_score_is_the_mean_of_its_indicators(plan: LoadResult, world: World) -> None:
    from aduan.renaksi import selectors

    aspect = Aspect.objects.get(code="sdm")
    extra = services.indicator_save(
        actor=world.admin, aspect=aspect, code="2.2", title="Pelatihan pejabat penghubung"
    )
    services.assessment_set(
        actor=world.admin,
        year=2022,
        scores={
            AssessmentIndicator.objects.get(code="2.1"): services.ScoreInput(Decimal("2.5")),
            extra: services.ScoreInput(Decimal("3.0"), "Dua kali bimtek."),
        },
        priorities={},
    )
    overview = selectors.plan_overview()
    sdm = next(view for view in overview.aspects if view.aspect.code == "sdm")
    assert sdm.assessment[1].score == Decimal("2.75")
    assert [row.indicator.code for row in sdm.indicators] == ["2.1", "2.2"]


@pytest.mark.parametrize(
    ("score", "ranks", "message"),
    [
        ("7", {}, "between 0 and 5"),
        ("2.5", {"sdm": 1, "kelembagaan": 1}, "share priority 1"),
        ("2.5", {"sdm": 6}, "between 1 and 5"),
    ],
)
def test_assessment_input_is_checked(
    plan: LoadResult, world: World, score: str, ranks: dict[str, int], message: str
) -> None:
    aspects = {aspect.code: aspect for aspect in Aspect.objects.all()}
    with pytest.raises(InvalidInput, match=message):
        services.assessment_set(
            actor=world.admin,
            year=2023,
            scores={_indicators()["sdm"]: services.ScoreInput(Decimal(score))},
            priorities={aspects[c]: services.PriorityInput(r) for c, r in ranks.items()},
        )
    assert not AssessmentScore.objects.filter(year=2023).exists()


def test_a_rank_taken_by_an_aspect_not_in_the_form_is_refused(
    plan: LoadResult, world: World
) -> None:
    sdm = Aspect.objects.get(code="sdm")
    with pytest.raises(InvalidInput, match="share priority 2"):
        services.assessment_set(
            actor=world.admin,
            year=2021,
            scores={},
            priorities={sdm: services.PriorityInput(2, "")},
        )


def test_swapping_two_ranks_and_clearing_a_score(plan: LoadResult, world: World) -> None:
    aspects = {aspect.code: aspect for aspect in Aspect.objects.all()}
    services.assessment_set(
        actor=world.admin,
        year=2021,
        scores={_indicators()["partisipasi"]: services.ScoreInput(None)},
        priorities={
            aspects["data-aplikasi"]: services.PriorityInput(4, "Ditukar"),
            aspects["koordinasi-monev"]: services.PriorityInput(3, "Ditukar"),
        },
    )
    ranks = dict(AspectPriority.objects.filter(year=2021).values_list("aspect__code", "rank"))
    assert (ranks["data-aplikasi"], ranks["koordinasi-monev"]) == (4, 3)
    assert not AssessmentScore.objects.filter(indicator__aspect__code="partisipasi").exists()
