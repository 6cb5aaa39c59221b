from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Services and commands speak the default language (Indonesian); the routing tests match
    the English messages."""
    with translation.override("en"):
        yield
