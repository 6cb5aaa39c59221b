"""Placeholders in canned responses: ``{nomor_laporan}`` and a few more, filled in from the
complaint when an officer starts a follow-up from a canned response.

Deliberately not a template language: a placeholder is a known name in single braces, replaced
in one pass by plain text. Values are never scanned again (a complaint titled "{tenggat}" stays
"{tenggat}"), nothing is evaluated, and the result is text that the page escapes like any other.
Unknown names are refused when a canned response is saved; a placeholder without a value (no
running deadline, no category) is left as it is, visible, for the officer to fill in by hand.

The reporter's name is not a placeholder on purpose: follow-ups of public complaints are
published, and public pages never carry personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.core.errors import InvalidInput


@dataclass(frozen=True)
class Placeholder:
    """One name officers may write in braces, what it becomes, and an example value."""

    name: str
    description: str | Promise
    example: str

    @property
    def token(self) -> str:
        return "{" + self.name + "}"


PLACEHOLDERS = (
    Placeholder("nomor_laporan", _("The complaint's tracking ID."), "SB-7K3M-QX9A"),
    Placeholder("judul_laporan", _("The complaint's title."), "Jalan berlubang di depan pasar"),
    Placeholder("kategori", _("The complaint's category."), "Jalan dan jembatan"),
    Placeholder(
        "nama_instansi",
        _("The name of your agency, which answers the complaint."),
        "Dinas Bina Marga, Cipta Karya dan Tata Ruang",
    ),
    Placeholder(
        "tenggat",
        _("The resolution deadline the reporter was given, while it runs."),
        "12 Maret 2026",
    ),
    Placeholder("tanggal_laporan", _("The day the complaint was submitted."), "1 Maret 2026"),
    Placeholder("tanggal_hari_ini", _("Today's date."), "5 Maret 2026"),
)
NAMES = frozenset(p.name for p in PLACEHOLDERS)

# A placeholder candidate: braces around a word without spaces. "{ like this }" is plain text.
TOKEN = re.compile(r"\{([^{}\s]+)\}")
# Template-language syntax people may try (Django, Jinja); refused so nobody expects it to work.
TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def unknown_placeholders(body: str) -> list[str]:
    """The placeholder-looking names in ``body`` that are not placeholders, in order, once."""
    found: list[str] = []
    for match in TOKEN.finditer(body):
        name = match.group(1)
        if name not in NAMES and name not in found:
            found.append(name)
    return found


def known_list() -> str:
    return ", ".join(p.token for p in PLACEHOLDERS)


def check(body: str) -> None:
    """Refuse template syntax and unknown placeholders, naming them and the known ones."""
    if TEMPLATE_SYNTAX.search(body):
        raise InvalidInput(
            _(
                "Template syntax such as {{ … }} or {%% … %%} is not supported. Write a "
                "placeholder in single braces, one of: %(known)s."
            ),
            known=known_list(),
        )
    unknown = unknown_placeholders(body)
    if unknown:
        raise InvalidInput(
            _("Unknown placeholder %(names)s. The placeholders are: %(known)s."),
            names=", ".join("{" + name + "}" for name in unknown),
            known=known_list(),
        )


def render(body: str, values: Mapping[str, str | None]) -> str:
    """``body`` with each known placeholder that has a value replaced by it, in one pass.

    Anything else in braces (an unknown name, a placeholder without a value) stays as written.
    """

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1)) if match.group(1) in NAMES else None
        return match.group(0) if value is None else value

    return TOKEN.sub(replace, body)


def format_day(value: date | datetime) -> str:
    """A day as written in Indonesian letters ("12 Maret 2026"), whoever renders it: canned
    responses are written in Bahasa Indonesia, and so are the follow-ups made from them."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    with translation.override(settings.LANGUAGE_CODE):
        return date_format(value, "j F Y")
