"""The agencies and categories loaders (packaged Sumatera Barat data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aduan.agencies.loaders import (
    load_agencies,
    load_categories,
    read_agency_rows,
    read_category_rows,
)
from aduan.agencies.models import Agency, Category

SUPERVISORY_CATEGORIES = {"pengawasan", "penyalahgunaan-wewenang", "pungutan-liar"}


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("code,name,short_name,kind,parent_code\n" + "\n".join(lines) + "\n")
    return path


@pytest.mark.django_db
def test_agencies_load_as_a_tree() -> None:
    rows = read_agency_rows()

    assert load_agencies() == len(rows)
    assert Agency.objects.count() == len(rows)
    setda = Agency.objects.get(code="SETDA")
    biro_hukum = Agency.objects.get(code="BIRO-HUKUM")
    assert biro_hukum.parent == setda
    assert biro_hukum.kind == Agency.Kind.BUREAU
    assert setda.path == "/SETDA/"
    assert biro_hukum.path == "/SETDA/BIRO-HUKUM/"
    assert Agency.objects.get(code="INSP").kind == Agency.Kind.INSPECTORATE
    assert Agency.objects.get(code="RSUD-MNATSIR").path == "/DINKES/RSUD-MNATSIR/"
    for agency in Agency.objects.select_related("parent"):
        parent_path = agency.parent.path if agency.parent else "/"
        assert agency.path == f"{parent_path}{agency.code}/"
    bureaus = {row.code for row in rows if row.parent_code == "SETDA"}
    assert set(setda.subtree().values_list("code", flat=True)) == {"SETDA", *bureaus}
    assert set(biro_hukum.subtree().values_list("code", flat=True)) == {"BIRO-HUKUM"}


@pytest.mark.django_db
def test_loading_agencies_twice_writes_nothing() -> None:
    load_agencies()
    before = dict(Agency.objects.values_list("code", "pk"))

    with CaptureQueriesContext(connection) as queries:
        count = load_agencies()

    assert count == len(before)
    assert dict(Agency.objects.values_list("code", "pk")) == before
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []


@pytest.mark.django_db
def test_reloading_moves_an_agency_and_its_sub_units(tmp_path: Path) -> None:
    load_agencies(
        _write_csv(
            tmp_path / "a.csv",
            ["A,Alpha,,dinas,", "B,Beta,,dinas,", "C,Gamma,,uptd,A", "D,Delta,,uptd,C"],
        )
    )
    assert Agency.objects.get(code="D").path == "/A/C/D/"

    load_agencies(
        _write_csv(
            tmp_path / "b.csv",
            ["A,Alpha,,dinas,", "B,Beta,,dinas,", "C,Gamma baru,,uptd,B", "D,Delta,,uptd,C"],
        )
    )

    moved = Agency.objects.values_list("name", "parent__code", "path").get(code="C")
    assert moved == ("Gamma baru", "B", "/B/C/")
    assert Agency.objects.get(code="D").path == "/B/C/D/"


@pytest.mark.django_db
def test_children_listed_before_their_parent_and_unknown_kinds(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "a.csv", ["UPT,Unit,,uptd,DINAS", "DINAS,Dinas,,kementerian,"])

    assert load_agencies(path) == 2

    assert Agency.objects.get(code="UPT").path == "/DINAS/UPT/"
    assert Agency.objects.get(code="DINAS").kind == Agency.Kind.OTHER


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lines",
    [
        ["A,Alpha,,dinas,B", "B,Beta,,dinas,A"],  # cycle
        ["A,Alpha,,dinas,", "A,Alpha lagi,,dinas,"],  # duplicate
        ["A,Alpha,,dinas,NOPE"],  # unknown parent
    ],
)
def test_bad_agency_files_are_refused_whole(tmp_path: Path, lines: list[str]) -> None:
    path = _write_csv(tmp_path / "bad.csv", ["OK,Fine,,dinas,", *lines])

    with pytest.raises(ValueError):
        load_agencies(path)

    assert not Agency.objects.exists()


def test_every_category_routes_to_an_agency_of_the_packaged_file() -> None:
    agency_codes = {row.code for row in read_agency_rows()}
    categories = read_category_rows()

    assert categories
    assert all(row.default_agency_code in agency_codes for row in categories)
    assert {
        row.default_agency_code for row in categories if row.code in SUPERVISORY_CATEGORIES
    } == {"INSP"}


@pytest.mark.django_db
def test_categories_load_with_default_agencies_and_overrides() -> None:
    load_agencies()

    count = load_categories()

    assert count == Category.objects.count() == len(read_category_rows())
    assert not Category.objects.filter(default_agency__isnull=True).exists()
    supervisory = Category.objects.filter(code__in=SUPERVISORY_CATEGORIES)
    assert set(supervisory.values_list("default_agency__kind", flat=True)) == {
        Agency.Kind.INSPECTORATE
    }
    assert supervisory.count() == len(SUPERVISORY_CATEGORIES)
    road = Category.objects.values_list("parent__code", "default_agency__code")
    assert road.get(code="jalan-jembatan") == ("infrastruktur", "BMCKTR")
    ppdb = Category.objects.get(code="ppdb")
    assert (ppdb.verify_working_days, ppdb.first_followup_working_days, ppdb.resolution_days) == (
        1,
        2,
        14,
    )
    assert Category.objects.get(code="kesehatan").verify_working_days is None
    assert Category.objects.filter(code="lainnya", parent__isnull=True).exists()


@pytest.mark.django_db
def test_loading_categories_twice_is_idempotent() -> None:
    load_agencies()
    load_categories()
    Category.objects.filter(code="ppdb").update(name="Diubah", resolution_days=99)
    before = dict(Category.objects.values_list("code", "pk"))

    assert load_categories() == len(before)

    assert dict(Category.objects.values_list("code", "pk")) == before
    assert Category.objects.get(code="ppdb").resolution_days == 14


@pytest.mark.django_db
def test_categories_need_the_agencies() -> None:
    with pytest.raises(ValueError, match="load the agencies first"):
        load_categories()

    assert not Category.objects.exists()
