"""Exports downloaded at once: content, escaping, scoping, privacy, refusals, XLSX."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.core.models import AuditEvent
from aduan.exports.templatetags.exports_tags import export_urls
from aduan.exports.writers import safe_text
from tests.exports.helpers import as_dicts, body, csv_rows, export_url, xlsx_cells
from tests.world import World, later

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
MakeComplaint = Callable[..., Complaint]


def test_csv_has_bom_translated_headers_and_one_row_per_complaint(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    first = make_complaint("submitted")
    second = make_complaint("in_progress")
    response = client_for("coordinator").post(export_url("all"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="aduan-all-')
    assert response["Cache-Control"] == "private, no-store"
    header, *rows = csv_rows(body(response))
    assert header[:5] == ["Tracking ID", "Submitted at", "Kind", "Status", "Title"]
    assert header[-1] == "Reporter name"
    assert "Reporter phone" not in header and "Reporter e-mail" not in header
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {first.tracking_id, second.tracking_id}
    row = by_id[second.tracking_id]
    assert row["Status"] == "In progress"
    assert row["Kind"] == "Complaint"
    assert row["Lead agency"] == "Dinas Pekerjaan Umum"
    assert row["Category"] == "Jalan rusak"
    assert row["Channel"] == "Web portal"
    assert row["Verified at"] != ""
    assert row["First follow-up at"] != ""
    assert row["Deadline due"] != ""  # the resolution clock runs
    assert row["Overdue"] == "No"
    assert row["Reporter name"] == "Siti Rahmawati"
    assert "warga@example.org" not in row.values()  # contacts are never exported
    assert by_id[first.tracking_id]["Status"] == "Not yet verified"


def test_headers_and_labels_follow_the_users_language(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    make_complaint("in_progress")
    client = client_for("coordinator")
    client.cookies["aduan_language"] = "id"
    header, row = csv_rows(body(client.post(export_url("all"))))
    assert header[0] == "Nomor pelacakan"  # "Tracking ID" in Bahasa Indonesia
    assert row[3] == "Ditindaklanjuti"  # "In progress"


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint("submitted", title='=HYPERLINK("http://evil.example","klik")')
    make_complaint("submitted", title='+62 jalan, dengan koma dan "kutip"')
    rows = as_dicts(body(client_for("coordinator").post(export_url("all"))))
    titles = {row["Tracking ID"]: row["Title"] for row in rows}
    assert titles[complaint.tracking_id] == '\'=HYPERLINK("http://evil.example","klik")'
    assert '\'+62 jalan, dengan koma dan "kutip"' in titles.values()
    assert safe_text("-1") == "'-1"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("biasa") == "biasa"


def test_agency_operator_exports_only_their_agencys_complaints(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    ours = make_complaint("dispatched")  # lead: public works
    other = make_complaint("submitted")
    services.complaint_dispatch(
        actor=world.coordinator, complaint=other, lead_agency=world.education
    )
    not_dispatched = make_complaint("submitted")
    for list_name in ("all", "inbox"):
        rows = as_dicts(body(client_for("operator").post(export_url(list_name))))
        assert [row["Tracking ID"] for row in rows] == [ours.tracking_id], list_name
    coordinator_rows = as_dicts(body(client_for("coordinator").post(export_url("all"))))
    assert {r["Tracking ID"] for r in coordinator_rows} == {
        ours.tracking_id,
        other.tracking_id,
        not_dispatched.tracking_id,
    }


def test_anonymous_reporter_is_not_exported_to_agency_staff(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint("dispatched", is_anonymous=True)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.reporter_name == "Siti Rahmawati"
    for role in ("operator", "liaison"):
        data = body(client_for(role).post(export_url("inbox")))
        (row,) = as_dicts(data)
        assert row["Tracking ID"] == complaint.tracking_id
        assert row["Reporter name"] == ""
        assert b"Siti" not in data and b"warga@example.org" not in data
    (row,) = as_dicts(body(client_for("coordinator").post(export_url("all"))))
    assert row["Reporter name"] == "Siti Rahmawati"


GUEST = {
    "actor": None,
    "reporter_name": "Budi Tamu",
    "reporter_phone": "081234567890",
    "reporter_email": "budi.tamu@example.org",
}


def test_reporter_contacts_are_never_exported(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    """No role gets the reporter's phone or e-mail in any export (only the name, where the
    identity is visible): contacts are looked up on the complaint, where reveals are audited."""
    guest = make_complaint("dispatched", **GUEST)
    stored = Complaint.objects.get(pk=guest.pk)
    assert stored.reporter_phone == "+6281234567890"
    account = make_complaint("dispatched")  # the reporter's account e-mail is copied
    assert Complaint.objects.get(pk=account.pk).reporter_email == "warga@example.org"
    contacts = (b"6281234567890", b"081234567890", b"budi.tamu@example.org", b"warga@example.org")
    for role, list_name in (("coordinator", "all"), ("operator", "inbox"), ("liaison", "all")):
        client = client_for(role)
        data = body(client.post(export_url(list_name)))
        header, *rows = csv_rows(data)
        assert len(rows) == 2, role
        assert not {"Reporter phone", "Reporter e-mail"} & set(header), role
        assert header[-1] == "Reporter name", role
        assert {row[-1] for row in rows} == {"Budi Tamu", "Siti Rahmawati"}, role
        xlsx = body(client.post(export_url(list_name, "xlsx")))
        _count, text = xlsx_cells(xlsx)
        assert "Budi Tamu" in text, role
        for value in contacts:
            assert value not in data, (role, value)
            assert value.decode() not in text, (role, value)
        assert "Reporter phone" not in text and "Reporter e-mail" not in text


def test_confidential_reporter_is_hidden_from_the_coordinator_too(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    make_complaint("submitted", is_confidential=True)
    data = body(client_for("coordinator").post(export_url("verification")))
    (row,) = as_dicts(data)
    assert row["Reporter name"] == "" and b"Siti" not in data


def test_monitor_is_refused_with_a_clear_message(world: World, client_for: ClientFor) -> None:
    client = client_for("monitor")
    for list_name in ("all", "verification", "inbox"):
        response = client.post(export_url(list_name))
        assert response.status_code == 403
        assert "aggregates only" in response.content.decode()
    assert client.get("/staf/ekspor/").status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_export_of_a_queue_the_user_does_not_work_in_is_refused(
    world: World, client_for: ClientFor
) -> None:
    response = client_for("operator").post(export_url("verification"))
    assert response.status_code == 403
    assert "do not work in this list" in response.content.decode()
    assert client_for("coordinator").post(export_url("nothing")).status_code == 404
    assert client_for("coordinator").post(export_url("all", "pdf")).status_code == 404
    assert client_for("coordinator").get(export_url("all")).status_code == 405
    assert client_for("reporter").post(export_url("all")).status_code == 403
    assert Client().post(export_url("all")).status_code == 302  # to the sign-in page


def test_filters_of_the_list_page_apply(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    submitted = make_complaint("submitted")
    held = make_complaint("on_hold")
    client = client_for("coordinator")
    rows = as_dicts(body(client.post(export_url("verification", query="status=on_hold"))))
    assert [r["Tracking ID"] for r in rows] == [held.tracking_id]
    # A page cursor is not a filter: the whole filtered list is exported.
    rows = as_dicts(body(client.post(export_url("verification", query="cursor=xyz"))))
    assert {r["Tracking ID"] for r in rows} == {submitted.tracking_id, held.tracking_id}
    # An invalid value is ignored as the page ignores it.
    rows = as_dicts(body(client.post(export_url("verification", query="status=closed"))))
    assert len(rows) == 2


def test_export_is_audited(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    make_complaint("submitted")
    client_for("coordinator").post(export_url("verification", query="status=submitted"))
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.actor_id == world.coordinator.pk
    assert event.data == {
        "list": "verification",
        "format": "csv",
        "filters": {"status": "submitted"},
    }


def test_xlsx_opens_and_holds_the_rows(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    first = make_complaint("in_progress", title="=1+1")
    second = make_complaint("submitted")
    response = client_for("coordinator").post(export_url("all", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows, text = xlsx_cells(body(response))
    assert rows == 3  # header + two complaints
    assert first.tracking_id in text and second.tracking_id in text
    assert "Tracking ID" in text and "Siti Rahmawati" in text
    assert "<f>" not in text  # text cells are never formulas


def test_list_pages_offer_the_export_buttons_with_their_filters(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    make_complaint("dispatched")
    text = client_for("operator").get("/staf/kotak-masuk/?state=pending").content.decode()
    assert 'action="/staf/ekspor/inbox/csv/?state=pending"' in text
    assert 'action="/staf/ekspor/inbox/xlsx/?state=pending"' in text
    assert "Download CSV" in text and "Download XLSX" in text
    verification = client_for("coordinator").get("/staf/verifikasi/").content.decode()
    assert 'action="/staf/ekspor/verification/csv/"' in verification
    # The page cursor is left out: an export holds the whole filtered list.
    request = RequestFactory().get("/staf/kotak-masuk/", {"state": "pending", "cursor": "abc"})
    urls = export_urls({"request": request}, "inbox")
    assert urls["csv"] == "/staf/ekspor/inbox/csv/?state=pending"
    assert export_urls({"request": request}, "leadership") == {}


@pytest.mark.parametrize("list_name", ["approval", "supervisory", "overdue"])
def test_every_queue_exports_for_its_workers(
    world: World, client_for: ClientFor, list_name: str, make_complaint: MakeComplaint
) -> None:
    role: Any = {"approval": "liaison", "supervisory": "inspectorate", "overdue": "coordinator"}
    response = client_for(role[list_name]).post(export_url(list_name))
    assert response.status_code == 200
    assert csv_rows(body(response))[0][0] == "Tracking ID"


def test_overdue_export_applies_the_pages_agency_filter_within_the_users_scope(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint
) -> None:
    dispatched = make_complaint("dispatched")  # verify clock stopped; first follow-up running
    waiting = make_complaint("submitted")  # verify clock running, with the coordinators
    with later(20):
        coordinator = client_for("coordinator")
        everything = as_dicts(body(coordinator.post(export_url("overdue"))))
        assert {r["Tracking ID"] for r in everything} >= {
            dispatched.tracking_id,
            waiting.tracking_id,
        }
        assert all(r["Overdue"] == "Yes" for r in everything)
        undispatched = as_dicts(body(coordinator.post(export_url("overdue", query="agency=none"))))
        assert {r["Tracking ID"] for r in undispatched} == {waiting.tracking_id}
        # An agency the operator may not pick is ignored, as on the page; the scope stays theirs.
        query = f"agency={world.education.pk}"
        rows = as_dicts(body(client_for("operator").post(export_url("overdue", query=query))))
        assert {r["Tracking ID"] for r in rows} == {dispatched.tracking_id}


def test_rows_are_read_in_keyset_chunks_without_per_row_queries(
    world: World, client_for: ClientFor, make_complaint: MakeComplaint, settings: Any
) -> None:
    settings.ADUAN_EXPORT_CHUNK = 2
    for _ in range(5):
        make_complaint("dispatched")
    client = client_for("coordinator")
    with CaptureQueriesContext(connection) as queries:
        rows = as_dicts(body(client.post(export_url("all"))))
    assert len(rows) == 5
    sql = [q["sql"] for q in queries.captured_queries]
    # The size check is bounded, never a COUNT(*) over the table.
    counts = [s for s in sql if "COUNT(" in s.upper()]
    assert counts and all("LIMIT 5001" in s for s in counts)
    # Three chunks of complaints, each followed by one query for their clocks; no OFFSET.
    chunks = [s for s in sql if 'FROM "complaints_complaint"' in s and "LIMIT 2" in s]
    assert len(chunks) == 3
    assert not any("OFFSET" in s.upper() for s in sql)
    assert sum('FROM "complaints_clock"' in s for s in sql) == 3
