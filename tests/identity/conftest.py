"""Fixtures for the identity tests: NIKs that pass and fail, the Dukcapil simulator, English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from tests.identity.simulator import DukcapilSimulator
from tests.simulators.base import serve

# Kota Padang, Padang Selatan (13.71.01): a woman born 1 January 1999 (day 01 + 40).
SITI_NIK = "1371014101990001"
SITI_NAME = "Siti Rahmawati"
# Kabupaten Agam, Tanjung Mutiara (13.06.01): a man born 17 August 1985.
BUDI_NIK = "1306011708850002"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (the Indonesian catalogue is added later)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(scope="session")
def _served_dukcapil() -> Iterator[tuple[DukcapilSimulator, str]]:
    # One server for the session: stopping one takes half a second.
    simulator = DukcapilSimulator()
    with serve(simulator) as base_url:
        yield simulator, base_url


@pytest.fixture
def dukcapil(_served_dukcapil: tuple[DukcapilSimulator, str], settings: Any) -> DukcapilSimulator:
    """The simulator served on 127.0.0.1, with the settings pointing at it; Siti is registered."""
    simulator, base_url = _served_dukcapil
    simulator.reset()
    simulator.register(SITI_NIK, SITI_NAME, date(1999, 1, 1))
    for name, value in simulator.settings_for(base_url).items():
        setattr(settings, name, value)
    return simulator


@pytest.fixture
def offline_only(settings: Any) -> None:
    settings.ADUAN_DUKCAPIL_URL = ""
