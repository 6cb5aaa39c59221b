"""The staff scope of each complaint copied into its search document (docs/architecture.md
"Search"): ``submitted_at`` for the newest-first order, and ``agency_ids``, the agencies with an
active dispatch of the complaint (``policies.visible_to``), invisible to the ORM like ``tsv``.

PostgreSQL: ``agency_ids bigint[]`` joins ``tsv`` in one multi-column GIN index (built-in
opclasses), so a word and an agency intersect in one index scan; a btree over
``(submitted_at, complaint_id) INCLUDE (agency_ids)`` gives an agency's newest documents in an
index-only scan. SQLite: ``agency_ids`` is text
(`` 12 15 ``), filtered with LIKE (small databases only).

Existing documents are filled here in SQL (minutes on 1,000,000 complaints, no re-stemming).
"""

from typing import Any

from django.db import migrations, models

SCOPE_PG = """
UPDATE search_searchdocument d
SET submitted_at = c.submitted_at, agency_ids = COALESCE(s.agency_ids, '{}')
FROM complaints_complaint c
LEFT JOIN (
    SELECT complaint_id, array_agg(DISTINCT agency_id ORDER BY agency_id) AS agency_ids
    FROM complaints_dispatch WHERE state IN ('pending', 'accepted') GROUP BY complaint_id
) s ON s.complaint_id = c.id
WHERE c.id = d.complaint_id
"""
SCOPE_SQLITE = """
UPDATE search_searchdocument
SET submitted_at = (
        SELECT c.submitted_at FROM complaints_complaint c
        WHERE c.id = search_searchdocument.complaint_id
    ),
    agency_ids = COALESCE((
        SELECT ' ' || group_concat(agency_id, ' ') || ' ' FROM (
            SELECT DISTINCT x.agency_id FROM complaints_dispatch x
            WHERE x.complaint_id = search_searchdocument.complaint_id
            AND x.state IN ('pending', 'accepted')
        )
    ), '')
"""

POSTGRESQL = (
    "ALTER TABLE search_searchdocument ADD COLUMN agency_ids bigint[] NOT NULL DEFAULT '{}'",
    # Every row is rewritten below: without the index first, then the index built once.
    "DROP INDEX IF EXISTS search_document_tsv_idx",
    SCOPE_PG,
    "CREATE INDEX search_document_tsv_idx ON search_searchdocument "
    "USING gin (tsv, agency_ids) WITH (fastupdate = off)",
    # The agencies' newest documents in an index-only scan, ``agency_ids`` tested in the index.
    "CREATE INDEX search_document_submitted_idx ON search_searchdocument "
    "(submitted_at, complaint_id) INCLUDE (agency_ids)",
    "ANALYZE search_searchdocument",
)
POSTGRESQL_REVERSE = (
    "DROP INDEX IF EXISTS search_document_submitted_idx",
    "DROP INDEX IF EXISTS search_document_tsv_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS agency_ids",
    "CREATE INDEX search_document_tsv_idx ON search_searchdocument USING gin (tsv) "
    "WITH (fastupdate = off)",
)
SQLITE = (
    "ALTER TABLE search_searchdocument ADD COLUMN agency_ids text NOT NULL DEFAULT ''",
    SCOPE_SQLITE,
    "CREATE INDEX search_document_submitted_idx ON search_searchdocument "
    "(submitted_at, complaint_id)",
)
SQLITE_REVERSE = (
    "DROP INDEX IF EXISTS search_document_submitted_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN agency_ids",
)


def _run(statements: dict[str, tuple[str, ...]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_search_index_per_backend")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="submitted_at",
            field=models.DateTimeField(null=True, verbose_name="submitted at"),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        ),
    ]
