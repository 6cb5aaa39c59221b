"""``aduan nik check NIK [--online --name NAME [--birth-date DD-MM-YYYY]]``: the verdict and
its reasons one per line; exit 0 valid, 1 invalid (or not matched), 2 usage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from aduan.core.models import AuditEvent
from aduan.identity.models import NikCheck
from tests.identity.conftest import BUDI_NIK, SITI_NAME, SITI_NIK
from tests.identity.simulator import DukcapilSimulator


@pytest.fixture(autouse=True)
def _commands_in_english(settings: Any) -> None:
    # Commands speak settings.LANGUAGE_CODE (Bahasa Indonesia by default).
    settings.LANGUAGE_CODE = "en"


def nik(*args: str) -> tuple[str, int]:
    """Output and exit status of ``aduan nik ...`` run in-process."""
    out = StringIO()
    try:
        call_command("nik", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def test_a_valid_nik_prints_its_parts(offline_only: None) -> None:
    out, status = nik("check", "1371 0141 0199 0001")

    assert status == 0
    assert out.splitlines() == [
        "NIK valid",
        "  Province: 13 Sumatera Barat",
        "  Regency/city: 13.71 Kota Padang",
        "  District: 13.71.01 Padang Selatan",
        "  Birth date: 01-01-1999",
        "  Sex: female",
    ]


def test_an_invalid_nik_prints_each_reason_on_its_own_line(offline_only: None) -> None:
    out, status = nik("check", "1371993102990000")

    assert status == 1
    lines = out.splitlines()
    assert lines[:4] == [
        "NIK not valid",
        "- District code 13.71.99 does not exist.",
        "- Birth date 31-02 is not valid.",
        "- Serial number 0000 is not valid: serial numbers start at 0001.",
    ]
    assert lines[4].startswith("Note: A NIK keeps the region code")


def test_a_century_note_is_printed(offline_only: None) -> None:
    from datetime import UTC, datetime

    from tests.world import frozen_at

    with frozen_at(datetime(2026, 11, 29, 3, 0, tzinfo=UTC)):
        out, status = nik("check", "1371011512260001")
    assert status == 0
    assert "  Birth date: 15-12-1926" in out.splitlines()
    assert "Note: The birth year is read as 1926: 2026 would be in the future." in out


@pytest.mark.parametrize(
    "args",
    [
        ("check", SITI_NIK, "--online"),  # no name
        ("check", SITI_NIK, "--name", SITI_NAME),  # a name without --online
        ("check", SITI_NIK, "--online", "--name", SITI_NAME, "--birth-date", "1 Jan 1999"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], offline_only: None) -> None:
    assert nik(*args)[1] == 2


@pytest.mark.django_db
def test_online_without_configuration_is_a_usage_error(offline_only: None) -> None:
    out, status = nik("check", SITI_NIK, "--online", "--name", SITI_NAME)
    assert status == 2 and out.startswith("NIK valid")
    assert not NikCheck.objects.exists()


@pytest.mark.django_db
def test_online_match(dukcapil: DukcapilSimulator) -> None:
    out, status = nik(
        "check", SITI_NIK, "--online", "--name", SITI_NAME, "--birth-date", "01-01-1999"
    )

    assert status == 0 and out.splitlines()[-1] == "Dukcapil: matched."
    assert dukcapil.received[-1]["TGL_LHR"] == "01-01-1999"
    check = NikCheck.objects.get()
    assert (check.trigger, check.user, check.result) == ("command", None, "matched")
    event = AuditEvent.objects.get(action="identity.nik_checked")
    assert event.actor_label == "aduan nik check" and SITI_NIK not in json.dumps(event.data)


@pytest.mark.django_db
def test_online_mismatch_exits_1(dukcapil: DukcapilSimulator) -> None:
    out, status = nik("check", SITI_NIK, "--online", "--name", "Budi Santoso")
    assert status == 1 and out.splitlines()[-1] == "Dukcapil: not matched (name_mismatch)."

    out, status = nik("check", BUDI_NIK, "--online", "--name", "Budi Santoso")
    assert status == 1 and out.splitlines()[-1] == "Dukcapil: not matched (nik_not_found)."


@pytest.mark.django_db
def test_online_unavailable_keeps_the_offline_verdict(dukcapil: DukcapilSimulator) -> None:
    dukcapil.fail_next(502)
    out, status = nik("check", SITI_NIK, "--online", "--name", SITI_NAME)

    assert status == 3  # not a match: Dukcapil could not be asked
    assert out.splitlines()[-1] == (
        "Dukcapil: unavailable (server_error); the offline verdict stands."
    )
    assert NikCheck.objects.get().result == "unavailable"


@pytest.mark.django_db
def test_an_invalid_nik_is_not_sent_to_dukcapil(dukcapil: DukcapilSimulator) -> None:
    out, status = nik("check", "1371014101990000", "--online", "--name", SITI_NAME)

    assert status == 1
    assert "Dukcapil was not asked: the number is not a valid NIK." in out
    assert dukcapil.received == [] and not NikCheck.objects.exists()


def test_the_real_command_line_exit_statuses(tmp_path: Path) -> None:
    aduan = Path(sys.executable).with_name("aduan")
    env = {**os.environ, "ADUAN_DUKCAPIL_URL": "", "DJANGO_SETTINGS_MODULE": "aduan.settings"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(aduan), "nik", *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            cwd=tmp_path,
        )

    # Each run starts Django (seconds): valid (0) is covered in-process above.
    invalid = run("check", "12345")
    missing = run("check")
    assert invalid.returncode == 1 and missing.returncode == 2
    assert "usage:" in missing.stderr
    assert len(invalid.stdout.splitlines()) == 2  # the verdict and one reason
