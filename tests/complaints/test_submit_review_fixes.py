"""Regressions found in review of ``complaint_submit``: required extra questions are enforced
only for channels that asked them (``attributes`` given), and input no database can store (NUL
characters, NaN coordinates) is refused as bad input on every channel."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.agencies.models import CategoryField
from aduan.complaints.models import Complaint
from aduan.core.errors import InvalidInput
from tests.world import World, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def required_question(world: World) -> CategoryField:
    return CategoryField.objects.create(
        category=world.category,
        code="pole",
        datatype=CategoryField.Datatype.STRING,
        required=True,
        description="Nomor tiang",
    )


def test_required_questions_bind_only_channels_that_ask_them(
    world: World, required_question: CategoryField
) -> None:
    # A channel that cannot ask (attributes=None): accepted without the answer.
    assert submit(world).attributes == {}
    # A channel that asks (a dict, even empty) must get the answer.
    with pytest.raises(InvalidInput):
        submit(world, attributes={})
    # Answers that are given are checked on every channel.
    with pytest.raises(InvalidInput):
        submit(world, attributes={"colour": "red"})
    assert submit(world, attributes={"pole": "P1"}).attributes == {"pole": "P1"}
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Jalan\x00rusak"},
        {"description": "Lubang besar di Jalan Sudirman\x00 dekat pasar."},
        {"reporter_name": "Bu\x00di", "actor": None, "reporter_phone": "081299990000"},
        {"address_text": "Jl.\x00Sudirman"},
        {"attributes": {"pole": "P\x001"}},
        {"attributes": {"pole": {"nested": "value"}}},
        {"latitude": "NaN", "longitude": "100.4"},
        {"latitude": "-0.9", "longitude": "sNaN"},
    ],
)
def test_unstorable_input_is_invalid_input(
    world: World, required_question: CategoryField, overrides: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput):
        submit(world, **overrides)
    assert not Complaint.objects.exists()
