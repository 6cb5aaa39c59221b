"""Placeholders: a small explicit substitution, never a template language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aduan.core.errors import InvalidInput
from aduan.knowledge import placeholders

VALUES = {
    "nomor_laporan": "SB-7K3M-QX9A",
    "judul_laporan": "Lampu jalan padam",
    "kategori": "Penerangan jalan",
    "nama_instansi": "Dinas Pekerjaan Umum",
    "tenggat": "12 Maret 2026",
    "tanggal_laporan": "1 Maret 2026",
    "tanggal_hari_ini": "5 Maret 2026",
}


def test_every_placeholder_is_replaced() -> None:
    body = " ".join(p.token for p in placeholders.PLACEHOLDERS)
    assert placeholders.render(body, VALUES) == " ".join(
        VALUES[p.name] for p in placeholders.PLACEHOLDERS
    )


def test_values_are_not_scanned_again() -> None:
    """A complaint titled with a placeholder, or with template syntax, stays as typed."""
    values = {**VALUES, "judul_laporan": "{tenggat} {{ settings.SECRET_KEY }} {% debug %}"}
    rendered = placeholders.render("Judul: {judul_laporan}. Tenggat: {tenggat}.", values)
    assert (
        rendered
        == "Judul: {tenggat} {{ settings.SECRET_KEY }} {% debug %}. Tenggat: 12 Maret 2026."
    )


def test_a_placeholder_without_a_value_stays_visible() -> None:
    values = {**VALUES, "tenggat": None}
    assert placeholders.render("Paling lambat {tenggat}.", values) == "Paling lambat {tenggat}."


def test_unknown_names_and_plain_braces_are_left_alone_when_rendering() -> None:
    body = "{nama_pelapor} { nomor_laporan } {NOMOR_LAPORAN} {} {nomor_laporan}"
    assert placeholders.render(body, VALUES) == (
        "{nama_pelapor} { nomor_laporan } {NOMOR_LAPORAN} {} SB-7K3M-QX9A"
    )


def test_check_accepts_known_placeholders_and_plain_text_in_braces() -> None:
    placeholders.check("Laporan {nomor_laporan} { catatan bebas } selesai {tenggat}.")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Yth. {nama_pelapor}", "{nama_pelapor}"),
        ("{nomor} dan {NOMOR_LAPORAN} dan {nomor}", "{nomor}, {NOMOR_LAPORAN}"),
        ("{nomor_laporan.__class__}", "{nomor_laporan.__class__}"),
    ],
)
def test_check_refuses_unknown_placeholders_naming_them(body: str, named: str) -> None:
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        placeholders.check(body)
    with translation.override("en"):
        message = str(refused.value)
    assert message.startswith(f"Unknown placeholder {named}. The placeholders are: ")
    assert "{nomor_laporan}" in message and "{tenggat}" in message


@pytest.mark.parametrize(
    "body", ["{{ nomor_laporan }}", "{% if x %}ya{% endif %}", "{# catatan #}", "tutup }}"]
)
def test_check_refuses_template_syntax(body: str) -> None:
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            placeholders.check(body)
        assert "Template syntax such as {{ … }} or {% … %} is not supported" in str(refused.value)


def test_days_are_written_in_indonesian_whatever_the_language() -> None:
    moment = datetime(2026, 3, 12, 16, 59, 59, tzinfo=ZoneInfo("UTC"))  # 23:59 in Jakarta
    with translation.override("en"):
        assert placeholders.format_day(moment) == "12 Maret 2026"
        assert placeholders.format_day(date(2026, 8, 17)) == "17 Agustus 2026"
