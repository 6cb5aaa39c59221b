"""Who may open which back-office page: every page once per role that may and may not use it.

Guests are sent to sign in; signed-in people without a staff role, and staff whose role has no
use for a page, get 403; a complaint the user may not see is 404 (as if it did not exist).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from aduan.complaints import services
from tests.world import World, make

ALL_ROLES = [
    "reporter",
    "outsider",
    "coordinator",
    "operator",
    "liaison",
    "unit_operator",
    "health_operator",
    "health_liaison",
    "other_liaison",
    "leadership",
    "inspectorate",
    "monitor",
    "admin",
]
STAFF = set(ALL_ROLES) - {"reporter", "outsider"}
AGENCY_STAFF = {
    "operator",
    "liaison",
    "unit_operator",
    "health_operator",
    "health_liaison",
    "other_liaison",
}
# Written out from the issue (who works in which queue), not derived from the code.
PAGES: dict[str, set[str]] = {
    "home": STAFF,
    "verification": {"coordinator", "inspectorate"},
    "inbox": AGENCY_STAFF,
    "approval": {"liaison", "health_liaison", "other_liaison", "inspectorate"},
    "supervisory": {"inspectorate"},
    "overdue": STAFF - {"monitor", "admin"},
    "leadership": {"leadership", "coordinator"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_per_role(world: World, client_for: Callable[[str], Client], page: str) -> None:
    url = reverse(f"backoffice:{page}")
    for role in ALL_ROLES:
        response = client_for(role).get(url)
        expected = 200 if role in PAGES[page] else 403
        assert response.status_code == expected, (page, role, response.status_code)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_guests_are_sent_to_sign_in(db: None, page: str) -> None:
    url = reverse(f"backoffice:{page}")
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_must_pass_the_two_factor_step_first(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator)  # signed in, but no TOTP step in this session
    response = client.get(reverse("backoffice:verification"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))


def test_workspace_per_role(world: World, client_for: Callable[[str], Client]) -> None:
    # Dispatched to Dinas PU (lead) with Dinas Kesehatan supporting.
    complaint = make(world, "dispatched")
    url = reverse("backoffice:complaint", args=[complaint.tracking_id])
    expected = {
        "coordinator": 200,
        "leadership": 200,
        "operator": 200,
        "liaison": 200,
        "health_operator": 200,
        "health_liaison": 200,
        # The UPTD is a unit *under* Dinas PU: it sees only what is dispatched to itself.
        "unit_operator": 404,
        "other_liaison": 404,
        "inspectorate": 404,  # not a supervisory report
        "monitor": 403,  # aggregates only: no workspace
        "admin": 403,
        "reporter": 403,  # the reporter's own complaint, but the back office is for staff
        "outsider": 403,
    }
    for role, status in expected.items():
        response = client_for(role).get(url)
        assert response.status_code == status, (role, response.status_code)
    assert Client().get(url).status_code == 302


def test_unknown_tracking_id_is_404(world: World, client_for: Callable[[str], Client]) -> None:
    url = reverse("backoffice:complaint", args=["SB-AAAA-AAAA"])
    assert client_for("coordinator").get(url).status_code == 404


def test_actions_need_post_and_a_known_action(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "submitted")
    client = client_for("coordinator")
    hold = reverse("backoffice:complaint_action", args=[complaint.tracking_id, "tunda"])
    assert client.get(hold).status_code == 405
    unknown = reverse("backoffice:complaint_action", args=[complaint.tracking_id, "hapus"])
    assert client.post(unknown).status_code == 404


def test_actions_on_an_invisible_complaint_are_404(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    url = reverse("backoffice:complaint_action", args=[complaint.tracking_id, "catatan"])
    response = client_for("other_liaison").post(url, {"note-body": "Bukan urusan kami."})
    assert response.status_code == 404
    assert not complaint.notes.exists()


def test_the_menu_lists_only_the_users_queues(
    world: World, client_for: Callable[[str], Client]
) -> None:
    home = reverse("backoffice:home")
    operator_page = client_for("operator").get(home).content.decode()
    assert reverse("backoffice:inbox") in operator_page
    assert reverse("backoffice:verification") not in operator_page
    assert reverse("backoffice:leadership") not in operator_page
    coordinator_page = client_for("coordinator").get(home).content.decode()
    assert reverse("backoffice:verification") in coordinator_page
    assert reverse("backoffice:leadership") in coordinator_page
    assert reverse("backoffice:inbox") not in coordinator_page
    # The way back to the public portal and the sign-out form are always there.
    for page in (operator_page, coordinator_page):
        assert reverse("portal:home") in page
        assert f'action="{reverse("accounts:logout")}"' in page


def test_the_monitor_home_page_has_no_queues(
    world: World, client_for: Callable[[str], Client]
) -> None:
    page = client_for("monitor").get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:verification") not in page
    assert reverse("backoffice:overdue") not in page
    # Instead, the pages the role does open, in the page itself (not only in the menu).
    pages = page.split('id="role-pages"', 1)[1].split("</ul>", 1)[0]
    assert reverse("monitoring:dashboard") in pages
    assert reverse("routing:admin") not in pages
    admin = client_for("admin").get(reverse("backoffice:home")).content.decode()
    pages = admin.split('id="role-pages"', 1)[1].split("</ul>", 1)[0]
    assert reverse("routing:admin") in pages and reverse("lapor:admin") in pages


def test_a_declined_dispatch_takes_the_complaint_out_of_reach(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    url = reverse("backoffice:complaint", args=[complaint.tracking_id])
    client = client_for("operator")
    assert client.get(url).status_code == 200
    lead = complaint.dispatches.get(agency=world.public_works)
    services.dispatch_decline(actor=world.liaison, dispatch=lead, reason="Bukan kewenangan.")
    assert client.get(url).status_code == 404
