"""The full-text index of ``search_searchdocument``, one per database backend.

PostgreSQL: a stored generated ``tsvector`` column with a GIN index ('simple' configuration:
the text is already stemmed in Python, PostgreSQL only splits it on spaces).
SQLite: an FTS5 table with the documents as external content, kept in step by triggers.
Neither is known to the ORM; ``aduan.search.backends`` queries them.
"""

from typing import Any

from django.db import migrations

POSTGRESQL = (
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, document)) STORED",
    # fastupdate off: a pending list of unmerged entries is read by every query (16 ms per
    # query at 4 MB); complaints arrive one by one, so merging each insert at once is cheap.
    "CREATE INDEX search_document_tsv_idx ON search_searchdocument USING gin (tsv) "
    "WITH (fastupdate = off)",
)
POSTGRESQL_REVERSE = (
    "DROP INDEX IF EXISTS search_document_tsv_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv",
)
SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(document, content='search_searchdocument', "
    "content_rowid='complaint_id', tokenize='unicode61')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, document) VALUES (new.complaint_id, new.document); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) "
    "VALUES ('delete', old.complaint_id, old.document); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) "
    "VALUES ('delete', old.complaint_id, old.document); "
    "INSERT INTO search_fts(rowid, document) VALUES (new.complaint_id, new.document); END",
    # Documents written before this migration (none on a new database).
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
)
SQLITE_REVERSE = (
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
)


def _run(statements: dict[str, tuple[str, ...]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        ),
    ]
