"""Agency paths stay right however the agency is saved."""

from __future__ import annotations

import pytest

from aduan.agencies.models import Agency


@pytest.mark.django_db
def test_update_or_create_moves_the_path_with_the_parent() -> None:
    dinas = Agency.objects.create(code="DINAS", name="Dinas")
    badan = Agency.objects.create(code="BADAN", name="Badan")
    unit = Agency.objects.create(code="UPT", name="UPT", parent=dinas)
    Agency.objects.create(code="SEKSI", name="Seksi", parent=unit)

    # update_or_create saves only the fields in ``defaults``.
    Agency.objects.update_or_create(code="UPT", defaults={"parent": badan})

    assert Agency.objects.get(code="UPT").path == "/BADAN/UPT/"
    assert Agency.objects.get(code="SEKSI").path == "/BADAN/UPT/SEKSI/"
    assert list(badan.subtree().order_by("path").values_list("code", flat=True)) == [
        "BADAN",
        "UPT",
        "SEKSI",
    ]
