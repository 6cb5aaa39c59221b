"""The document library: services (administrators only, files checked like attachments, audited),
who reads which document, and the file served only to signed-in staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.knowledge import selectors, services
from aduan.knowledge.models import Document, DocumentKind
from tests.knowledge.conftest import PDF, docx, pdf
from tests.world import World


def add(world: World, **fields: Any) -> Document:
    values: dict[str, Any] = {
        "title": "SOP Pengelolaan Pengaduan",
        "kind": DocumentKind.SOP,
        "number": "01",
        "year": 2024,
        "upload": pdf(),
    }
    values.update(fields)
    return services.document_create(actor=world.admin, **values)


def file_url(document: Document) -> str:
    return reverse("knowledge:document_file", args=[document.pk])


# --- services ----------------------------------------------------------------------------------


def test_an_administrator_adds_a_document_with_a_file(world: World) -> None:
    document = add(world, agencies=[world.health], effective_date=date(2024, 1, 2))
    assert document.content_type == "application/pdf"
    assert document.original_name == "sop.pdf" and document.size == len(PDF)
    assert document.file.name.startswith("knowledge/")
    assert document.reference == "01/2024"
    assert list(document.agencies.all()) == [world.health]
    event = AuditEvent.objects.get(action="knowledge.document_created")
    assert event.actor == world.admin and event.target_id == str(document.pk)
    assert event.data["agencies"] == ["DINKES"] and event.data["file"] == "sop.pdf"


def test_office_documents_are_accepted(world: World) -> None:
    document = add(world, upload=docx())
    assert document.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    "actor",
    ["coordinator", "operator", "liaison", "leadership", "inspectorate", "monitor", "reporter"],
)
def test_only_administrators_keep_the_library(world: World, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        services.document_create(
            actor=getattr(world, actor), title="SOP", kind="sop", url="https://example.org/sop"
        )
    document = add(world)
    for call in (services.document_archive, services.document_restore):
        with pytest.raises(PermissionDenied):
            call(actor=getattr(world, actor), document=document)
    with pytest.raises(PermissionDenied):
        services.document_update(
            actor=getattr(world, actor), document=document, title="X", kind="sop", url=""
        )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("kosong.pdf", b""), "The file “kosong.pdf” is empty."),
        (
            SimpleUploadedFile("sop.pdf", b"MZ\x90\x00" + b"\x00" * 64),
            "The file “sop.pdf” is not an allowed type",
        ),
        (
            SimpleUploadedFile("sop.pdf", b"<html><script>alert(1)</script></html>"),
            "The file “sop.pdf” is not an allowed type",
        ),
        (pdf(content=PDF + b"x" * 2048), "The file “sop.pdf” is too large: at most"),
    ],
)
def test_files_are_checked_by_content(
    world: World, settings: Settings, upload: Any, message: str
) -> None:
    settings.ADUAN_KNOWLEDGE_MAX_DOCUMENT_BYTES = 1024
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            add(world, upload=upload)
        assert str(refused.value).startswith(message)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"upload": None, "url": ""}, "Give the document a file, a link, or both."),
        ({"url": "javascript:alert(1)"}, "The link must be a web address (http:// or https://)."),
        ({"year": 1850}, "The year must be between 1900 and 2100."),
        ({"kind": "memo"}, "Choose what kind of document this is."),
        ({"title": ""}, "Title is required."),
    ],
)
def test_document_input_is_checked(world: World, fields: dict[str, Any], message: str) -> None:
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            add(world, **fields)
        assert str(refused.value) == message


def test_a_link_alone_is_enough(world: World) -> None:
    document = add(world, upload=None, url="https://peraturan.bpk.go.id/")
    assert not document.file and document.url == "https://peraturan.bpk.go.id/"


def test_replacing_the_file_removes_the_old_one_after_commit(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    document = add(world)
    old = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.document_update(
            actor=world.admin,
            document=document,
            title="SOP Pengelolaan Pengaduan (revisi)",
            kind="sop",
            number="01",
            year=2025,
            upload=pdf("sop-2025.pdf"),
        )
    document.refresh_from_db()
    assert document.original_name == "sop-2025.pdf" and document.file.name != old
    assert not default_storage.exists(old) and default_storage.exists(document.file.name)
    changes = AuditEvent.objects.get(action="knowledge.document_changed").data["changes"]
    assert changes["file"] == [Path(old).name, "sop-2025.pdf"]
    assert changes["year"] == [2024, 2025]


def test_a_file_can_be_removed_when_a_link_remains(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    document = add(world)
    old = document.file.name
    fields = {"title": document.title, "kind": "sop", "remove_file": True}
    with pytest.raises(InvalidInput):
        services.document_update(actor=world.admin, document=document, **fields)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_update(
            actor=world.admin, document=document, url="https://example.org/sop", **fields
        )
    document.refresh_from_db()
    assert not document.file and not document.content_type
    assert not default_storage.exists(old)


def test_a_failed_change_keeps_the_old_file_and_removes_the_new_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = add(world)
    folder = str(Path(document.file.name).parent)
    before = default_storage.listdir(folder)[1]

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        services.document_update(
            actor=world.admin, document=document, title="SOP", kind="sop", upload=pdf("baru.pdf")
        )
    document.refresh_from_db()
    assert document.original_name == "sop.pdf" and default_storage.exists(document.file.name)
    assert default_storage.listdir(folder)[1] == before


def test_replaced_by_cannot_loop(world: World) -> None:
    old = add(world, title="Lama", upload=None, url="https://example.org/lama")
    new = add(world, title="Baru", upload=None, url="https://example.org/baru")
    services.document_update(
        actor=world.admin,
        document=old,
        title="Lama",
        kind="sop",
        url=old.url,
        replaced_by=new,
    )
    with pytest.raises(InvalidInput):
        services.document_update(
            actor=world.admin, document=new, title="Baru", kind="sop", url=new.url, replaced_by=old
        )
    with pytest.raises(InvalidInput):
        services.document_update(
            actor=world.admin, document=new, title="Baru", kind="sop", url=new.url, replaced_by=new
        )


def test_archive_and_restore(world: World) -> None:
    document = add(world)
    services.document_archive(actor=world.admin, document=document)
    with pytest.raises(TransitionNotAllowed):
        services.document_archive(actor=world.admin, document=document)
    with pytest.raises(TransitionNotAllowed):
        services.document_update(actor=world.admin, document=document, title="x", kind="sop")
    assert document not in selectors.document_list(world.admin)
    assert list(selectors.document_list(world.admin, archived=True)) == [document]
    assert not selectors.document_list(world.coordinator, archived=True).exists()
    with pytest.raises(PermissionDenied):
        selectors.document_get(world.coordinator, document.pk)
    services.document_restore(actor=world.admin, document=document)
    assert list(
        AuditEvent.objects.filter(action__startswith="knowledge.").values_list("action", flat=True)
    ) == [
        "knowledge.document_created",
        "knowledge.document_archived",
        "knowledge.document_restored",
    ]


# --- who reads which ---------------------------------------------------------------------------

# role → whether the document scoped to the public-works office is listed.
SCOPED_READERS = {
    "operator": True,
    "liaison": True,
    "unit_operator": True,  # a sub-unit works by its parent's documents
    "health_operator": False,
    "other_liaison": False,
    "coordinator": True,
    "leadership": True,
    "inspectorate": True,
    "monitor": True,
    "admin": True,
}


@pytest.mark.parametrize("role", sorted(SCOPED_READERS))
def test_documents_scoped_to_agencies(world: World, role: str) -> None:
    everyone = add(world, title="Untuk semua")
    scoped = add(world, title="SOP DPU", agencies=[world.public_works])
    unit_only = add(world, title="SOP UPTD", agencies=[world.public_works_unit])
    user = getattr(world, role)
    listed = set(selectors.document_list(user))
    assert everyone in listed
    assert (scoped in listed) is SCOPED_READERS[role]
    # Parents see their sub-units' documents; other agencies do not.
    assert (unit_only in listed) is SCOPED_READERS[role]


def test_citizens_read_no_documents(world: World) -> None:
    add(world)
    assert not selectors.document_list(world.reporter).exists()
    assert not selectors.document_list(world.outsider).exists()


def test_search(world: World) -> None:
    perpres = add(
        world,
        title="Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan",
        kind="regulation",
        number="76",
        year=2013,
        upload=None,
        url="https://example.org/76",
    )
    guide = add(world, title="Panduan LAPOR!", kind="guide", summary="Cara memakai aplikasi.")
    user = world.operator
    assert list(selectors.document_list(user, query="perpres 76")) == []  # words, not synonyms
    assert list(selectors.document_list(user, query="presiden 76")) == [perpres]
    assert list(selectors.document_list(user, query="2013")) == [perpres]
    assert list(selectors.document_list(user, query="APLIKASI")) == [guide]
    assert list(selectors.document_list(user, kind="guide")) == [guide]


# --- the file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "coordinator", "monitor", "admin", "leadership"])
def test_staff_open_the_file_with_its_type(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    document = add(world)
    response = client_for(role).get(file_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert 'filename="sop.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    document = add(world)
    response = Client().get(file_url(document))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_citizens_cannot_open_the_file(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    document = add(world)
    assert client_for(role).get(file_url(document)).status_code == 403


def test_the_file_of_a_document_not_for_the_agency_is_not_found(
    world: World, client_for: Callable[[str], Client]
) -> None:
    document = add(world, agencies=[world.public_works])
    assert client_for("health_operator").get(file_url(document)).status_code == 404
    assert client_for("operator").get(file_url(document)).status_code == 200


def test_the_file_of_an_archived_document_is_for_administrators_only(
    world: World, client_for: Callable[[str], Client]
) -> None:
    document = add(world)
    services.document_archive(actor=world.admin, document=document)
    assert client_for("operator").get(file_url(document)).status_code == 404
    assert client_for("admin").get(file_url(document)).status_code == 200


def test_a_document_without_a_file_has_no_file_page(
    world: World, client_for: Callable[[str], Client]
) -> None:
    document = add(world, upload=None, url="https://example.org/sop")
    assert client_for("operator").get(file_url(document)).status_code == 404


def test_media_files_are_not_served_publicly(world: World) -> None:
    document = add(world)
    assert Client().get("/media/" + document.file.name).status_code == 404
    assert Client().get("/" + document.file.name).status_code == 404
