"""Which canned response a follow-up was started from: recorded when the officer chose it on the
follow-up form (only one offered to them), and counted on the list of canned responses, scoped
like the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.complaints import services as lifecycle
from aduan.complaints.models import Complaint, FollowUp
from aduan.core.errors import InvalidInput
from aduan.core.models import AuditEvent
from aduan.knowledge import selectors, services
from aduan.knowledge.models import ResponseTemplate
from tests.knowledge.test_picker import draft_action, template
from tests.world import World, make

LIST = reverse("knowledge:templates")


@pytest.fixture
def complaint(world: World) -> Complaint:
    """Dispatched to Dinas Pekerjaan Umum (lead) and Dinas Kesehatan (supporting)."""
    return make(world, "dispatched")


def test_a_draft_records_the_canned_response_chosen_on_the_form(
    world: World, complaint: Complaint, client_for: Callable[[str], Client]
) -> None:
    mine = template(world, "Jadwal DPU", agency=world.public_works)
    client = client_for("operator")
    response = client.post(
        draft_action(complaint),
        {"draft-canned": str(mine.pk), "draft-body": "Terima kasih, sudah kami jadwalkan."},
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert followup.response_template == mine
    event = AuditEvent.objects.get(action="followup.drafted")
    assert event.data["response_template"] == mine.pk
    # Written from scratch: nothing recorded.
    client.post(draft_action(complaint), {"draft-canned": "", "draft-body": "Teks sendiri."})
    assert FollowUp.objects.get(body="Teks sendiri.").response_template is None
    assert (
        "response_template" not in AuditEvent.objects.filter(action="followup.drafted").last().data
    )


@pytest.mark.parametrize("others_offered", [True, False])
def test_another_agencys_canned_response_posted_by_hand_is_refused_or_ignored(
    world: World, complaint: Complaint, client_for: Callable[[str], Client], others_offered: bool
) -> None:
    theirs = template(world, "Disdik", agency=world.education)
    if others_offered:
        template(world, "Bersama")
    response = client_for("operator").post(
        draft_action(complaint), {"draft-canned": str(theirs.pk), "draft-body": "Teks."}
    )
    if others_offered:
        # Not one of the choices: the form is refused, nothing saved.
        assert response.status_code == 400
        assert not FollowUp.objects.exists()
    else:
        # No picker on the form at all: the posted choice is not read.
        assert response.status_code == 302
        assert FollowUp.objects.get().response_template is None


def test_the_service_refuses_a_canned_response_not_offered(
    world: World, complaint: Complaint
) -> None:
    theirs = template(world, "Disdik", agency=world.education)
    archived = template(world, "Lama", agency=world.public_works)
    services.response_template_archive(actor=world.operator, template=archived)
    # The supporting agency's own one is not the lead agency's to use.
    health = template(world, "Dinkes", agency=world.health)
    for refused in (theirs.pk, archived.pk, health.pk, 999_999):
        with pytest.raises(InvalidInput):
            lifecycle.followup_draft(
                actor=world.operator,
                complaint=complaint,
                body="Teks.",
                response_template_id=refused,
            )
    assert not FollowUp.objects.exists()
    followup = lifecycle.followup_draft(
        actor=world.health_operator,
        complaint=complaint,
        body="Teks.",
        response_template_id=health.pk,
    )
    assert followup.response_template == health


def test_deleting_the_canned_response_keeps_the_follow_up(
    world: World, complaint: Complaint
) -> None:
    mine = template(world, "Jadwal DPU", agency=world.public_works)
    followup = lifecycle.followup_draft(
        actor=world.operator, complaint=complaint, body="Teks.", response_template_id=mine.pk
    )
    mine.delete()
    followup.refresh_from_db()
    assert followup.response_template is None and followup.body == "Teks."


def _uses(client: Client) -> dict[str, int]:
    response = client.get(LIST)
    assert response.status_code == 200
    return {t.title: uses for t, _may_keep, uses in response.context["rows"]}


def test_the_list_counts_the_uses_each_viewer_oversees(
    world: World, complaint: Complaint, client_for: Callable[[str], Client]
) -> None:
    shared = template(world, "Bersama")
    public_works = template(world, "DPU", agency=world.public_works)
    template(world, "Belum dipakai", agency=world.public_works)
    for actor, chosen in (
        (world.operator, shared),
        (world.liaison, shared),
        (world.operator, public_works),
        (world.health_operator, shared),
    ):
        lifecycle.followup_draft(
            actor=actor, complaint=complaint, body="Teks.", response_template_id=chosen.pk
        )
    other = make(world, "submitted")
    lifecycle.complaint_dispatch(
        actor=world.coordinator, complaint=other, lead_agency=world.public_works_unit
    )
    lifecycle.followup_draft(
        actor=world.unit_operator, complaint=other, body="Teks.", response_template_id=shared.pk
    )

    everything = {"Bersama": 4, "Belum dipakai": 0, "DPU": 1}
    assert _uses(client_for("coordinator")) == everything
    assert _uses(client_for("leadership")) == everything
    # Agency staff: their agency's and its sub-units' follow-ups, on the ones they may read.
    assert _uses(client_for("operator")) == {"Bersama": 3, "Belum dipakai": 0, "DPU": 1}
    assert _uses(client_for("unit_operator")) == {"Bersama": 1, "Belum dipakai": 0, "DPU": 0}
    assert _uses(client_for("health_operator")) == {"Bersama": 1}
    assert _uses(client_for("other_liaison")) == {"Bersama": 0}
    page = client_for("coordinator").get(LIST).content.decode()
    assert (
        f'<tr data-template="{shared.pk}">' in page
        and '<td class="number" data-uses>4</td>' in page
    )


def test_the_counts_cost_one_query_whatever_the_number_of_canned_responses(
    world: World,
    complaint: Complaint,
    client_for: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    client = client_for("operator")
    first = template(world, "Template 0", agency=world.public_works)
    lifecycle.followup_draft(
        actor=world.operator, complaint=complaint, body="Teks.", response_template_id=first.pk
    )
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for number in range(1, 12):
        used = template(world, f"Template {number}", agency=world.public_works)
        lifecycle.followup_draft(
            actor=world.operator, complaint=complaint, body="Teks.", response_template_id=used.pk
        )
    with django_assert_max_num_queries(len(one)):
        assert sum(_uses(client).values()) == 12
    assert selectors.template_use_counts(world.operator, ResponseTemplate.objects.none()) == {}
