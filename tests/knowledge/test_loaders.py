"""The seeded regulations and example canned responses, and the copy of the older canned
responses (``complaints.CannedResponse``) into the knowledge app."""

from __future__ import annotations

from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from aduan.core.models import AuditEvent
from aduan.knowledge import placeholders, services
from aduan.knowledge.loaders import EXAMPLE_TEMPLATES, REGULATIONS, load_regulations
from aduan.knowledge.models import Document, ResponseTemplate
from tests.world import World


def test_the_regulations_are_loaded_once_as_links(db: Any) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("load_knowledge", stdout=out)
    assert "Documents added: 5" in out.getvalue()
    assert Document.objects.count() == len(REGULATIONS) == 5
    for document in Document.objects.all():
        assert not document.file and document.kind == "regulation"
        url = urlsplit(document.url)
        assert url.scheme == "https" and url.netloc == "peraturan.bpk.go.id"
        query = parse_qs(url.query)
        assert query["nomor"] == [document.number] and query["tahun"] == [str(document.year)]
    perpres = Document.objects.get(number="76", year=2013)
    assert perpres.title.startswith("Peraturan Presiden Nomor 76 Tahun 2013")
    old = Document.objects.get(number="62", year=2018)
    assert old.replaced_by == Document.objects.get(number="5", year=2025)
    assert AuditEvent.objects.filter(action="knowledge.document_created").count() == 5
    # Again: nothing added, nothing changed.
    call_command("load_knowledge", stdout=StringIO())
    assert Document.objects.count() == 5
    assert load_regulations() == 0


def test_a_rerun_keeps_what_an_administrator_changed(world: World) -> None:
    load_regulations()
    old = Document.objects.get(number="62", year=2018)
    services.document_update(
        actor=world.admin, document=old, title=old.title, kind=old.kind, url=old.url
    )
    services.document_archive(actor=world.admin, document=Document.objects.get(number="25"))
    assert load_regulations() == 0
    old.refresh_from_db()
    assert old.replaced_by is None
    assert Document.objects.get(number="25").archived_at is not None


def test_example_canned_responses_use_known_placeholders(db: Any) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("load_knowledge", "--examples", stdout=out)
    assert "Canned responses added: 2" in out.getvalue()
    assert ResponseTemplate.objects.filter(agency=None).count() == len(EXAMPLE_TEMPLATES)
    for _title, body in EXAMPLE_TEMPLATES:
        placeholders.check(body)
    call_command("load_knowledge", "--examples", stdout=out)
    assert ResponseTemplate.objects.count() == len(EXAMPLE_TEMPLATES)


@pytest.mark.django_db(transaction=True)
def test_older_canned_responses_are_copied() -> None:
    """The data migration, run for real: back to before the copy, rows in the old table, then
    forward again (which also drops the old table, complaints 0009)."""
    before = [
        ("complaints", "0008_complaint_reopen_count"),
        ("knowledge", "0001_documents_and_response_templates"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old = old_apps.get_model("complaints", "CannedResponse")
    old.objects.create(title="Jadwal", body="Dijadwalkan.")
    old.objects.create(title="Lama", body="Tidak dipakai.", is_active=False)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    copied = {t.title: t for t in ResponseTemplate.objects.all()}
    assert copied["Jadwal"].body == "Dijadwalkan." and copied["Jadwal"].archived_at is None
    assert copied["Jadwal"].agency is None and copied["Jadwal"].category is None
    assert copied["Lama"].archived_at is not None
    assert "complaints_cannedresponse" not in connection.introspection.table_names()
