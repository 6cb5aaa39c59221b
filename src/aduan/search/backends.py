"""A parsed query in each backend's syntax, and the ids of the complaints it matches.

The stems contain only ``[a-z0-9]`` (``aduan.search.text``), so quoting them is enough to keep
any of the query parsers' operators out of a person's input.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

from aduan.complaints.models import Dispatch
from aduan.search.text import Query, Term


def _tsquery_term(term: Term) -> str:
    quoted = [f"'{word}'" for word in term.words]
    if len(quoted) == 1:
        return quoted[0]
    return "(" + (" <-> " if term.phrase else " & ").join(quoted) + ")"


def tsquery(query: Query) -> str:
    """PostgreSQL ``to_tsquery`` text: ``('pju' | ('lampu' & 'jalan')) & ('mati' | 'padam')``."""
    return " & ".join(
        "(" + " | ".join(_tsquery_term(term) for term in group) + ")" for group in query.groups
    )


def _fts5_term(term: Term) -> str:
    if term.phrase:
        return '"' + " ".join(term.words) + '"'
    quoted = [f'"{word}"' for word in term.words]
    return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"


def fts5_query(query: Query) -> str:
    """SQLite FTS5 MATCH text: ``("pju" OR ("lampu" AND "jalan")) AND ("mati" OR "padam")``."""
    return " AND ".join(
        "(" + " OR ".join(_fts5_term(term) for term in group) + ")" for group in query.groups
    )


def matching_ids(query: Query) -> RawSQL:
    """A subquery of the ids of the complaints whose document matches ``query``, for
    ``pk__in``; the caller adds scope and order."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "SELECT complaint_id FROM search_searchdocument "
            "WHERE tsv @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery(query)],
        )
    if connection.vendor == "sqlite":
        return RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [fts5_query(query)])
    raise NotImplementedError(f"no full-text search for {connection.vendor}")


def matching_id_list(query: Query, limit: int) -> list[int]:
    """The ids of up to ``limit`` complaints whose document matches ``query``."""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT complaint_id FROM search_searchdocument "
            "WHERE tsv @@ to_tsquery('simple'::regconfig, %s) LIMIT %s"
        )
        params: list[str | int] = [tsquery(query), limit]
    elif connection.vendor == "sqlite":
        sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH %s LIMIT %s"
        params = [fts5_query(query), limit]
    else:
        raise NotImplementedError(f"no full-text search for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def id_set(ids: list[int]) -> Any:
    """``ids`` for ``pk__in``: one array parameter on PostgreSQL (a list of thousands of
    parameters costs more to plan than to run), the list itself elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def matching_ids_among(query: Query, ids: list[int]) -> list[int]:
    """Which of ``ids`` (a few thousand at most) match ``query``: looked up one by one for a
    common word, through the full-text index for a rare one — both cheap, as the list is short."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT complaint_id FROM search_searchdocument WHERE complaint_id = ANY(%s) "
            "AND tsv @@ to_tsquery('simple'::regconfig, %s)"
        )
        params: list[Any] = [ids, tsquery(query)]
    elif connection.vendor == "sqlite":
        marks = ", ".join("%s" for _ in ids)
        # Only placeholders are formatted in; the values go as parameters.
        sql = f"SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid IN ({marks})"  # noqa: S608
        params = [fts5_query(query), *ids]
    else:
        raise NotImplementedError(f"no full-text search for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# The staff scope copied into the documents (migration 0003): the agencies whose dispatch of
# each complaint lets them see it (``Dispatch.VISIBLE_STATES``, as ``policies.visible_to``
# reads them), and its submission time.
_VISIBLE = "(" + ", ".join(f"'{state}'" for state in Dispatch.VISIBLE_STATES) + ")"
_SCOPE_POSTGRESQL = f"""
UPDATE search_searchdocument d
SET submitted_at = c.submitted_at, agency_ids = COALESCE(s.agency_ids, '{{}}')
FROM complaints_complaint c
LEFT JOIN (
    SELECT complaint_id, array_agg(DISTINCT agency_id ORDER BY agency_id) AS agency_ids
    FROM complaints_dispatch WHERE state IN {_VISIBLE} AND complaint_id = ANY(%s)
    GROUP BY complaint_id
) s ON s.complaint_id = c.id
WHERE c.id = d.complaint_id AND d.complaint_id = ANY(%s)
AND (d.submitted_at IS DISTINCT FROM c.submitted_at
     OR d.agency_ids IS DISTINCT FROM COALESCE(s.agency_ids, '{{}}'))
"""  # noqa: S608 (constants only)
_SCOPE_SQLITE = f"""
UPDATE search_searchdocument
SET submitted_at = (
        SELECT c.submitted_at FROM complaints_complaint c
        WHERE c.id = search_searchdocument.complaint_id
    ),
    agency_ids = COALESCE((
        SELECT ' ' || group_concat(agency_id, ' ') || ' ' FROM (
            SELECT DISTINCT x.agency_id FROM complaints_dispatch x
            WHERE x.complaint_id = search_searchdocument.complaint_id
            AND x.state IN {_VISIBLE} ORDER BY x.agency_id
        )
    ), '')
WHERE complaint_id IN (SELECT value FROM json_each(%s))
"""  # noqa: S608 (constants only)


def scopes_refresh(complaint_ids: list[int]) -> None:
    """Copy the scope (active dispatches' agencies, submission time) of these complaints into
    their documents; on PostgreSQL only rows that change are written (an accepted dispatch
    changes no agency, and a row written again costs a GIN update)."""
    if not complaint_ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_SCOPE_POSTGRESQL, [complaint_ids, complaint_ids])
        elif connection.vendor == "sqlite":
            cursor.execute(_SCOPE_SQLITE, [json.dumps(complaint_ids)])
        else:
            raise NotImplementedError(f"no full-text search for {connection.vendor}")


def _agency_condition(agencies: list[int]) -> tuple[str, list[Any]]:
    """SQL (and parameters) for "dispatched to one of ``agencies``" on the documents."""
    if connection.vendor == "postgresql":
        return "agency_ids && %s::bigint[]", [agencies]
    if not agencies:
        return "0 = 1", []
    return "(" + " OR ".join("agency_ids LIKE %s" for _ in agencies) + ")", [
        f"% {agency} %" for agency in agencies
    ]


def agency_newest_ids(
    agencies: list[int], *, before: tuple[datetime, int] | None, limit: int
) -> list[int]:
    """The ids of the newest ``limit`` documents dispatched to one of ``agencies`` (older than
    ``before``, a ``(submitted_at, id)`` keyset), newest first: the submission-date index,
    filtered by agency."""
    condition, params = _agency_condition(agencies)
    sql = f"SELECT complaint_id FROM search_searchdocument WHERE {condition}"  # noqa: S608
    if before is not None:
        sql += " AND (submitted_at < %s OR (submitted_at = %s AND complaint_id < %s))"
        params += [before[0], before[0], before[1]]
    sql += " ORDER BY submitted_at DESC, complaint_id DESC LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def agency_matching_id_list(query: Query, agencies: list[int], limit: int) -> list[int]:
    """The ids of up to ``limit`` documents matching ``query`` and dispatched to one of
    ``agencies``: on PostgreSQL one scan of the GIN index over ``(tsv, agency_ids)``."""
    condition, params = _agency_condition(agencies)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT complaint_id FROM search_searchdocument "  # noqa: S608
            f"WHERE tsv @@ to_tsquery('simple'::regconfig, %s) AND {condition} LIMIT %s"
        )
        params = [tsquery(query), *params, limit]
    elif connection.vendor == "sqlite":
        sql = (
            "SELECT d.complaint_id FROM search_fts f "  # noqa: S608
            "JOIN search_searchdocument d ON d.complaint_id = f.rowid "
            f"WHERE search_fts MATCH %s AND {condition} LIMIT %s"
        )
        params = [fts5_query(query), *params, limit]
    else:
        raise NotImplementedError(f"no full-text search for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def agency_window_matches(
    query: Query, agencies: list[int], *, before: tuple[datetime, int] | None, limit: int
) -> tuple[int, list[int]]:
    """How many documents the agencies' newest ``limit`` (``agency_newest_ids``) are, and the
    ids of those that match ``query``, newest first: on PostgreSQL in one statement."""
    if connection.vendor != "postgresql":
        newest = agency_newest_ids(agencies, before=before, limit=limit)
        hits = set(matching_ids_among(query, newest))
        return len(newest), [complaint_id for complaint_id in newest if complaint_id in hits]
    condition, params = _agency_condition(agencies)
    window = (
        "SELECT complaint_id, submitted_at FROM search_searchdocument "  # noqa: S608
        f"WHERE {condition}"
    )
    if before is not None:
        window += " AND (submitted_at < %s OR (submitted_at = %s AND complaint_id < %s))"
        params += [before[0], before[0], before[1]]
    window += " ORDER BY submitted_at DESC, complaint_id DESC LIMIT %s"
    # The window from the date index alone (index-only, migration 0003), then each of its
    # documents by primary key for the words.
    sql = (
        "SELECT d.complaint_id, d.tsv @@ to_tsquery('simple'::regconfig, %s) "  # noqa: S608
        f"FROM ({window}) AS newest JOIN search_searchdocument d "
        "ON d.complaint_id = newest.complaint_id "
        "ORDER BY newest.submitted_at DESC, newest.complaint_id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery(query), *params, limit])
        rows = cursor.fetchall()
    return len(rows), [complaint_id for complaint_id, hit in rows if hit]
