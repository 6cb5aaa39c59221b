"""Production settings fail closed. Each case imports the settings in a fresh interpreter,
since they are read once per process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEY = "k" * 50
SETUP = (
    "import django\n"
    "from django.conf import settings\n"
    "django.setup()\n"
    "print('DEBUG=%s' % settings.DEBUG)\n"
    "print('ALLOWED_HOSTS=%s' % ','.join(settings.ALLOWED_HOSTS))\n"
    "print('SESSION_COOKIE_SECURE=%s' % settings.SESSION_COOKIE_SECURE)\n"
)


def _setup_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "ADUAN_ENV"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "aduan.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _setup_django(ADUAN_ENV="production", ALLOWED_HOSTS="aduan.example.id")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_with_a_short_secret_key_refuses_to_start() -> None:
    result = _setup_django(
        ADUAN_ENV="production", SECRET_KEY="short-key", ALLOWED_HOSTS="aduan.example.id"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start() -> None:
    result = _setup_django(ADUAN_ENV="production", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("debug", ["0", "1"])
def test_production_with_key_and_hosts_starts_without_debug(debug: str) -> None:
    result = _setup_django(
        ADUAN_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="aduan.example.id, www.aduan.example.id",
        DEBUG=debug,
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG=False" in result.stdout
    assert "ALLOWED_HOSTS=aduan.example.id,www.aduan.example.id" in result.stdout
    assert "SESSION_COOKIE_SECURE=True" in result.stdout


def test_development_starts_with_its_own_key() -> None:
    result = _setup_django()
    assert result.returncode == 0, result.stderr
    assert "DEBUG=True" in result.stdout


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"ADUAN_LAPOR_PAGE_SIZE": "abc"},
            "ADUAN_LAPOR_PAGE_SIZE must be a whole number, not 'abc'",
        ),
        (
            {"ADUAN_WEBHOOK_TIMEOUT_SECONDS": "ten"},
            "ADUAN_WEBHOOK_TIMEOUT_SECONDS must be a number",
        ),
        ({"ADUAN_LAPOR_REGISTER": "semua"}, "ADUAN_LAPOR_REGISTER must be all"),
    ],
)
def test_the_command_names_a_wrong_setting_on_one_line(env: dict[str, str], said: str) -> None:
    """An operator's typo in the environment: one line naming the variable, not a traceback."""
    command = os.path.join(os.path.dirname(sys.executable), "aduan")
    result = subprocess.run(
        [command, "help"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("aduan: configuration error: ") and said in line
