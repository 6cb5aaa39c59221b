"""A dispatch to the wrong agency: its liaison officer declines with a reason, the coordinator
finds the report back in verification with that reason and dispatches it to another agency,
whose inbox then has it (DESIGN §3: decline returns to the coordinator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.complaints import services
from aduan.complaints.models import Dispatch, Status
from tests.e2e.helpers import (
    contains,
    open_complaint,
    open_queue,
    panel,
    sign_in,
    start,
    status_message,
    tr,
    with_authenticator,
)
from tests.world import submit

TITLE = "Atap Puskesmas Bungus bocor saat hujan"
REASON = "Gedung Puskesmas dikelola Dinas Kesehatan, bukan kewenangan Dinas Pekerjaan Umum."


@pytest.mark.django_db(transaction=True)
def test_a_declined_dispatch_goes_back_and_is_dispatched_to_another_agency(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    liaison_device = with_authenticator(world.liaison)
    coordinator_device = with_authenticator(world.coordinator)
    health_device = with_authenticator(world.health_operator)
    wrong, right = world.public_works.name, world.health.name
    complaint = submit(
        world,
        title=TITLE,
        description="Air hujan menetes ke ruang tunggu pasien; ember dipasang di mana-mana.",
    )
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    tracking_id = complaint.tracking_id

    # The liaison officer of the wrong agency declines, with the reason.
    liaison = visit()
    sign_in(liaison, world.liaison, liaison_device)
    open_queue(liaison, "Agency inbox")
    liaison.check("inbox")
    open_complaint(liaison, tracking_id)
    page = liaison.page
    decline = panel(page, tr("Decline the dispatch to %(agency)s", agency=wrong))
    decline.get_by_label(tr("Why this is not your agency's authority")).fill(REASON)
    liaison.check("workspace-to-decline")
    decline.get_by_role("button", name=tr("Decline")).click()
    # The complaint is no longer theirs: back to the start page, with the confirmation.
    status_message(page, tr("The dispatch to %(agency)s was declined.", agency=wrong))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Back office"))
    liaison.check("declined")
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED and complaint.lead_agency is None
    declined = complaint.dispatches.get()
    assert declined.state == Dispatch.State.DECLINED and declined.decline_reason == REASON
    open_queue(liaison, "Agency inbox")
    expect(page.get_by_role("link", name=tracking_id, exact=True)).to_have_count(0)
    expect(page.get_by_text(tr("Nothing in the inbox."))).to_be_visible()
    liaison.check("inbox-empty")

    # The coordinator finds it back in verification, reads why, and dispatches it again.
    coordinator = visit()
    sign_in(coordinator, world.coordinator, coordinator_device)
    open_queue(coordinator, "Verification")
    coordinator.check("verification-queue")
    open_complaint(coordinator, tracking_id)
    page = coordinator.page
    hops = page.get_by_role("region", name=tr("Dispatches"))
    row = hops.get_by_role("row").filter(has=page.get_by_role("rowheader", name=wrong))
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text(contains("Declined"))
    coordinator.check("workspace-declined")
    dispatch = panel(page, tr("Verify and dispatch"))
    dispatch.get_by_label(tr("Lead agency")).select_option(label=right)
    dispatch.get_by_role("button", name=tr("Dispatch")).click()
    status_message(page, tr("Dispatched to %(agency)s.", agency=right))
    expect(hops.get_by_role("rowheader", name=right)).to_be_visible()
    coordinator.check("workspace-redispatched")
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED and complaint.lead_agency == world.health
    active = complaint.dispatches.get(state__in=Dispatch.ACTIVE_STATES)
    assert active.agency == world.health and active.role == Dispatch.Role.LEAD

    # The other agency's operator has it in the inbox and can work on it.
    operator = visit()
    sign_in(operator, world.health_operator, health_device)
    open_queue(operator, "Agency inbox")
    page = operator.page
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=tracking_id, exact=True))
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text(right)
    operator.check("inbox")
    open_complaint(operator, tracking_id)
    expect(page.locator("summary").filter(has_text=tr("Draft a follow-up"))).to_be_visible()
    operator.check("workspace")
