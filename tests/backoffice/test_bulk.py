"""Bulk actions on the verification queue: each selected complaint goes through the service on
its own, so one that cannot be changed is reported and does not undo the others."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from aduan.complaints.models import Complaint, Status
from aduan.core.models import AuditEvent
from tests.backoffice.helpers import messages_of, text
from tests.world import World, make, submit

BULK = "backoffice:verification_bulk"


def statuses(*complaints: Complaint) -> list[str]:
    return [Complaint.objects.get(pk=c.pk).status for c in complaints]


def test_bulk_dispatch_reports_the_one_that_failed_and_does_the_rest(
    world: World, client_for: Callable[[str], Client]
) -> None:
    first, second = submit(world), submit(world)
    already = make(world, "dispatched")  # no longer waiting for verification
    response = client_for("coordinator").post(
        reverse(BULK),
        {
            "operation": "dispatch",
            "complaints": [first.tracking_id, already.tracking_id, second.tracking_id],
            "lead_agency": world.health.pk,
            "note": "Mohon ditangani.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:verification")
    assert statuses(first, second) == [Status.DISPATCHED, Status.DISPATCHED]
    for complaint in (first, second):
        assert Complaint.objects.get(pk=complaint.pk).lead_agency == world.health
    assert Complaint.objects.get(pk=already.pk).lead_agency == world.public_works
    messages = messages_of(response)
    errors = [message for level, message in messages if level == "error"]
    successes = [message for level, message in messages if level == "success"]
    assert len(errors) == 1 and already.tracking_id in errors[0]
    assert len(successes) == 1
    assert first.tracking_id in successes[0] and second.tracking_id in successes[0]
    assert already.tracking_id not in successes[0]
    # One audit event per complaint that changed, none for the refused one.
    assert AuditEvent.objects.filter(action="complaint.dispatched").count() == 3


def test_bulk_archive_with_an_unknown_and_an_invalid_complaint(
    world: World, client_for: Callable[[str], Client]
) -> None:
    held, fresh = make(world, "on_hold"), submit(world)
    archived = make(world, "archived")
    response = client_for("coordinator").post(
        reverse(BULK),
        {
            "operation": "archive",
            "complaints": [
                held.tracking_id,
                "SB-AAAA-AAAA",
                archived.tracking_id,
                fresh.tracking_id,
            ],
            "archive_reason": "incomplete",
        },
    )
    assert response.status_code == 302
    assert statuses(held, fresh) == [Status.ARCHIVED, Status.ARCHIVED]
    errors = [message for level, message in messages_of(response) if level == "error"]
    assert len(errors) == 2
    assert any("SB-AAAA-AAAA" in message for message in errors)
    assert any(archived.tracking_id in message for message in errors)


def test_bulk_actions_for_the_inspectorate_touch_only_supervisory_reports(
    world: World, client_for: Callable[[str], Client]
) -> None:
    supervisory, ordinary = submit(world, is_supervisory=True), submit(world)
    response = client_for("inspectorate").post(
        reverse(BULK),
        {
            "operation": "dispatch",
            "complaints": [supervisory.tracking_id, ordinary.tracking_id],
            "lead_agency": world.inspectorate_agency.pk,
        },
    )
    assert response.status_code == 302
    assert statuses(supervisory, ordinary) == [Status.DISPATCHED, Status.SUBMITTED]
    errors = [message for level, message in messages_of(response) if level == "error"]
    assert len(errors) == 1 and ordinary.tracking_id in errors[0]


def test_bulk_form_errors(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    client = client_for("coordinator")
    nothing = client.post(reverse(BULK), {"operation": "dispatch", "lead_agency": world.health.pk})
    assert nothing.status_code == 400
    assert 'role="alert"' in text(nothing)
    no_agency = client.post(
        reverse(BULK), {"operation": "dispatch", "complaints": [complaint.tracking_id]}
    )
    assert no_agency.status_code == 400
    # The selection is kept on the page that shows the error.
    assert f'value="{complaint.tracking_id}" id="select-{complaint.tracking_id}" checked' in text(
        no_agency
    )
    no_reason = client.post(
        reverse(BULK), {"operation": "archive", "complaints": [complaint.tracking_id]}
    )
    assert no_reason.status_code == 400
    assert statuses(complaint) == [Status.SUBMITTED]


def test_bulk_is_for_verifiers_only(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    for role in ("operator", "liaison", "leadership", "monitor", "reporter"):
        response = client_for(role).post(
            reverse(BULK),
            {
                "operation": "archive",
                "complaints": [complaint.tracking_id],
                "archive_reason": "abusive",
            },
        )
        assert response.status_code == 403, role
    assert client_for("coordinator").get(reverse(BULK)).status_code == 405
    assert statuses(complaint) == [Status.SUBMITTED]
