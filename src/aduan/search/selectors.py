"""Full-text search over complaints, within a scope the caller already narrowed to what the
viewer may see (``complaints.selectors.public_complaints()`` or ``complaint_list(user,
as_staff=True)``).

Results come newest first, in keyset pages. Not by rank: ranking needs every match scored
before the first page can be cut, and a common word ("jalan") matches half a million
complaints. Newest first allows two cheap ways to a page, and ``search_complaints`` chooses
between them itself rather than leaving it to the database's planner, whose guesses for
correlated words ("lampu jalan") and for agency scopes were off by 10x on 1,000,000 complaints
(1.8 s instead of 10 ms, docs/benchmarks.md "Search"):

1. Look for matches among the scope's newest ``WINDOW`` complaints (after the cursor). A word
   in at least one complaint in 25 of the scope fills a page there.
2. A word found at most once there may be rare: read the ids of all its matches from the
   full-text index (if at most ``RARE_MATCHES``) and take the page from those.
3. Otherwise the plain query, the planner's choice (good for the public and coordinators).

An officer whose scope is only "dispatched to my agencies" (``scope_agencies``) takes the same
steps over the scope copied into the search documents (``agency_ids``, ``submitted_at``): the
window from the documents' date index filtered by agency, the rare matches and the rest from one
scan of the GIN index over words and agencies. The scope queryset stays the final filter, so a
result is always in the viewer's scope even if the copy lagged.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q, QuerySet

from aduan.accounts.models import Role
from aduan.agencies.models import Agency
from aduan.complaints import policies
from aduan.complaints.models import Complaint
from aduan.core.pagination import KeysetPage, after_cursor, decode_cursor, keyset_page
from aduan.search.backends import (
    agency_matching_id_list,
    agency_window_matches,
    id_set,
    matching_id_list,
    matching_ids,
    matching_ids_among,
)
from aduan.search.models import SearchDocument, SearchIndexState
from aduan.search.text import Query, index_fingerprint, parse_query

ORDERING = ("-submitted_at", "-id")
MAX_LIMIT = 100
WINDOW = 500
RARE_MATCHES = 5000


def index_is_outdated(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether search documents exist that may have been written with other dictionaries or
    normalisation than this version's (``text.index_fingerprint``): the fingerprint recorded by
    the last full rebuild (or an empty new database) differs, or is unknown. False before
    migration ``search.0004`` (``migrate`` runs its checks before migrating)."""
    table = SearchIndexState._meta.db_table
    if table not in connections[using].introspection.table_names():
        return False
    recorded = SearchIndexState.objects.using(using).filter(pk=1)
    if recorded.values_list("fingerprint", flat=True).first() == index_fingerprint():
        return False
    return SearchDocument.objects.using(using).exists()


def scope_agencies(user: Any) -> list[int] | None:
    """The agencies whose dispatches make up ``user``'s whole staff scope
    (``complaint_list(user, as_staff=True)``): operators and liaisons, who see what is dispatched
    to their agency or below it. None for any other scope (coordinators, the Inspectorate,
    monitors), which ``search_complaints`` answers from the scope queryset alone."""
    roles = policies.staff_roles(user)
    if roles.instansi_wide or set(roles.agency_paths) - {Role.OPERATOR, Role.LIAISON}:
        return None
    paths = [
        path for role in (Role.OPERATOR, Role.LIAISON) for path in roles.agency_paths.get(role, [])
    ]
    if not paths:
        return None
    subtree = Q(pk__in=[])
    for path in paths:
        subtree |= Q(path__startswith=path)
    return sorted(Agency.objects.filter(subtree).values_list("pk", flat=True))


def search_complaints(
    scope: QuerySet[Complaint],
    query: str,
    *,
    cursor: str | None = None,
    limit: int = 20,
    agencies: list[int] | None = None,
) -> KeysetPage[Complaint]:
    """The complaints of ``scope`` matching ``query``, newest first, one page of ``limit``.

    Every word (or its synonyms, or its quoted phrase) must match; informal spellings and
    inflections match their standard stem (``aduan.search.text``). Raises ``InvalidInput`` for an
    empty or too long query or a bad cursor; a query of punctuation alone finds nothing.
    ``agencies``: ``scope_agencies(user)`` when ``scope`` is that officer's staff scope, for the
    agency-aware path (the results are the same, only faster).
    """
    parsed = parse_query(query)
    size = max(1, min(limit, MAX_LIMIT))
    matches = scope.filter(pk__in=matching_ids(parsed)) if parsed else scope.none()
    after = Q()
    values: list[Any] = []
    if cursor:
        fields = [term.lstrip("-") for term in ORDERING]
        direction, values = decode_cursor(cursor, Complaint, fields)  # InvalidInput when forged
        if direction != "next":  # only "more" links come here; the plain query answers
            return keyset_page(matches, ordering=ORDERING, cursor=cursor, size=size)
        after = after_cursor(ORDERING, values, reverse=False)
    if not parsed:
        return KeysetPage([], None, None)
    if agencies is not None:
        before = (values[0], values[1]) if values else None
        return _agency_search(scope, parsed, agencies, before, cursor, size)
    # 1. Among the scope's newest complaints, read on their own: at 500 the planner walks the
    # date index even for an agency's scope (50 ms; at 2,000 it switched to reading all the
    # agency's dispatches, 1.7 s). Which of them match is then looked up by id.
    newest = list(scope.filter(after).order_by(*ORDERING).values_list("pk", flat=True)[:WINDOW])
    found = matching_ids_among(parsed, newest)
    page = keyset_page(
        scope.filter(pk__in=id_set(found)), ordering=ORDERING, cursor=cursor, size=size
    )
    if page.next_cursor or len(newest) < WINDOW:
        return page  # a full page, or the window held the rest of the scope
    # 2. A word (almost) absent from the window may be rare everywhere: its matches by id.
    ids = matching_id_list(parsed, RARE_MATCHES + 1) if len(found) <= 1 else []
    if len(found) <= 1 and len(ids) <= RARE_MATCHES:
        return keyset_page(
            scope.filter(pk__in=id_set(ids)), ordering=ORDERING, cursor=cursor, size=size
        )
    # 3. Many matches, none recent.
    return keyset_page(matches, ordering=ORDERING, cursor=cursor, size=size)


def _agency_search(
    scope: QuerySet[Complaint],
    parsed: Query,
    agencies: list[int],
    before: tuple[Any, int] | None,
    cursor: str | None,
    size: int,
) -> KeysetPage[Complaint]:
    """``search_complaints`` for an agency scope, from the scope copied into the documents."""

    def page_of(ids: list[int]) -> KeysetPage[Complaint]:
        if not ids:
            return KeysetPage([], None, None)
        # The scope queryset filters last: only the viewer's complaints, whatever the copy says.
        return keyset_page(
            scope.filter(pk__in=id_set(ids)), ordering=ORDERING, cursor=cursor, size=size
        )

    # 1. The agencies' newest documents (date index, filtered by agency), which of them match.
    window, found = agency_window_matches(parsed, agencies, before=before, limit=WINDOW)
    if window < WINDOW or len(found) > size:  # else no full page there: not worth reading
        # ``found`` is newest first: its first ``size + 1`` make the page, unless the scope
        # queryset leaves one out (a stale copy), when all of them are read.
        first = found[: size + 1]
        page = page_of(first)
        if len(page) + (1 if page.next_cursor else 0) < len(first):
            page = page_of(found)
        if page.next_cursor or window < WINDOW:
            return page
    # 2. Fewer matches than a page among them: all the agencies' matches, from the GIN index
    # over words and agencies, if not too many.
    ids = agency_matching_id_list(parsed, agencies, RARE_MATCHES + 1)
    if len(ids) <= RARE_MATCHES:
        return page_of(ids)
    # 3. Many matches in the agencies, few recent: the plain query.
    return keyset_page(
        scope.filter(pk__in=matching_ids(parsed)), ordering=ORDERING, cursor=cursor, size=size
    )


def search_filter(scope: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """``scope`` narrowed to the complaints matching ``query``, for lists that keep their own
    order and pages (the public list's and the API's ``q``). Raises ``InvalidInput`` like
    ``search_complaints``; punctuation alone matches nothing."""
    parsed = parse_query(query)
    if not parsed:
        return scope.none()
    return scope.filter(pk__in=matching_ids(parsed))
