"""A region's place name: the region with its kecamatan and kabupaten/kota."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aduan.agencies.models import Region
from tests.world import KotoBaru, koto_baru

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indonesian() -> Iterator[None]:
    with translation.override("id"):
        yield


def _fresh(code: str) -> Region:
    return Region.objects.get(code=code)


def test_a_village_is_named_with_its_kecamatan_and_kabupaten_or_kota() -> None:
    villages = koto_baru()

    assert _fresh(villages.solok.code).place_name == KotoBaru.SOLOK
    assert _fresh(villages.payakumbuh.code).place_name == KotoBaru.PAYAKUMBUH
    assert _fresh(villages.solok.code).full_place_name == KotoBaru.SOLOK_FULL
    assert _fresh(villages.payakumbuh.code).full_place_name == KotoBaru.PAYAKUMBUH_FULL


def test_higher_levels_name_what_is_above_them_up_to_the_kabupaten_or_kota() -> None:
    koto_baru()

    assert _fresh("13.02.10").place_name == "Kec. Kubung, Kab. Solok"
    assert _fresh("13.02.10").full_place_name == "Kecamatan Kubung, Kabupaten Solok"
    assert _fresh("13.02").place_name == "Kab. Solok"
    assert _fresh("13.02").full_place_name == "Kabupaten Solok"
    assert _fresh("13.76").place_name == "Kota Payakumbuh"
    assert _fresh("13").place_name == "Sumatera Barat"  # the province only when nothing else
    with translation.override("en"):
        assert _fresh("13.02.10").place_name == "Kubung District, Solok Regency"
        assert _fresh("13.02.10").full_place_name == "Kubung District, Kabupaten Solok"


def test_a_region_whose_parent_is_missing_is_named_alone() -> None:
    orphan = Region.objects.create(code="99.01.01", name="Tanpa Induk", level=3, kind="kecamatan")

    assert orphan.place_name == "Kec. Tanpa Induk"


def test_the_parents_come_from_select_related_without_more_queries() -> None:
    villages = koto_baru()
    loaded = list(
        Region.objects.filter(pk__in=[villages.solok.pk, villages.payakumbuh.pk])
        .select_related("parent__parent")
        .order_by("code")
    )

    with CaptureQueriesContext(connection) as queries:
        names = [region.place_name for region in loaded]

    assert names == [KotoBaru.SOLOK, KotoBaru.PAYAKUMBUH]
    assert len(queries) == 0
    assert Region.parents_path("complaint__region") == "complaint__region__parent__parent"
