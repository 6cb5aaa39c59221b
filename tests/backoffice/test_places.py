"""Back-office pages name a complaint's place with its kecamatan and kabupaten/kota: many
villages share a name (Koto Baru is in ten), so the village alone does not tell where it is."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.complaints import queues, services
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.core.calendar import local_date
from tests.backoffice.helpers import text, workspace_url
from tests.world import KotoBaru, World, frozen_at, koto_baru, lead_dispatch, make, submit

pytestmark = pytest.mark.django_db

# As tests/backoffice/test_queues.py: what a queue page may cost, whatever it lists.
MAX_QUERIES = 12


@pytest.fixture
def villages(world: World) -> KotoBaru:
    return koto_baru()


def row_of(html: str, complaint: Complaint) -> str:
    """The table rows that list ``complaint`` (the deadline queue has one per deadline)."""
    rows = re.findall(r"<tr\b.*?</tr>", html, flags=re.DOTALL)
    found = [row for row in rows if f">{complaint.tracking_id}</a>" in row]
    assert found, f"{complaint.tracking_id} is not listed"
    return "\n".join(found)


def test_verification_rows_name_the_kecamatan_and_kabupaten_or_kota(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    in_solok = submit(world, region=villages.solok)
    in_payakumbuh = submit(world, region=villages.payakumbuh)
    without = submit(world)

    html = text(client_for("coordinator").get(reverse("backoffice:verification")))

    assert f"<td>{KotoBaru.SOLOK}</td>" in row_of(html, in_solok)
    assert KotoBaru.PAYAKUMBUH not in row_of(html, in_solok)
    assert f"<td>{KotoBaru.PAYAKUMBUH}</td>" in row_of(html, in_payakumbuh)
    assert "<td>—</td>" in row_of(html, without)


def test_supervisory_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    report = submit(world, is_supervisory=True, region=villages.solok)

    html = text(client_for("inspectorate").get(reverse("backoffice:supervisory")))

    assert KotoBaru.SOLOK in row_of(html, report)


def test_inbox_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    dispatched = make(world, "dispatched", region=villages.payakumbuh)

    html = text(client_for("liaison").get(reverse("backoffice:inbox")))

    assert KotoBaru.PAYAKUMBUH in row_of(html, dispatched)


def test_approval_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    complaint = make(world, "dispatched", region=villages.solok)
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Jawaban.")
    services.followup_submit(actor=world.operator, followup=draft)

    html = text(client_for("liaison").get(reverse("backoffice:approval")))

    assert KotoBaru.SOLOK in row_of(html, complaint)


def test_overdue_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    late = make(world, "dispatched", region=villages.solok)
    first_followup = late.clocks.get(kind="first_followup", dispatch=lead_dispatch(late))

    with frozen_at(first_followup.due_at + queues.DUE_SOON_WINDOW):
        html = text(client_for("operator").get(reverse("backoffice:overdue")))

    rows = row_of(html, late)
    assert rows.count(KotoBaru.SOLOK) == rows.count("<tr")


def test_staff_search_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    found = submit(world, region=villages.payakumbuh)

    html = text(client_for("coordinator").get(reverse("search:staff"), {"q": "jalan"}))

    assert KotoBaru.PAYAKUMBUH in row_of(html, found)


def test_trend_complaints_rows_name_the_parents(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    complaint = submit(world, region=villages.solok)
    today = local_date(clock.now()).isoformat()

    response = client_for("coordinator").get(
        reverse("monitoring:trend_complaints"),
        {"place": villages.solok.parent_id, "from": today, "to": today},
    )

    assert response.status_code == 200
    assert KotoBaru.SOLOK in row_of(text(response), complaint)


def test_the_workspace_spells_the_place_out(
    world: World, client_for: Callable[[str], Client], villages: KotoBaru
) -> None:
    complaint = submit(world, region=villages.solok)

    html = text(client_for("coordinator").get(workspace_url(complaint)))

    assert f"<dd>{KotoBaru.SOLOK_FULL}</dd>" in html


@pytest.mark.parametrize(
    ("role", "url_name", "make_row"),
    [
        ("coordinator", "backoffice:verification", lambda world, region: submit(world, **region)),
        ("liaison", "backoffice:inbox", lambda world, region: make(world, "dispatched", **region)),
    ],
)
def test_places_cost_no_query_per_row(
    world: World,
    client_for: Callable[[str], Client],
    villages: KotoBaru,
    role: str,
    url_name: str,
    make_row: Callable[..., Complaint],
) -> None:
    """Each row's village, kecamatan and kabupaten/kota come with the page's one query."""
    places = [villages.solok, villages.payakumbuh]
    for index in range(3):
        make_row(world, {"region": places[index % 2]})
    client = client_for(role)
    url = reverse(url_name)
    client.get(url)  # the first request of a session also records "last seen"
    with CaptureQueriesContext(connection) as three:
        html = text(client.get(url))
    assert html.count(KotoBaru.SOLOK) == 2 and html.count(KotoBaru.PAYAKUMBUH) == 1
    assert len(three) <= MAX_QUERIES
    for index in range(17):
        make_row(world, {"region": places[index % 2]})
    with CaptureQueriesContext(connection) as twenty:
        html = text(client.get(url))
    assert html.count(KotoBaru.SOLOK) + html.count(KotoBaru.PAYAKUMBUH) == 20
    assert len(twenty) == len(three)
