"""Domain errors are worded when they are read, in the reader's language, not in the language
active when they were raised: their message and their worded parameters stay lazy."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from aduan.complaints import services
from aduan.core.errors import DomainError, TransitionNotAllowed
from aduan.identity.services import nik_clean
from tests.world import World

pytestmark = pytest.mark.django_db

STATE_ERROR = "This cannot be done while the complaint is “%(status)s”."


def _in(language: str, error: DomainError) -> str:
    with translation.override(language):
        return str(error)


@pytest.mark.parametrize(("raised_in", "read_in"), [("en", "id"), ("id", "en")])
def test_a_state_error_reads_in_the_reader_s_language(
    world: World, make_complaint: Any, raised_in: str, read_in: str
) -> None:
    complaint = make_complaint("dispatched")
    with translation.override(raised_in), pytest.raises(TransitionNotAllowed) as raised:
        services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")

    with translation.override(read_in):
        expected = translation.gettext(STATE_ERROR) % {"status": translation.gettext("Dispatched")}
    assert _in(read_in, raised.value) == expected
    assert _in("en", raised.value) == "This cannot be done while the complaint is “Dispatched”."
    # Not vacuous: the two languages differ, the status included.
    assert "Didisposisikan" in _in("id", raised.value)


@pytest.mark.parametrize(("raised_in", "read_in"), [("en", "id"), ("id", "en")])
def test_nik_reasons_read_in_the_reader_s_language(raised_in: str, read_in: str) -> None:
    with translation.override(raised_in), pytest.raises(DomainError) as raised:
        nik_clean("1371 0141")

    assert _in("en", raised.value) == "The NIK must be 16 digits; 8 were given."
    assert _in("id", raised.value) == "NIK harus 16 digit; yang diisi 8 digit."
    assert _in(read_in, raised.value) != _in(raised_in, raised.value)
