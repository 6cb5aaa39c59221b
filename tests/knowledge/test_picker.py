"""The canned-response picker on the follow-up form of the complaint page: which canned
responses it offers, filled in from the complaint, with and without JavaScript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.agencies.models import Category
from aduan.complaints import services as lifecycle
from aduan.complaints.models import Clock, Complaint, FollowUp
from aduan.knowledge import placeholders, selectors, services
from aduan.knowledge.models import ResponseTemplate
from tests.world import World, lead_dispatch, make

BODY = (
    "Laporan {nomor_laporan} ({kategori}) ditangani {nama_instansi} paling lambat {tenggat}. "
    "{tidak_dikenal}"
)


def workspace(complaint: Complaint) -> str:
    return reverse("backoffice:complaint", args=[complaint.tracking_id])


def draft_action(complaint: Complaint) -> str:
    return reverse("backoffice:complaint_action", args=[complaint.tracking_id, "tindak-lanjut"])


def template(world: World, title: str, **fields: object) -> ResponseTemplate:
    values: dict[str, object] = {"body": "Terima kasih.", "category": world.category}
    values.update(fields)
    # Stored directly: an old body may hold a placeholder unknown today (it stays visible).
    return ResponseTemplate.objects.create(
        title=title,
        created_at=world.admin.date_joined,
        updated_at=world.admin.date_joined,
        **values,  # type: ignore[arg-type]
    )


def offered(page: str) -> list[str]:
    select = page.split('name="draft-canned"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)


def bodies(page: str) -> dict[str, str]:
    script = page.split('id="canned-bodies"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
    loaded: dict[str, str] = json.loads(script)
    return loaded


@pytest.fixture
def complaint(world: World) -> Complaint:
    return make(world, "dispatched")


def expected_body(complaint: Complaint, agency_name: str) -> str:
    resolution = complaint.clocks.get(kind=Clock.Kind.RESOLUTION, state=Clock.State.RUNNING)
    return (
        f"Laporan {complaint.tracking_id} (Jalan rusak) ditangani {agency_name} paling lambat "
        f"{placeholders.format_day(resolution.due_at)}. {{tidak_dikenal}}"
    )


def test_the_form_offers_the_categorys_and_agencys_canned_responses(
    world: World, complaint: Complaint, client_for: Callable[[str], Client]
) -> None:
    mine = template(world, "Jadwal DPU", agency=world.public_works, body=BODY)
    template(world, "Bersama")
    template(world, "Semua kategori", category=None)
    template(world, "Dinkes", agency=world.health)  # another agency (supporting here)
    template(world, "Disdik", agency=world.education)
    other = Category.objects.create(code="air", name="Air bersih")
    template(world, "Kategori lain", category=other)
    archived = template(world, "Diarsipkan")
    services.response_template_archive(actor=world.coordinator, template=archived)

    page = client_for("operator").get(workspace(complaint)).content.decode()
    assert offered(page) == ["Bersama", "Jadwal DPU (Dinas Pekerjaan Umum)", "Semua kategori"]
    assert bodies(page)[str(mine.pk)] == expected_body(complaint, "Dinas Pekerjaan Umum")
    # The supporting agency sees its own and the shared ones, filled in with its own name.
    health_page = client_for("health_operator").get(workspace(complaint)).content.decode()
    assert offered(health_page) == ["Bersama", "Dinkes (Dinas Kesehatan)", "Semua kategori"]


def test_without_javascript_the_use_button_fills_in_the_text_and_saves_nothing(
    world: World, complaint: Complaint, client_for: Callable[[str], Client]
) -> None:
    mine = template(world, "Jadwal DPU", agency=world.public_works, body=BODY)
    client = client_for("operator")
    response = client.post(
        draft_action(complaint),
        {"draft-canned": str(mine.pk), "draft-body": "", "use_canned": "1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    textarea = page.split('name="draft-body"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert textarea.strip() == expected_body(complaint, "Dinas Pekerjaan Umum")
    assert 'id="panel-draft" open' in page
    assert not FollowUp.objects.exists()
    # Saving the filled-in text is a normal draft.
    response = client.post(
        draft_action(complaint), {"draft-canned": str(mine.pk), "draft-body": textarea.strip()}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().body == expected_body(complaint, "Dinas Pekerjaan Umum")


@pytest.mark.parametrize("others_offered", [True, False])
def test_another_agencys_canned_response_cannot_be_used(
    world: World, complaint: Complaint, client_for: Callable[[str], Client], others_offered: bool
) -> None:
    theirs = template(world, "Disdik", agency=world.education, body="Rahasia Disdik")
    if others_offered:
        template(world, "Bersama")
    response = client_for("operator").post(
        draft_action(complaint),
        {"draft-canned": str(theirs.pk), "draft-body": "", "use_canned": "1"},
    )
    assert response.status_code == 400
    assert "Rahasia Disdik" not in response.content.decode()


def test_a_sub_unit_is_offered_its_parents_canned_responses(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "submitted")
    lifecycle.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works_unit
    )
    template(world, "Jadwal DPU", agency=world.public_works)
    template(world, "Jadwal UPTD", agency=world.public_works_unit)
    page = client_for("unit_operator").get(workspace(complaint)).content.decode()
    assert offered(page) == ["Jadwal DPU (Dinas Pekerjaan Umum)", "Jadwal UPTD (UPTD Jalan)"]


def test_a_missing_value_stays_visible(world: World, complaint: Complaint) -> None:
    resolved = make(world, "resolved")  # no running resolution deadline any more
    template(world, "Tenggat", body="Paling lambat {tenggat}.", agency=world.public_works)
    hops = [lead_dispatch(resolved)]
    (item,) = selectors.templates_for_complaint(world.operator, resolved, hops)
    assert item.body == "Paling lambat {tenggat}."
    assert selectors.templates_for_complaint(world.operator, complaint, []) == []


def test_no_picker_without_canned_responses(
    world: World, complaint: Complaint, client_for: Callable[[str], Client]
) -> None:
    page = client_for("operator").get(workspace(complaint)).content.decode()
    assert 'name="draft-body"' in page and 'name="draft-canned"' not in page


def test_the_picker_costs_a_fixed_number_of_queries(
    world: World,
    complaint: Complaint,
    client_for: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    client = client_for("operator")
    template(world, "Satu", agency=world.public_works, body=BODY)
    client.get(workspace(complaint))
    with CaptureQueriesContext(connection) as one:
        client.get(workspace(complaint))
    for number in range(15):
        template(world, f"Template {number}", agency=world.public_works, body=BODY)
    with django_assert_max_num_queries(len(one)):  # type: ignore[operator]
        page = client.get(workspace(complaint)).content.decode()
    assert len(offered(page)) == 16
