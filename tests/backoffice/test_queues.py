"""The work queues: what each lists, for whom, in which order, filtered and paged by keyset, with
deadline badges, and a constant number of queries whatever the page holds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.backoffice.templatetags.backoffice_tags import bounded
from aduan.complaints import queues, services
from aduan.complaints.models import Complaint, Dispatch
from aduan.complaints.sweep import sweep
from aduan.monitoring import rollups
from tests.backoffice.helpers import text, workspace_url
from tests.world import World, frozen_at, later, lead_dispatch, make, submit

# Queries a queue page may take at most (session, user, OTP device, memberships, agencies,
# page, clocks, form choices...): the point is that it does not grow with the rows.
MAX_QUERIES = 12


def tracking_ids(response) -> list[str]:
    """Tracking IDs in the order the rows show them."""
    return re.findall(r'<th scope="row"><a href="/staf/aduan/([A-Z0-9-]+)/', text(response))


def dispatch_to(world: World, complaint: Complaint, agency, **kwargs) -> Complaint:
    return services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=agency, **kwargs
    )


# --- verification --------------------------------------------------------------------------


def test_verification_lists_unverified_and_held_oldest_first(
    world: World, client_for: Callable[[str], Client]
) -> None:
    first = make(world, "submitted")
    with later(1):
        held = make(world, "on_hold")
    with later(2):
        third = make(world, "submitted")
    dispatched = make(world, "dispatched")
    archived = make(world, "archived")
    with later(3):
        response = client_for("coordinator").get(reverse("backoffice:verification"))
    assert response.status_code == 200
    ids = tracking_ids(response)
    assert ids == [first.tracking_id, held.tracking_id, third.tracking_id]
    assert dispatched.tracking_id not in ids and archived.tracking_id not in ids
    # Checkboxes for bulk actions, one labelled per row.
    assert f'for="select-{first.tracking_id}"' in text(response)

    only_held = client_for("coordinator").get(
        reverse("backoffice:verification"), {"status": "on_hold"}
    )
    assert tracking_ids(only_held) == [held.tracking_id]


def test_verification_for_the_inspectorate_is_supervisory_reports_only(
    world: World, client_for: Callable[[str], Client]
) -> None:
    ordinary = submit(world)
    supervisory = submit(world, is_supervisory=True)
    ids = tracking_ids(client_for("inspectorate").get(reverse("backoffice:verification")))
    assert ids == [supervisory.tracking_id]
    coordinator_ids = tracking_ids(
        client_for("coordinator").get(reverse("backoffice:verification"))
    )
    assert set(coordinator_ids) == {ordinary.tracking_id, supervisory.tracking_id}


def test_verification_deadline_badges(world: World, client_for: Callable[[str], Client]) -> None:
    complaint = submit(world)
    url = reverse("backoffice:verification")
    client = client_for("coordinator")
    assert "badge-ok" in text(client.get(url))
    verify = complaint.clocks.get(kind="verify")
    with frozen_at(verify.due_at - queues.DUE_SOON_WINDOW / 2):
        page = text(client.get(url))
        assert "badge-soon" in page and "badge-overdue" not in page
    with frozen_at(verify.due_at + queues.DUE_SOON_WINDOW):
        page = text(client.get(url))
        assert "badge-overdue" in page


def test_verification_query_count_does_not_grow_with_rows(
    world: World, client_for: Callable[[str], Client], django_assert_num_queries
) -> None:
    for _ in range(3):
        submit(world)
    client = client_for("coordinator")
    url = reverse("backoffice:verification")
    client.get(url)  # the first request of a session also records "last seen"
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(tracking_ids(response)) == 3
    assert len(three) <= MAX_QUERIES
    for _ in range(22):
        submit(world, is_anonymous=True)
    with django_assert_num_queries(len(three)):
        response = client.get(url)
    assert len(tracking_ids(response)) == 20  # one page


# --- agency inbox --------------------------------------------------------------------------


def test_inbox_lists_active_dispatches_to_the_agency_and_its_units(
    world: World, client_for: Callable[[str], Client]
) -> None:
    to_office = dispatch_to(world, submit(world), world.public_works)
    with later(1):
        to_unit = dispatch_to(world, submit(world), world.public_works_unit)
    with later(2):
        supported = dispatch_to(
            world, submit(world), world.health, supporting_agencies=[world.public_works]
        )
        elsewhere = dispatch_to(world, submit(world), world.education)
    declined = dispatch_to(world, submit(world), world.public_works)
    services.dispatch_decline(
        actor=world.liaison, dispatch=lead_dispatch(declined), reason="Bukan kewenangan kami."
    )
    with later(3):
        liaison = client_for("liaison").get(reverse("backoffice:inbox"))
        unit = client_for("unit_operator").get(reverse("backoffice:inbox"))
        health = client_for("health_operator").get(reverse("backoffice:inbox"))
    assert tracking_ids(liaison) == [
        to_office.tracking_id,
        to_unit.tracking_id,
        supported.tracking_id,
    ]
    assert elsewhere.tracking_id not in tracking_ids(liaison)
    assert declined.tracking_id not in tracking_ids(liaison)
    # The unit sees its own dispatches only, not its parent's.
    assert tracking_ids(unit) == [to_unit.tracking_id]
    assert tracking_ids(health) == [supported.tracking_id]
    page = text(liaison)
    assert "Pendukung" in page or "Supporting" in page  # the role column
    assert str(Dispatch.State.PENDING.label) in page


def test_a_closed_complaint_leaves_the_inbox_and_stays_with_the_agency(
    world: World, client_for: Callable[[str], Client]
) -> None:
    resolved = make(world, "resolved")
    auto_closed = make(world, "closed")
    rated = make(world, "resolved")
    services.complaint_rate(actor=world.reporter, complaint=rated, score=5)
    for complaint in (auto_closed, rated):
        states = set(complaint.dispatches.values_list("state", flat=True))
        assert states == {Dispatch.State.COMPLETED}  # the lead's and the supporting hop
    assert {d.state for d in resolved.dispatches.all()} <= set(Dispatch.ACTIVE_STATES)
    for user in ("liaison", "health_operator"):
        inbox = tracking_ids(client_for(user).get(reverse("backoffice:inbox")))
        assert inbox == [resolved.tracking_id]  # awaiting the reporter: it may be reopened
        # Out of the inbox, not out of sight: the agency still opens and lists its history.
        page = client_for(user).get(workspace_url(rated))
        assert page.status_code == 200
        assert str(Dispatch.State.COMPLETED.label) in text(page)
        listed = client_for(user).get(reverse("search:staff"), {"q": "jalan berlubang"})
        assert auto_closed.tracking_id in text(listed) and rated.tracking_id in text(listed)


def test_inbox_filters_by_state_and_overdue(
    world: World, client_for: Callable[[str], Client]
) -> None:
    old = dispatch_to(world, submit(world), world.public_works)
    accepted = dispatch_to(world, submit(world), world.public_works)
    services.dispatch_accept(actor=world.liaison, dispatch=lead_dispatch(accepted))
    url = reverse("backoffice:inbox")
    client = client_for("operator")
    assert tracking_ids(client.get(url, {"state": "accepted"})) == [accepted.tracking_id]
    assert tracking_ids(client.get(url, {"state": "pending"})) == [old.tracking_id]
    assert tracking_ids(client.get(url, {"overdue": "on"})) == []
    # Answer one of them: its follow-up clock stops; only the other one runs late.
    services.followup_approve(
        actor=world.liaison,
        followup=services.followup_submit(
            actor=world.operator,
            followup=services.followup_draft(
                actor=world.operator, complaint=accepted, body="Sudah kami jadwalkan."
            ),
        ),
    )
    # Past the 5 working days at any date (holidays stretch them to 18 calendar days).
    with later(30):
        late = client.get(url, {"overdue": "on"})
    assert tracking_ids(late) == [old.tracking_id]
    assert "badge-overdue" in text(late)


def test_inbox_pages_by_keyset(world: World, client_for: Callable[[str], Client]) -> None:
    made = [dispatch_to(world, submit(world), world.public_works) for _ in range(23)]
    client = client_for("operator")
    first = client.get(reverse("backoffice:inbox"))
    assert tracking_ids(first) == [c.tracking_id for c in made[:20]]
    next_url = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', text(first))
    assert next_url is not None
    second = client.get(reverse("backoffice:inbox") + next_url.group(1).replace("&amp;", "&"))
    assert tracking_ids(second) == [c.tracking_id for c in made[20:]]
    assert 'rel="prev"' in text(second) and 'rel="next"' not in text(second)
    bad = client.get(reverse("backoffice:inbox"), {"cursor": "not-a-cursor"})
    assert bad.status_code == 400


def test_inbox_query_count_does_not_grow_with_rows(
    world: World, client_for: Callable[[str], Client], django_assert_num_queries
) -> None:
    for _ in range(3):
        dispatch_to(world, submit(world), world.public_works, supporting_agencies=[world.health])
    client = client_for("liaison")
    url = reverse("backoffice:inbox")
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(tracking_ids(response)) == 3
    assert len(three) <= MAX_QUERIES
    for index in range(22):
        # Some to the unit, some anonymous: the page stays one query for rows, one for clocks.
        agency = world.public_works_unit if index % 2 else world.public_works
        dispatch_to(world, submit(world, is_anonymous=index % 3 == 0), agency)
    with django_assert_num_queries(len(three)):
        response = client.get(url)
    assert len(tracking_ids(response)) == 20


def test_agency_inbox_query_shape(world: World) -> None:
    """The inbox query the benchmark measures: one filter on agency ids and state, ordered
    by the keyset (no join to the complaints in the WHERE clause)."""
    dispatch_to(world, submit(world), world.public_works)
    queryset = queues.agency_inbox(world.operator)
    sql = str(queryset.query).lower()
    where = sql.split(" where ", 1)[1]
    assert '"agency_id" in' in where and '"state" in' in where
    assert "complaints_complaint" not in where
    assert sql.rstrip().endswith(
        'order by "complaints_dispatch"."dispatched_at" asc, "complaints_dispatch"."id" asc'
    )


# --- approval, supervisory -----------------------------------------------------------------


def test_approval_lists_follow_ups_awaiting_the_liaison(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Jawaban.")
    url = reverse("backoffice:approval")
    assert tracking_ids(client_for("liaison").get(url)) == []  # a draft is not for review yet
    services.followup_submit(actor=world.operator, followup=draft)
    response = client_for("liaison").get(url)
    assert tracking_ids(response) == [complaint.tracking_id]
    assert f"#followup-{draft.pk}" in text(response)
    assert tracking_ids(client_for("other_liaison").get(url)) == []
    assert tracking_ids(client_for("health_liaison").get(url)) == []


def test_approval_for_the_inspectorate_on_supervisory_reports(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = services.complaint_dispatch(
        actor=world.inspectorate,
        complaint=submit(world, is_supervisory=True),
        lead_agency=world.inspectorate_agency,
    )
    draft = services.followup_draft(actor=world.inspectorate, complaint=complaint, body="Ok.")
    services.followup_submit(actor=world.inspectorate, followup=draft)
    response = client_for("inspectorate").get(reverse("backoffice:approval"))
    assert tracking_ids(response) == [complaint.tracking_id]


def test_supervisory_lists_open_misconduct_reports(
    world: World, client_for: Callable[[str], Client]
) -> None:
    report = submit(world, is_supervisory=True)
    submit(world)
    closed = submit(world, is_supervisory=True)
    services.complaint_archive(
        actor=world.inspectorate, complaint=closed, reason="abusive", note=""
    )
    response = client_for("inspectorate").get(reverse("backoffice:supervisory"))
    assert tracking_ids(response) == [report.tracking_id]


# --- overdue, leadership -------------------------------------------------------------------


def test_overdue_lists_late_and_due_soon_deadlines_the_user_can_see(
    world: World, client_for: Callable[[str], Client]
) -> None:
    late = make(world, "dispatched")
    url = reverse("backoffice:overdue")
    assert tracking_ids(client_for("operator").get(url)) == []
    first_followup = late.clocks.get(kind="first_followup", dispatch=lead_dispatch(late))
    with frozen_at(first_followup.due_at - queues.DUE_SOON_WINDOW / 2):
        soon = client_for("operator").get(url)
    assert late.tracking_id in tracking_ids(soon)
    assert "badge-soon" in text(soon)
    with frozen_at(first_followup.due_at + queues.DUE_SOON_WINDOW):
        overdue_page = client_for("operator").get(url, {"which": "overdue"})
        other = client_for("other_liaison").get(url)
        coordinator = client_for("coordinator").get(url)
    assert late.tracking_id in tracking_ids(overdue_page)
    assert "badge-overdue" in text(overdue_page)
    assert tracking_ids(other) == []  # not their complaint
    assert late.tracking_id in tracking_ids(coordinator)


def test_leadership_overview(world: World, client_for: Callable[[str], Client]) -> None:
    late_dispatched = make(world, "dispatched")
    late_unverified = submit(world)
    make(world, "archived")
    services.complaint_instruct(
        actor=world.leadership, complaint=late_dispatched, body="Segera tangani, warga menunggu."
    )
    with later(40):
        sweep()  # flags the breaches, as the worker does every few minutes
        rollups.catch_up()
        response = client_for("leadership").get(reverse("backoffice:leadership"))
        rows = queues.overdue_by_agency(world.leadership)
        # Someone who sees only some complaints gets them counted from the clocks directly.
        assert queues.overdue_by_agency(world.operator) == [
            {"agency_id": world.public_works.pk, "agency": world.public_works, "complaints": 1}
        ]
    assert response.status_code == 200
    by_agency = {row["agency_id"]: row["complaints"] for row in rows}
    assert by_agency == {world.public_works.pk: 1, None: 1}
    page = text(response)
    assert f"agency={world.public_works.pk}" in page and "agency=none" in page
    assert workspace_url(late_dispatched) in page  # one click to the instructed complaint
    assert "Segera tangani" in page
    assert late_unverified.tracking_id not in tracking_ids(response)[1:]
    # The agency link leads to that agency's overdue complaints.
    with later(40):
        filtered = client_for("leadership").get(
            reverse("backoffice:overdue"), {"which": "overdue", "agency": world.public_works.pk}
        )
    assert set(tracking_ids(filtered)) == {late_dispatched.tracking_id}


# --- start page ----------------------------------------------------------------------------


def test_home_counts_per_queue(world: World, client_for: Callable[[str], Client]) -> None:
    submit(world)
    submit(world)
    make(world, "dispatched")
    page = text(client_for("coordinator").get(reverse("backoffice:home")))
    assert re.search(r'data-queue="verification">\s*2<', page)
    operator_page = text(client_for("operator").get(reverse("backoffice:home")))
    assert re.search(r'data-queue="inbox">\s*1<', operator_page)
    with later(30):
        late = text(client_for("coordinator").get(reverse("backoffice:home")))
    # Deadlines, not complaints: two verifications and two first follow-ups (lead + support).
    assert re.search(r'data-count="overdue">\s*4<', late)
    assert re.search(r'data-count="soon">\s*0<', late)


def test_counts_are_bounded(world: World) -> None:
    for _ in range(3):
        submit(world)
    assert queues.bounded_count(queues.verification_queue(world.coordinator), limit=2) == 2
    assert queues.bounded_count(queues.verification_queue(world.coordinator)) == 3
    assert bounded(queues.COUNT_LIMIT) == "99+"
    assert bounded(queues.COUNT_LIMIT - 1) == "99"
    assert bounded(0) == "0"


@pytest.mark.parametrize("role", ["operator", "liaison"])
def test_inbox_never_shows_identities(
    world: World, client_for: Callable[[str], Client], role: str
) -> None:
    complaint = dispatch_to(world, submit(world, is_anonymous=True), world.public_works)
    page = text(client_for(role).get(reverse("backoffice:inbox")))
    assert complaint.tracking_id in page
    for needle in ("Siti", "Rahmawati", "warga@example.org", "81234567890"):
        assert needle not in page
    inbox_complaint = next(iter(queues.agency_inbox(world.operator))).complaint
    queues.redact(world.operator, [inbox_complaint])
    assert inbox_complaint.reporter_name == "" and inbox_complaint.identity_redacted
