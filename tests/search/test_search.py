"""The search over complaints: index kept in step, scoping, pages, bad input, rebuild; the same
on SQLite (FTS5) and PostgreSQL (GIN over tsvector)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from aduan.complaints import selectors
from aduan.complaints.models import Complaint
from aduan.core.errors import InvalidInput
from aduan.search import selectors as search_selectors
from aduan.search.models import SearchDocument
from aduan.search.selectors import search_complaints
from tests.world import World, make, submit

pytestmark = pytest.mark.django_db


def found(scope: Any, query: str, **kwargs: Any) -> list[str]:
    return [c.tracking_id for c in search_complaints(scope, query, **kwargs)]


def everything() -> Any:
    return Complaint.objects.all()


def test_document_is_written_on_submit(world: World) -> None:
    complaint = submit(world, title="Perbaikan jalan", description="Jln berlubang gak diperbaiki")
    document = SearchDocument.objects.get(complaint=complaint)
    assert document.document == "baik jalan jalan lubang tidak baik"


def test_inflections_and_informal_spellings_find_each_other(world: World) -> None:
    road = submit(world, title="Jalan rusak parah", description="Aspal mengelupas.")
    light = submit(world, title="Lampu jln mati", description="Sudah seminggu gak nyala.")
    assert found(everything(), "jln rusak") == [road.tracking_id]
    assert found(everything(), "jalan") == [light.tracking_id, road.tracking_id]
    assert found(everything(), "nggak menyala") == [light.tracking_id]
    assert found(everything(), "rusaknya") == [road.tracking_id]


def test_every_word_must_match(world: World) -> None:
    submit(world, title="Jalan rusak", description="Di depan pasar.")
    assert found(everything(), "jalan sekolah") == []


def test_synonyms_match(world: World) -> None:
    flood = submit(world, title="Genangan air", description="Tergenang setiap hujan.")
    light = submit(world, title="Penerangan jalan umum padam", description="Gelap di malam hari.")
    assert found(everything(), "banjir") == [flood.tracking_id]
    assert found(everything(), "pju mati") == [light.tracking_id]
    assert found(everything(), "lampu jalan") == [light.tracking_id]
    apart = submit(world, title="Lampu di jalan Sudirman", description="Berkedip terus malam hari.")
    assert found(everything(), "lampu jalan") == [apart.tracking_id, light.tracking_id]
    assert found(everything(), "pju") == [light.tracking_id]
    unsaid = submit(world, title="Lampu penerangan jalan mati", description="Sudah seminggu.")
    assert found(everything(), "pju") == [unsaid.tracking_id, light.tracking_id]
    hospital = submit(world, title="Antrean di RSUD", description="Pasien menunggu lima jam.")
    clinic = submit(world, title="Rumah sakit menolak pasien", description="Tanpa alasan.")
    for query in ("rs", "rsud", "rumah sakit"):
        assert sorted(found(everything(), query)) == sorted(
            [hospital.tracking_id, clinic.tracking_id]
        )
    aid = submit(world, title="Bantuan sosial tidak sampai", description="Sudah tiga bulan.")
    assert found(everything(), "bansos") == [aid.tracking_id]


def test_quoted_phrase_needs_the_words_in_order(world: World) -> None:
    in_order = submit(world, title="Jalan rusak", description="Di depan pasar.")
    submit(world, title="Rusak semua", description="Jalan di depan pasar.")
    assert found(everything(), '"jalan rusak"') == [in_order.tracking_id]
    assert len(found(everything(), "jalan rusak")) == 2


def test_document_follows_an_edit_of_the_title(world: World) -> None:
    complaint = submit(world, title="Jalan rusak", description="Di depan pasar.")
    complaint.title = "Sampah menumpuk"
    complaint.save(update_fields=["title"])
    assert found(everything(), "sampah") == [complaint.tracking_id]
    assert found(everything(), "rusak") == []


def test_saves_that_do_not_touch_the_texts_leave_the_document(world: World) -> None:
    complaint = submit(world)
    before = SearchDocument.objects.get(complaint=complaint).updated_at
    complaint = make(world, "dispatched")
    SearchDocument.objects.filter(complaint=complaint).update(document="x")
    complaint.support_count = 3
    complaint.save(update_fields=["support_count"])
    assert SearchDocument.objects.get(complaint=complaint).document == "x"
    assert before is not None


def test_document_rolls_back_with_the_complaint(world: World) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(world, title="Pohon tumbang", description="Menutup jalan.")
        assert found(everything(), "pohon") != []
        raise RuntimeError
    assert found(everything(), "pohon") == []
    assert not SearchDocument.objects.exists()


def test_public_search_never_shows_unverified_confidential_or_supervisory(world: World) -> None:
    public = make(world, "dispatched", title="Sampah menumpuk", description="Di depan pasar besar.")
    make(world, "submitted", title="Sampah menumpuk", description="Belum diverifikasi.")
    make(
        world,
        "dispatched",
        title="Sampah liar",
        description="Rahasia sekali ini.",
        is_confidential=True,
    )
    make(world, "archived", title="Sampah lagi", description="Sudah diarsipkan.")
    submit(world, title="Sampah pungli", description="Oknum meminta uang.", is_supervisory=True)
    assert found(selectors.public_complaints(), "sampah") == [public.tracking_id]
    assert len(found(everything(), "sampah")) == 5


def test_staff_search_is_scoped_like_the_back_office(world: World) -> None:
    ours = make(world, "dispatched", title="Jalan rusak", description="Di depan pasar besar.")
    waiting = submit(world, title="Jalan rusak lagi", description="Belum didisposisi.")

    def staff(user: Any) -> list[str]:
        return found(selectors.complaint_list(user, as_staff=True), "jalan")

    assert staff(world.coordinator) == [waiting.tracking_id, ours.tracking_id]
    assert staff(world.operator) == [ours.tracking_id]  # public works, the lead agency
    assert staff(world.other_liaison) == []  # education: not dispatched there
    assert staff(world.reporter) == []  # the reporter is not staff


def test_pages_are_keyset_newest_first(world: World) -> None:
    made = [
        submit(world, title=f"Jalan rusak nomor {n}", description="Aspal mengelupas.")
        for n in range(5)
    ]
    expected = [c.tracking_id for c in reversed(made)]
    page = search_complaints(everything(), "jalan", limit=2)
    seen = [c.tracking_id for c in page]
    while page.next_cursor:
        page = search_complaints(everything(), "jalan", limit=2, cursor=page.next_cursor)
        seen += [c.tracking_id for c in page]
    assert seen == expected


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_bad_queries_are_refused(world: World, query: str) -> None:
    with pytest.raises(InvalidInput):
        search_complaints(everything(), query)


def test_bad_cursor_is_refused(world: World) -> None:
    submit(world)
    with pytest.raises(InvalidInput):
        search_complaints(everything(), "jalan", cursor="not-a-cursor")


@pytest.mark.parametrize("query", ["!!!", "&|!()<->", '"', "'''"])
def test_punctuation_only_finds_nothing(world: World, query: str) -> None:
    submit(world)
    assert found(everything(), query) == []


def test_rebuild_writes_missing_and_stale_documents(world: World) -> None:
    first = submit(world, title="Jalan rusak", description="Di depan pasar besar.")
    second = submit(world, title="Sampah menumpuk", description="Di depan sekolah dasar.")
    SearchDocument.objects.filter(complaint=first).delete()
    SearchDocument.objects.filter(complaint=second).update(document="usang")
    assert found(everything(), "jalan") == [] and found(everything(), "sampah") == []
    out, err = StringIO(), StringIO()
    call_command("search", "rebuild", "--batch-size", "1", stdout=out, stderr=err)
    assert found(everything(), "jalan") == [first.tracking_id]
    assert found(everything(), "sampah") == [second.tracking_id]
    assert found(everything(), "usang") == []
    assert "2/2" in err.getvalue()
    assert SearchDocument.objects.count() == 2


def test_rebuild_missing_only_leaves_existing_documents(world: World) -> None:
    first = submit(world, title="Jalan rusak", description="Di depan pasar besar.")
    second = submit(world, title="Sampah menumpuk", description="Di depan sekolah dasar.")
    SearchDocument.objects.filter(complaint=first).delete()
    SearchDocument.objects.filter(complaint=second).update(document="usang")
    call_command("search", "rebuild", "--missing", stdout=StringIO(), stderr=StringIO())
    assert found(everything(), "jalan") == [first.tracking_id]
    assert found(everything(), "usang") == [second.tracking_id]


def all_pages(scope: Any, query: str, limit: int) -> list[str]:
    page = search_complaints(scope, query, limit=limit)
    seen = [c.tracking_id for c in page]
    while page.next_cursor:
        page = search_complaints(scope, query, limit=limit, cursor=page.next_cursor)
        seen += [c.tracking_id for c in page]
    return seen


@pytest.mark.parametrize(("window", "rare_matches"), [(2, 100), (2, 1), (1000, 100)])
def test_every_strategy_gives_the_same_pages(
    world: World, monkeypatch: pytest.MonkeyPatch, window: int, rare_matches: int
) -> None:
    """Old matches behind newer non-matching complaints: found through the window (big
    window), by their ids (small window, few matches) or the plain query (many matches)."""
    monkeypatch.setattr(search_selectors, "WINDOW", window)
    monkeypatch.setattr(search_selectors, "RARE_MATCHES", rare_matches)
    trees = [
        submit(world, title=f"Pohon tumbang {n}", description="Menutup jalan.") for n in range(3)
    ]
    for n in range(4):
        submit(world, title=f"Sampah menumpuk {n}", description="Di depan pasar besar.")
    newer_tree = submit(world, title="Pohon tumbang lagi", description="Menutup jalan.")
    expected = [newer_tree.tracking_id] + [c.tracking_id for c in reversed(trees)]
    assert all_pages(everything(), "pohon", 2) == expected
    assert all_pages(everything(), "pohon", 1) == expected
    assert all_pages(everything(), "sampah", 3) == all_pages(everything(), "limbah", 3)
    assert len(all_pages(everything(), "sampah", 3)) == 4
