"""Fixtures of the connector's tests: the connector configured against the simulator of
SP4N-LAPOR! (tests/lapor/simulator.py, in memory), and a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from aduan.core import clock
from aduan.lapor.client import use_transport
from tests.lapor.simulator import NationalSimulator
from tests.world import World

INSTANSI = "PEMPROV-13"
BASE_URL = "https://lapor.test/api/v1"


@dataclass
class FakeClock:
    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: Any) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    # A Monday morning in Jakarta, away from national holidays.
    fake = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    with mock.patch.object(clock, "now", side_effect=fake.now):
        yield fake


def configure(settings: Any) -> None:
    settings.ADUAN_LAPOR_BASE_URL = BASE_URL
    settings.ADUAN_LAPOR_TOKEN = "token-rahasia"
    settings.ADUAN_LAPOR_INSTANSI_ID = INSTANSI
    settings.ADUAN_LAPOR_REGISTER = "non_confidential"
    settings.ADUAN_LAPOR_MAPPING_FILE = ""
    settings.ADUAN_LAPOR_MAX_ATTEMPTS = 5
    settings.ADUAN_LAPOR_BACKOFF_SECONDS = 30
    settings.ADUAN_LAPOR_BACKOFF_MAX_SECONDS = 3600
    settings.ADUAN_LAPOR_PAGE_SIZE = 5


@pytest.fixture
def national(world: World, settings: Any, fake_clock: FakeClock) -> Iterator[NationalSimulator]:
    """The connector on, talking to a fresh simulated SP4N-LAPOR!."""
    configure(settings)
    simulator = NationalSimulator(INSTANSI, token="token-rahasia")
    with use_transport(simulator.transport()):
        yield simulator


@pytest.fixture(autouse=True)
def _quiet_http_log() -> Iterator[None]:
    """httpx logs every request at INFO; the fault test makes thousands."""
    import logging

    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def commands_in_english(settings: Any) -> None:
    # Commands speak settings.LANGUAGE_CODE (Bahasa Indonesia by default).
    settings.LANGUAGE_CODE = "en"
