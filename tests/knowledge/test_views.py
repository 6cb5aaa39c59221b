"""The knowledge pages: who opens which page, the forms drive the services (PRG, errors next to
the form), the menu entry, and list pages whose query count does not grow with their rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aduan.agencies.models import Agency
from aduan.core.models import AuditEvent
from aduan.knowledge import services
from aduan.knowledge.models import Document, ResponseTemplate
from tests.knowledge.conftest import PDF, pdf
from tests.world import World

DOCUMENTS = reverse("knowledge:documents")
TEMPLATES = reverse("knowledge:templates")
STAFF = ["coordinator", "operator", "liaison", "leadership", "inspectorate", "monitor", "admin"]


def page(response: Any) -> str:
    return str(response.content.decode())


def link_document(world: World, title: str = "Perpres 76/2013", **fields: Any) -> Document:
    return services.document_create(
        actor=world.admin, title=title, kind="regulation", url="https://example.org/", **fields
    )


def shared(world: World, title: str = "Bersama", **fields: Any) -> ResponseTemplate:
    return services.response_template_create(
        actor=world.coordinator, title=title, body="Laporan {nomor_laporan} diterima.", **fields
    )


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_member_opens_the_library_from_the_menu(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    document = link_document(world)
    client = client_for(role)
    home = page(client.get(reverse("backoffice:home")))
    assert f'href="{DOCUMENTS}"' in home
    response = client.get(DOCUMENTS)
    assert response.status_code == 200
    assert document.title in page(response)
    assert client.get(reverse("knowledge:document", args=[document.pk])).status_code == 200


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_citizens_are_refused(world: World, client_for: Callable[[str], Client], role: str) -> None:
    document = link_document(world)
    client = client_for(role)
    for url in (
        DOCUMENTS,
        TEMPLATES,
        reverse("knowledge:document", args=[document.pk]),
        reverse("knowledge:template_create"),
    ):
        assert client.get(url).status_code == 403


def test_guests_are_sent_to_sign_in(world: World) -> None:
    for url in (DOCUMENTS, TEMPLATES):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 200),
        ("coordinator", 200),
        ("leadership", 200),
        ("admin", 200),
        ("inspectorate", 200),
        ("monitor", 403),
    ],
)
def test_who_opens_the_canned_responses(
    world: World, client_for: Callable[[str], Client], role: str, status: int
) -> None:
    assert client_for(role).get(TEMPLATES).status_code == status


# --- documents ---------------------------------------------------------------------------------


def test_an_administrator_adds_edits_and_archives_a_document(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("admin")
    assert client.get(reverse("knowledge:document_create")).status_code == 200
    response = client.post(
        reverse("knowledge:document_create"),
        {
            "title": "SOP Penanganan Pengaduan",
            "kind": "sop",
            "number": "01",
            "year": "2025",
            "summary": "Alur verifikasi dan disposisi.",
            "file": pdf(),
            "effective_date": "2025-01-02",
            "agencies": [str(world.public_works.pk)],
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:document", args=[document.pk])
    detail = page(client.get(response["Location"]))
    assert "sop.pdf" in detail and reverse("knowledge:document_file", args=[document.pk]) in detail
    edit = reverse("knowledge:document_edit", args=[document.pk])
    form = page(client.get(edit))
    assert 'value="SOP Penanganan Pengaduan"' in form and 'name="remove_file"' in form
    response = client.post(
        edit,
        {"title": "SOP Penanganan Pengaduan (2025)", "kind": "sop", "number": "01", "year": "2025"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "SOP Penanganan Pengaduan (2025)" and document.file
    assert not document.agencies.exists()
    archive = reverse("knowledge:document_archive", args=[document.pk])
    assert client.post(archive).status_code == 302
    assert Document.objects.get().archived_at is not None
    assert document.title not in page(client.get(DOCUMENTS))
    assert document.title in page(client.get(DOCUMENTS, {"archived": "on"}))
    assert client.post(reverse("knowledge:document_restore", args=[document.pk])).status_code == 302
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="knowledge.")] == [
        "knowledge.document_created",
        "knowledge.document_changed",
        "knowledge.document_archived",
        "knowledge.document_restored",
    ]


def test_a_refused_document_shows_the_reason_on_the_form(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("admin")
    client.cookies["aduan_language"] = "en"
    response = client.post(reverse("knowledge:document_create"), {"title": "SOP", "kind": "sop"})
    assert response.status_code == 400
    assert "Give the document a file, a link, or both." in page(response)
    response = client.post(
        reverse("knowledge:document_create"),
        {"title": "SOP", "kind": "sop", "file": pdf("sop.pdf", b"GIF89a" + b"\x00" * 20)},
    )
    assert response.status_code == 400
    assert "is not an allowed type" in page(response)
    assert not Document.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "operator", "leadership", "monitor"])
def test_only_administrators_change_documents(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    document = link_document(world)
    client = client_for(role)
    assert "Add a document" not in page(client.get(DOCUMENTS))
    assert client.get(reverse("knowledge:document_create")).status_code == 403
    assert (
        client.post(
            reverse("knowledge:document_create"),
            {"title": "X", "kind": "sop", "url": "https://x.org"},
        ).status_code
        == 403
    )
    assert client.get(reverse("knowledge:document_edit", args=[document.pk])).status_code == 403
    assert client.post(reverse("knowledge:document_archive", args=[document.pk])).status_code == 403
    assert Document.objects.get().archived_at is None


def test_a_document_for_another_agency_is_not_found(
    world: World, client_for: Callable[[str], Client]
) -> None:
    document = link_document(world, agencies=[world.public_works])
    url = reverse("knowledge:document", args=[document.pk])
    assert client_for("health_operator").get(url).status_code == 404
    assert document.title not in page(client_for("health_operator").get(DOCUMENTS))
    assert client_for("operator").get(url).status_code == 200


def test_the_library_is_searchable(world: World, client_for: Callable[[str], Client]) -> None:
    link_document(world, "Peraturan Presiden Nomor 76 Tahun 2013", number="76", year=2013)
    link_document(world, "Undang-Undang Nomor 25 Tahun 2009", number="25", year=2009)
    client = client_for("operator")
    client.cookies["aduan_language"] = "en"
    found = page(client.get(DOCUMENTS, {"q": "presiden"}))
    assert "Nomor 76" in found and "Nomor 25" not in found
    found = page(client.get(DOCUMENTS, {"q": "2009", "kind": "regulation"}))
    assert "Nomor 25" in found and "Nomor 76" not in found
    assert "No document matches." in page(client.get(DOCUMENTS, {"kind": "guide"}))


def test_document_list_query_count_does_not_grow_with_rows(
    world: World,
    client_for: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    for number in range(3):
        link_document(world, f"Dokumen {number}", agencies=[world.public_works])
    client = client_for("operator")
    client.get(DOCUMENTS)
    with CaptureQueriesContext(connection) as three:
        response = client.get(DOCUMENTS)
    assert page(response).count("data-document=") == 3
    for number in range(3, 30):
        link_document(
            world,
            f"Dokumen {number:02d}",
            agencies=[world.public_works, world.public_works_unit],
            upload=pdf() if number % 2 else None,
            replaced_by=Document.objects.first(),
        )
    with django_assert_num_queries(len(three)):
        response = client.get(DOCUMENTS)
    assert page(response).count("data-document=") == 20
    next_page = page(response).split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    rest = client.get(DOCUMENTS + next_page.replace("&amp;", "&"))
    assert page(rest).count("data-document=") == 10


def test_a_forged_cursor_is_a_clear_400(world: World, client_for: Callable[[str], Client]) -> None:
    response = client_for("operator").get(DOCUMENTS, {"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400
    response = client_for("operator").get(TEMPLATES, {"cursor": "!!"})
    assert response.status_code == 400


# --- canned responses --------------------------------------------------------------------------


def test_an_operator_adds_edits_and_archives_the_agencys_canned_response(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("operator")
    form = page(client.get(reverse("knowledge:template_create")))
    assert "{nomor_laporan}" in form and "{tenggat}" in form  # the placeholders are explained
    # The agency choice lists the operator's agency and its sub-units, nothing shared.
    assert f'<option value="{world.public_works.pk}"' in form
    assert f'<option value="{world.public_works_unit.pk}"' in form
    assert f'<option value="{world.health.pk}"' not in form
    token = re.search(r'name="once" value="([0-9a-f]{32})"', form)
    assert token is not None
    sent = {
        "title": "Jadwal perbaikan",
        "category": str(world.category.pk),
        "agency": str(world.public_works.pk),
        "body": "Laporan {nomor_laporan} dijadwalkan sebelum {tenggat}.",
        "once": token.group(1),
    }
    for _attempt in range(2):  # sent twice (a retry): added once
        response = client.post(reverse("knowledge:template_create"), sent)
        assert response.status_code == 302 and response["Location"] == TEMPLATES
    template = ResponseTemplate.objects.get()
    assert template.agency == world.public_works and template.created_by == world.operator
    listed = page(client.get(TEMPLATES))
    assert "Jadwal perbaikan" in listed
    assert reverse("knowledge:template_edit", args=[template.pk]) in listed
    edit = reverse("knowledge:template_edit", args=[template.pk])
    assert "dijadwalkan sebelum {tenggat}" in page(client.get(edit))
    response = client.post(
        edit,
        {
            "title": "Jadwal perbaikan jalan",
            "category": "",
            "agency": str(world.public_works.pk),
            "body": "Laporan {nomor_laporan} segera diperbaiki.",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "Jadwal perbaikan jalan" and template.category is None
    assert client.post(reverse("knowledge:template_archive", args=[template.pk])).status_code == 302
    assert ResponseTemplate.objects.get().archived_at is not None
    row = f'data-template="{template.pk}"'
    assert row not in page(client.get(TEMPLATES))
    assert row in page(client.get(TEMPLATES, {"archived": "on"}))
    assert client.post(reverse("knowledge:template_restore", args=[template.pk])).status_code == 302
    assert ResponseTemplate.objects.get().archived_at is None


def test_an_unknown_placeholder_is_explained_on_the_form(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("operator")
    client.cookies["aduan_language"] = "en"
    response = client.post(
        reverse("knowledge:template_create"),
        {"title": "Salam", "agency": str(world.public_works.pk), "body": "Yth. {nama_pelapor}"},
    )
    assert response.status_code == 400
    assert "Unknown placeholder {nama_pelapor}." in page(response)
    assert not ResponseTemplate.objects.exists()


def test_a_coordinator_keeps_shared_ones_without_an_agency_choice(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("coordinator")
    form = page(client.get(reverse("knowledge:template_create")))
    assert 'name="agency"' not in form
    response = client.post(
        reverse("knowledge:template_create"),
        {"title": "Terima kasih", "body": "Terima kasih atas laporan {nomor_laporan}."},
    )
    assert response.status_code == 302
    assert ResponseTemplate.objects.get().agency is None


def test_another_agencys_canned_responses_are_neither_listed_nor_editable(
    world: World, client_for: Callable[[str], Client]
) -> None:
    theirs = services.response_template_create(
        actor=world.health_operator, title="Jadwal imunisasi", body="x", agency=world.health
    )
    mine = shared(world)
    client = client_for("operator")
    listed = page(client.get(TEMPLATES))
    assert "Jadwal imunisasi" not in listed and "Bersama" in listed
    for name in ("template_edit", "template_archive", "template_restore"):
        url = reverse(f"knowledge:{name}", args=[theirs.pk])
        response = client.post(url, {"title": "x", "body": "y", "agency": world.public_works.pk})
        assert response.status_code == 404
    assert client.get(reverse("knowledge:template_edit", args=[theirs.pk])).status_code == 404
    # A shared one is read, not kept, by an agency: no edit link, and a 403 when tried.
    assert reverse("knowledge:template_edit", args=[mine.pk]) not in listed
    assert client.get(reverse("knowledge:template_edit", args=[mine.pk])).status_code == 403
    assert client.post(reverse("knowledge:template_archive", args=[mine.pk])).status_code == 403
    # Posting another agency as the keeper is refused by the form.
    response = client.post(
        reverse("knowledge:template_create"),
        {"title": "Menyusup", "agency": str(world.health.pk), "body": "x"},
    )
    assert response.status_code == 400
    assert set(ResponseTemplate.objects.values_list("title", flat=True)) == {
        "Jadwal imunisasi",
        "Bersama",
    }
    theirs.refresh_from_db()
    assert theirs.archived_at is None and theirs.title == "Jadwal imunisasi"


def test_template_list_filters(world: World, client_for: Callable[[str], Client]) -> None:
    shared(world, "Umum Q7")
    services.response_template_create(
        actor=world.operator,
        title="Jalan DPU",
        body="x",
        agency=world.public_works,
        category=world.category,
    )
    client = client_for("coordinator")
    only_shared = page(client.get(TEMPLATES, {"scope": "shared"}))
    assert "Umum Q7" in only_shared and "Jalan DPU" not in only_shared
    by_agency = page(client.get(TEMPLATES, {"scope": str(world.public_works.pk)}))
    assert "Jalan DPU" in by_agency and "Umum Q7" not in by_agency
    by_category = page(client.get(TEMPLATES, {"category": str(world.category.pk)}))
    assert "Jalan DPU" in by_category and "Umum Q7" not in by_category
    assert "Jalan DPU" in page(client.get(TEMPLATES, {"q": "dpu"}))


def test_template_list_query_count_does_not_grow_with_rows(
    world: World,
    client_for: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    def add(number: int, agency: Agency | None) -> None:
        now = timezone.now()
        ResponseTemplate.objects.create(
            title=f"Template {number:02d}",
            body="Laporan {nomor_laporan}.",
            agency=agency,
            category=world.category if number % 2 else None,
            created_at=now,
            updated_at=now,
        )

    for number in range(3):
        add(number, world.public_works)
    client = client_for("operator")
    client.get(TEMPLATES)
    with CaptureQueriesContext(connection) as three:
        response = client.get(TEMPLATES)
    assert page(response).count("data-template=") == 3
    for number in range(3, 30):
        add(number, [None, world.public_works, world.public_works_unit][number % 3])
    with django_assert_num_queries(len(three)):
        response = client.get(TEMPLATES)
    assert page(response).count("data-template=") == 20
    assert 'rel="next"' in page(response)


def test_the_file_is_not_linked_for_link_only_documents(
    world: World, client_for: Callable[[str], Client]
) -> None:
    document = link_document(world)
    with_file = services.document_create(
        actor=world.admin, title="SOP", kind="sop", upload=pdf("sop.pdf", PDF)
    )
    listed = page(client_for("operator").get(DOCUMENTS))
    assert reverse("knowledge:document_file", args=[document.pk]) not in listed
    assert reverse("knowledge:document_file", args=[with_file.pk]) in listed
    assert 'href="https://example.org/"' in listed
