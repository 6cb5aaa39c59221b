"""The back office's complaint page shows the complaint's SP4N-LAPOR! link (tracking ID, state,
last delivery, waiting and parked messages, a conflict) to the staff who see the complaint, for
one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.accounts.models import Membership, Role
from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.lapor.models import NationalLink, OutboundMessage
from aduan.lapor.selectors import complaint_link
from aduan.lapor.sync import sync
from tests.lapor.simulator import NationalSimulator
from tests.lapor.test_national_files import PDF
from tests.world import World, make, staff_login


def page(user: Any, complaint: Complaint) -> tuple[int, str]:
    client = Client()
    staff_login(client, user)
    client.cookies["aduan_language"] = "en"
    response = client.get(reverse("backoffice:complaint", args=[complaint.tracking_id]))
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "leadership", "operator", "liaison"])
def test_staff_who_see_the_complaint_see_its_national_tracking_id(
    national: NationalSimulator, world: World, role: str
) -> None:
    complaint = make(world, "dispatched")
    sync()
    link = NationalLink.objects.get(complaint=complaint)
    assert link.national_id
    status, html = page(getattr(world, role), complaint)
    assert status == 200
    assert f'data-national-link="{link.national_id}"' in html
    assert f"Linked to SP4N-LAPOR!: {link.national_id}" in html
    assert "Registered by this instansi" in html and "national status “Sedang Diproses”" in html
    assert "Last sent to SP4N-LAPOR!:" in html
    assert "data-national-parked" not in html and "data-national-waiting" not in html


def test_staff_who_do_not_see_the_complaint_do_not_get_it(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "dispatched")  # to public works, supported by health
    sync()
    national_id = NationalLink.objects.get(complaint=complaint).national_id
    status, html = page(world.other_liaison, complaint)
    assert status == 404 and national_id not in html


def test_a_complaint_without_a_link_shows_nothing(world: World, settings: Any) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""  # the connector off: no link is made
    complaint = make(world, "dispatched")
    status, html = page(world.coordinator, complaint)
    assert status == 200 and "data-national-link" not in html and "SP4N-LAPOR!:" not in html


def test_waiting_and_parked_messages_are_shown(national: NationalSimulator, world: World) -> None:
    complaint = make(world, "in_progress")  # registration, follow-up, status
    national.fail_next(422, path_contains="/laporan")
    sync()
    status, html = page(world.coordinator, complaint)
    assert status == 200
    assert "Not registered in SP4N-LAPOR! yet" in html
    assert "1 message parked for an administrator." in html
    assert "2 messages waiting to be sent." in html
    assert "/staf/lapor/#parked" not in html  # coordinators do not manage the connector
    # A system administrator who also coordinates gets the way to the connector's page.
    Membership.objects.create(user=world.admin, role=Role.COORDINATOR, agency=None)
    status, html = page(world.admin, complaint)
    assert status == 200 and 'href="/staf/lapor/#parked"' in html


def test_a_conflict_is_shown_in_the_readers_language(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    assert complaint is not None
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    sync()
    national.archive(national_id)  # too late to follow here
    sync()
    _status, html = page(world.coordinator, complaint)
    assert "SP4N-LAPOR! archived this report, but it is “Dispatched” here." in html
    client = Client()
    staff_login(client, world.coordinator)
    client.cookies["aduan_language"] = "id"
    indonesian = client.get(reverse("backoffice:complaint", args=[complaint.tracking_id]))
    assert "“Didisposisikan”" in indonesian.content.decode()  # the status label, translated
    # The agency's officers see the link, not what went wrong (it may quote national data).
    status, html = page(world.operator, complaint)
    assert status == 200 and "data-national-link" in html
    assert "data-national-problem" not in html and "archived this report" not in html


def test_the_reporters_national_files_waiting_or_refused_are_counted(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, b"MZ not a photo", "program.exe")
    national.add_file(national_id, PDF)
    national.fail_next(503, path_contains="/lampiran/BERKAS-3")
    sync()  # the program is refused; the PDF's download fails once and waits
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    assert complaint is not None
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )

    status, html = page(world.operator, complaint)

    assert status == 200
    assert "1 file of the reporter's waits to be fetched from SP4N-LAPOR!." in html
    assert "1 file of the reporter's on SP4N-LAPOR! was not attached." in html
    link = complaint_link(complaint)
    assert link is not None
    # One message waits (the dispatch), counted once although two files join the row.
    assert (link.files_waiting, link.files_refused, link.waiting) == (1, 1, 1)  # type: ignore[attr-defined]


def test_the_link_is_read_in_one_query(
    national: NationalSimulator, world: World, django_assert_num_queries: Any
) -> None:
    complaint = make(world, "in_progress")
    national.fail_next(422, path_contains="/laporan")
    sync()
    with django_assert_num_queries(1):
        link = complaint_link(complaint)
    assert link is not None
    assert (link.parked, link.waiting, link.last_delivered) == (1, 2, None)  # type: ignore[attr-defined]


def _lapor_queries(user: Any, complaint: Complaint) -> tuple[int, int]:
    client = Client()
    staff_login(client, user)
    url = reverse("backoffice:complaint", args=[complaint.tracking_id])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    lapor = [q for q in queries.captured_queries if "lapor_" in q["sql"]]
    return len(queries.captured_queries), len(lapor)


def test_the_page_pays_one_query_whatever_the_number_of_messages(
    national: NationalSimulator, world: World
) -> None:
    complaint = make(world, "dispatched")
    sync()
    total, lapor = _lapor_queries(world.coordinator, complaint)
    assert lapor == 1
    link = NationalLink.objects.get(complaint=complaint)
    now = link.updated_at
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            link=link,
            kind=OutboundMessage.Kind.STATUS,
            idempotency_key=f"test-{number}",
            state=state,
            next_attempt_at=now,
            created_at=now,
        )
        for number, state in enumerate([OutboundMessage.State.PARKED] * 3 + ["pending"] * 4)
    )
    assert _lapor_queries(world.coordinator, complaint) == (total, 1)
