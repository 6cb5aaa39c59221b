"""Commands refuse bad arguments with a sentence in the operator's language (LANGUAGE_CODE,
Bahasa Indonesia by default), never with a raw Python error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        call_command(*args)
    return str(raised.value)


def test_a_plan_file_that_is_missing_or_not_a_plan(settings: Any, tmp_path: Path) -> None:
    settings.LANGUAGE_CODE = "en"
    missing = tmp_path / "nope.json"
    assert refusal("renaksi", "load", "--file", str(missing)) == (
        f"Cannot read {missing}: No such file or directory"
    )
    text = tmp_path / "plan.txt"
    text.write_text("root:x:0:0\n")
    assert refusal("renaksi", "load", "--file", str(text)).startswith(
        f"{text} is not an action plan file (docs/renaksi.md): "
    )
    settings.LANGUAGE_CODE = "id"
    assert refusal("renaksi", "load", "--file", str(missing)).startswith(
        f"Tidak dapat membaca {missing}: "
    )


def test_a_province_code_that_is_not_one(settings: Any) -> None:
    assert refusal("load_regions", "--province", "99") == (
        "“99” bukan kode provinsi (Kemendagri), misalnya “13”."
    )
    settings.LANGUAGE_CODE = "en"
    assert "is not a province code" in refusal("load_config", "--province", "99")


def test_negative_days_are_a_usage_error(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    assert "a number of days, 0 or more: -5" in refusal("duplicates", "backfill", "--days", "-5")


def test_polling_mail_without_a_server_says_what_to_set(settings: Any) -> None:
    settings.ADUAN_IMAP_HOST = ""
    assert refusal("channels", "poll-email") == ("ADUAN_IMAP_HOST belum diatur (docs/channels.md).")
