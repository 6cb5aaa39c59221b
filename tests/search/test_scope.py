"""The staff scope copied into the search documents (agencies of the active dispatches,
submission time) and the agency-aware search path built on it; on SQLite and PostgreSQL."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from aduan.complaints import selectors, services
from aduan.complaints.models import Complaint, Dispatch
from aduan.search import selectors as search_selectors
from aduan.search.models import SearchDocument
from aduan.search.selectors import scope_agencies, search_complaints
from tests.world import World, lead_dispatch, make, submit

pytestmark = pytest.mark.django_db


def agency_ids(complaint: Complaint) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_ids FROM search_searchdocument WHERE complaint_id = %s", [complaint.pk]
        )
        value = cursor.fetchone()[0]
    return {int(v) for v in (value.split() if isinstance(value, str) else value)}


def set_agency_ids(complaint: Complaint, ids: list[int]) -> None:
    value: Any = ids if connection.vendor == "postgresql" else "".join(f" {i} " for i in ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE search_searchdocument SET agency_ids = %s WHERE complaint_id = %s",
            [value, complaint.pk],
        )


def staff_found(user: Any, query: str) -> list[str]:
    """What the staff search page shows ``user``, by the agency-aware path; checked against the
    scope queryset answering alone."""
    scope = selectors.complaint_list(user, as_staff=True)
    fast = [c.tracking_id for c in search_complaints(scope, query, agencies=scope_agencies(user))]
    plain = [c.tracking_id for c in search_complaints(scope, query)]
    assert fast == plain
    return fast


def test_scope_agencies_follow_the_roles(world: World) -> None:
    works = sorted([world.public_works.pk, world.public_works_unit.pk])
    assert scope_agencies(world.operator) == works  # the agency and the units below it
    assert scope_agencies(world.liaison) == works
    assert scope_agencies(world.unit_operator) == [world.public_works_unit.pk]
    assert scope_agencies(world.other_liaison) == [world.education.pk]
    for user in (world.coordinator, world.leadership, world.inspectorate, world.monitor):
        assert scope_agencies(user) is None  # scopes that are not only dispatches
    assert scope_agencies(world.reporter) is None


def test_document_carries_the_agencies_of_active_dispatches(world: World) -> None:
    complaint = submit(world)
    document = SearchDocument.objects.get(complaint=complaint)
    assert agency_ids(complaint) == set()
    assert document.submitted_at == complaint.submitted_at
    complaint = make(world, "dispatched")
    assert agency_ids(complaint) == {world.public_works.pk, world.health.pk}
    support = complaint.dispatches.get(role=Dispatch.Role.SUPPORT)
    services.dispatch_decline(actor=world.health_liaison, dispatch=support, reason="Bukan kami.")
    assert agency_ids(complaint) == {world.public_works.pk}


def test_a_closed_complaint_stays_in_the_agencys_search(world: World) -> None:
    complaint = make(world, "closed", title="Sampah menumpuk", description="Di depan pasar.")
    assert lead_dispatch_state(complaint) == Dispatch.State.COMPLETED
    assert agency_ids(complaint) == {world.public_works.pk, world.health.pk}
    call_command("search", "rebuild", stdout=StringIO())
    assert agency_ids(complaint) == {world.public_works.pk, world.health.pk}
    assert staff_found(world.operator, "sampah") == [complaint.tracking_id]
    assert staff_found(world.health_operator, "sampah") == [complaint.tracking_id]
    assert staff_found(world.other_liaison, "sampah") == []


def lead_dispatch_state(complaint: Complaint) -> str:
    return complaint.dispatches.get(role=Dispatch.Role.LEAD).state


def test_a_dispatch_to_another_agency_moves_the_complaint(world: World) -> None:
    complaint = make(world, "dispatched", title="Sampah menumpuk", description="Di depan pasar.")
    assert staff_found(world.operator, "sampah") == [complaint.tracking_id]
    assert staff_found(world.other_liaison, "sampah") == []
    services.dispatch_decline(
        actor=world.liaison, dispatch=lead_dispatch(complaint), reason="Bukan kewenangan kami."
    )
    complaint.refresh_from_db()
    assert staff_found(world.operator, "sampah") == []
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.education
    )
    assert agency_ids(complaint) == {world.education.pk}
    assert staff_found(world.other_liaison, "sampah") == [complaint.tracking_id]
    assert staff_found(world.operator, "sampah") == []
    assert staff_found(world.health_operator, "sampah") == []


def test_a_complaint_never_dispatched_to_the_agency_never_appears(world: World) -> None:
    ours = make(world, "dispatched", title="Jalan rusak", description="Di depan pasar.")
    theirs = submit(world, title="Jalan rusak lagi", description="Belum didisposisi.")
    # Even when the copied scope is wrong, the scope queryset keeps it out.
    set_agency_ids(theirs, [world.public_works.pk, world.education.pk])
    assert staff_found(world.operator, "jalan") == [ours.tracking_id]
    assert staff_found(world.other_liaison, "jalan") == []
    assert staff_found(world.unit_operator, "jalan") == []


def test_rebuild_restores_the_scope(world: World) -> None:
    complaint = make(world, "dispatched", title="Jalan rusak", description="Di depan pasar.")
    set_agency_ids(complaint, [])
    SearchDocument.objects.filter(complaint=complaint).update(submitted_at=None)
    call_command("search", "rebuild", stdout=StringIO(), stderr=StringIO())
    assert agency_ids(complaint) == {world.public_works.pk, world.health.pk}
    assert SearchDocument.objects.get(complaint=complaint).submitted_at == complaint.submitted_at
    assert staff_found(world.operator, "jalan") == [complaint.tracking_id]


def all_pages(user: Any, query: str, limit: int) -> list[str]:
    scope = selectors.complaint_list(user, as_staff=True)
    agencies = scope_agencies(user)
    page = search_complaints(scope, query, limit=limit, agencies=agencies)
    seen = [c.tracking_id for c in page]
    while page.next_cursor:
        page = search_complaints(
            scope, query, limit=limit, cursor=page.next_cursor, agencies=agencies
        )
        seen += [c.tracking_id for c in page]
    return seen


@pytest.mark.parametrize(("window", "rare_matches"), [(2, 100), (2, 1), (1000, 100)])
def test_every_agency_strategy_gives_the_same_pages(
    world: World, monkeypatch: pytest.MonkeyPatch, window: int, rare_matches: int
) -> None:
    """Old matches behind newer complaints of the agency and of other agencies: found through
    the agency's window, its matches by id, or the plain query."""
    monkeypatch.setattr(search_selectors, "WINDOW", window)
    monkeypatch.setattr(search_selectors, "RARE_MATCHES", rare_matches)
    trees = [
        make(world, "dispatched", title=f"Pohon tumbang {n}", description="Menutup jalan.")
        for n in range(3)
    ]
    for n in range(3):
        make(world, "dispatched", title=f"Sampah menumpuk {n}", description="Di depan pasar.")
        submit(world, title=f"Pohon tumbang lain {n}", description="Belum didisposisi.")
    newer = make(world, "dispatched", title="Pohon tumbang lagi", description="Menutup jalan.")
    expected = [newer.tracking_id] + [c.tracking_id for c in reversed(trees)]
    assert all_pages(world.operator, "pohon", 2) == expected
    assert all_pages(world.operator, "pohon", 1) == expected
    assert all_pages(world.health_operator, "pohon", 3) == expected  # supporting agency
    assert all_pages(world.other_liaison, "pohon", 2) == []
    assert len(all_pages(world.operator, "sampah", 2)) == 3


@pytest.mark.parametrize("window", [2, 1000])
def test_a_stale_copy_neither_shows_nor_hides_a_page(
    world: World, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """A newer complaint outside the scope whose copied agencies say otherwise: the pages are
    still exactly the scope's matches."""
    monkeypatch.setattr(search_selectors, "WINDOW", window)
    ours = [
        make(world, "dispatched", title=f"Pohon tumbang {n}", description="Menutup jalan.")
        for n in range(3)
    ]
    stale = submit(world, title="Pohon tumbang baru", description="Belum didisposisi.")
    set_agency_ids(stale, [world.public_works.pk])
    expected = [c.tracking_id for c in reversed(ours)]
    for limit in (1, 2, 3):
        assert all_pages(world.operator, "pohon", limit) == expected
