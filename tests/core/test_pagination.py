"""Keyset pagination walks every row once, in order, both ways, and refuses forged cursors."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.agencies.models import Agency
from aduan.core.errors import InvalidInput
from aduan.core.pagination import cursor_after, keyset_page

KINDS = [Agency.Kind.OFFICE, Agency.Kind.BOARD, Agency.Kind.BUREAU]


@pytest.fixture
def rows(db: Any) -> list[Agency]:
    # Many rows share a kind, so the unique tie-breaker (id) decides within a kind.
    return [
        Agency.objects.create(code=f"A{i}", name=f"Agency {i}", kind=KINDS[i % 3])
        for i in range(12)
    ]


ORDERING = ("-kind", "-id")


def test_forward_then_back_visits_every_row_once_in_order(rows: list[Any]) -> None:
    queryset = Agency.objects.all()
    expected = list(queryset.order_by(*ORDERING))
    seen, cursor, pages = [], None, []
    while True:
        page = keyset_page(queryset, ordering=ORDERING, cursor=cursor, size=5)
        pages.append(page)
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    assert pages[0].previous_cursor is None
    assert [len(p) for p in pages] == [5, 5, 2]
    back = keyset_page(queryset, ordering=ORDERING, cursor=pages[-1].previous_cursor, size=5)
    assert back.items == pages[1].items
    assert back.next_cursor is not None
    first = keyset_page(queryset, ordering=ORDERING, cursor=back.previous_cursor, size=5)
    assert first.items == pages[0].items
    assert first.previous_cursor is None


def test_cursor_after_starts_the_page_after_that_row(rows: list[Any]) -> None:
    queryset = Agency.objects.all()
    ordered = list(queryset.order_by(*ORDERING))
    page = keyset_page(queryset, ordering=ORDERING, cursor=cursor_after(ordered[6], ORDERING))
    assert page.items == ordered[7:]


def test_ascending_ordering(rows: list[Any]) -> None:
    queryset = Agency.objects.all()
    page = keyset_page(queryset, ordering=("kind", "id"), size=4)
    again = keyset_page(queryset, ordering=("kind", "id"), cursor=page.next_cursor, size=4)
    assert page.items + again.items == list(queryset.order_by("kind", "id"))[:8]


@pytest.mark.parametrize("ordering", [("-kind", "-id"), ("kind", "-id"), ("-kind", "id")])
def test_every_row_once_whether_directions_agree_or_not(
    rows: list[Any], ordering: tuple[str, str]
) -> None:
    # Same directions use one row-value comparison, mixed ones the OR form; both walk alike.
    queryset = Agency.objects.all()
    seen, cursor = [], None
    while True:
        page = keyset_page(queryset, ordering=ordering, cursor=cursor, size=5)
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(queryset.order_by(*ordering))


# The last one is {"d":"next","v":[null,1]}: NULL for a column that is never NULL.
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJkIjoibmV4dCJ9",
        "eyJkIjoieCIsInYiOlsxLDJdfQ",
        "eyJkIjoibmV4dCIsInYiOltudWxsLDFdfQ",
    ],
)
def test_forged_cursor_is_a_user_error(db: Any, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        keyset_page(Agency.objects.all(), ordering=ORDERING, cursor=cursor)
