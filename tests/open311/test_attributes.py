"""``complaint_submit(attributes=...)``: answers to a category's extra questions are checked
against its ``CategoryField`` rows and stored on the complaint; a wrong answer creates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from aduan.agencies.models import Category, CategoryField
from aduan.complaints.models import Complaint
from aduan.core.errors import InvalidInput
from tests.world import World, submit


@pytest.fixture
def survey(world: World, questions: Category) -> Category:
    CategoryField.objects.create(
        category=questions,
        code="when",
        datatype=CategoryField.Datatype.DATETIME,
        description="Sejak kapan",
        order=4,
    )
    CategoryField.objects.create(
        category=questions,
        code="nearby",
        datatype=CategoryField.Datatype.MULTI_VALUE_LIST,
        description="Di dekat",
        order=5,
        values=[{"key": "school", "name": "Sekolah"}, {"key": "market", "name": "Pasar"}],
    )
    CategoryField.objects.create(
        category=questions,
        code="note",
        variable=False,
        description="Foto tiang membantu petugas.",
        order=6,
    )
    return questions


def test_answers_are_stored_in_their_types(world: World, survey: Category) -> None:
    complaint = submit(
        world,
        category=survey,
        attributes={
            "pole": " PJU-1 ",
            "kind": "off",
            "lamps": "2.5",
            "when": "2026-11-01",
            "nearby": ["market", "school", "market"],
        },
    )
    complaint.refresh_from_db()
    assert complaint.attributes == {
        "pole": "PJU-1",
        "kind": "off",
        "lamps": 2.5,
        "when": "2026-11-01",
        "nearby": ["market", "school"],
    }


def test_empty_optional_answers_are_left_out(world: World, survey: Category) -> None:
    complaint = submit(world, category=survey, attributes={"pole": "P1", "kind": "", "lamps": ""})
    assert complaint.attributes == {"pole": "P1"}
    assert submit(world).attributes == {}


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"pole": ""},
        {"pole": "P1", "kind": "other"},
        {"pole": "P1", "lamps": "many"},
        {"pole": "P1", "lamps": "1e400"},
        {"pole": "P1", "when": "kemarin"},
        {"pole": "P1", "when": "2026-13-45"},
        {"pole": "P1", "nearby": ["market", "river"]},
        {"pole": "P1", "note": "informational fields take no answer"},
        {"pole": "P1", "colour": "red"},
        {"pole": ["P1", "P2"]},
    ],
)
def test_wrong_answers_create_nothing(
    world: World, survey: Category, answers: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput):
        submit(world, category=survey, attributes=answers)
    assert not Complaint.objects.exists()


def test_answers_without_a_category_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        submit(world, category=None, attributes={"pole": "P1"})


def test_list_questions_need_well_formed_choices(world: World, questions: Category) -> None:
    field = CategoryField(
        category=questions, code="x", datatype="singlevaluelist", description="X", values=[]
    )
    with pytest.raises(ValidationError):
        field.clean()
    field.values = [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]
    with pytest.raises(ValidationError):
        field.clean()
    field.values = [{"key": "a", "name": "A"}]
    field.clean()
    field.datatype = "string"
    with pytest.raises(ValidationError):
        field.clean()
