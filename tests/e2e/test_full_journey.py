"""The whole life of one report, each person in their own browser: a guest reports with a photo,
the coordinator verifies and dispatches, the agency accepts, drafts and publishes an answer and
resolves, and the guest reads it with the secret code and rates it, which closes the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.complaints.models import Complaint, Dispatch, FollowUp, Status
from tests.e2e.helpers import (
    GUEST_NAME,
    definition,
    open_complaint,
    open_queue,
    padang_regions,
    panel,
    png_file,
    send_report,
    sign_in,
    start,
    status_message,
    tr,
    with_authenticator,
)

TITLE = "Jembatan kayu di Bungus lapuk"
DESCRIPTION = (
    "Papan jembatan kayu menuju sekolah di Bungus sudah lapuk dan berlubang; "
    "anak-anak harus melompat setiap pagi."
)
ANSWER = "Tim UPTD sudah mengganti papan jembatan pada hari Senin. Terima kasih atas laporannya."


@pytest.mark.django_db(transaction=True)
def test_a_guest_report_travels_to_an_answer_and_is_closed_by_its_rating(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    _padang, district = padang_regions()
    coordinator_device = with_authenticator(world.coordinator)
    liaison_device = with_authenticator(world.liaison)
    operator_device = with_authenticator(world.operator)
    agency = world.public_works.name

    # 1. A guest reports, with a photo, and keeps the receipt.
    guest = visit()
    tracking_id, secret = send_report(
        guest,
        title=TITLE,
        description=DESCRIPTION,
        photo=png_file(tmp_path),
        place=("Kota Padang", "Bungus Teluk Kabung"),
    )
    complaint = Complaint.objects.get(tracking_id=tracking_id)
    assert complaint.status == Status.SUBMITTED
    assert complaint.reporter_id is None and complaint.reporter_name == GUEST_NAME
    assert complaint.region == district and complaint.category == world.category
    photo = complaint.attachments.get()
    assert photo.original_name == "jalan-berlubang.png" and photo.from_reporter

    # 2. The coordinator signs in (password, then the authenticator) and dispatches it.
    coordinator = visit()
    sign_in(coordinator, world.coordinator, coordinator_device)
    open_queue(coordinator, "Verification")
    coordinator.check("verification-queue")
    open_complaint(coordinator, tracking_id)
    page = coordinator.page
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    # A plain (not anonymous) report: the coordinator sees who sent it.
    expect(definition(page, tr("Name"))).to_have_text(GUEST_NAME)
    expect(page.get_by_role("link", name=photo.original_name)).to_be_visible()
    coordinator.check("workspace-to-verify")
    dispatch = panel(page, tr("Verify and dispatch"))
    dispatch.get_by_label(tr("Lead agency")).select_option(label=agency)
    dispatch.get_by_label(tr("Note to the agencies")).fill("Mohon ditinjau minggu ini.")
    dispatch.get_by_role("button", name=tr("Dispatch")).click()
    status_message(page, tr("Dispatched to %(agency)s.", agency=agency))
    coordinator.check("workspace-dispatched")
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED and complaint.lead_agency == world.public_works

    # 3. The agency's liaison officer accepts the dispatch (accepting is theirs, DESIGN §2).
    liaison = visit()
    sign_in(liaison, world.liaison, liaison_device)
    open_queue(liaison, "Agency inbox")
    liaison.check("inbox")
    open_complaint(liaison, tracking_id)
    page = liaison.page
    accept = panel(page, tr("Accept the dispatch to %(agency)s", agency=agency))
    liaison.check("workspace-to-accept")
    accept.get_by_role("button", name=tr("Accept")).click()
    status_message(page, tr("The dispatch to %(agency)s was accepted.", agency=agency))
    liaison.check("workspace-accepted")
    assert complaint.dispatches.get().state == Dispatch.State.ACCEPTED

    # 4. The agency operator drafts the answer and sends it for approval.
    operator = visit()
    sign_in(operator, world.operator, operator_device)
    open_queue(operator, "Agency inbox")
    operator.check("inbox")
    open_complaint(operator, tracking_id)
    page = operator.page
    draft = panel(page, tr("Draft a follow-up"))
    draft.get_by_label(tr("Follow-up text")).fill(ANSWER)
    operator.check("workspace-drafting")
    draft.get_by_role("button", name=tr("Save draft")).click()
    status_message(
        page, tr("The follow-up draft was saved. Submit it for approval when it is ready.")
    )
    followup = FollowUp.objects.get(complaint=complaint)
    assert followup.state == FollowUp.State.DRAFT
    # Follow-ups are numbered per complaint: this is its first.
    submit = panel(page, tr("Submit follow-up #%(number)s for approval", number="1"))
    expect(submit.get_by_label(tr("Follow-up text"))).to_have_value(ANSWER)
    operator.check("workspace-draft-saved")
    submit.get_by_role("button", name=tr("Submit for approval")).click()
    status_message(page, tr("The follow-up was sent for approval."))
    operator.check("workspace-draft-submitted")
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.PENDING

    # 5. The liaison officer approves (publishes) it from the approval queue and resolves.
    liaison.go("/staf/")
    open_queue(liaison, "Approval")
    liaison.check("approval-queue")
    open_complaint(liaison, tracking_id)
    page = liaison.page
    approve = panel(page, tr("Approve and publish follow-up #%(number)s", number="1"))
    expect(approve.get_by_role("blockquote")).to_contain_text(ANSWER)
    liaison.check("workspace-to-approve")
    approve.get_by_role("button", name=tr("Approve and publish")).click()
    status_message(page, tr("The follow-up was approved and published to the reporter."))
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.PUBLISHED
    resolve = panel(page, tr("Mark resolved"))
    liaison.check("workspace-to-resolve")
    resolve.get_by_role("button", name=tr("Mark resolved")).click()
    status_message(page, tr("The complaint is marked resolved; the reporter has time to respond."))
    liaison.check("workspace-resolved")
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED

    # 6. The guest, in a new browser, opens the report with the secret code, reads the
    #    answer and rates the handling, which closes the report.
    reader = visit()
    page = reader.go(f"/lacak/{tracking_id}/")
    expect(page.get_by_label(tr("Tracking ID"))).to_have_value(tracking_id)
    reader.check("track-deep-link")
    page.get_by_label(tr("Secret code")).fill(secret)
    page.get_by_role("button", name=tr("Open the report")).click()
    expect(page).to_have_url(re.compile(rf"/lacak/{tracking_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    answers = page.get_by_role("region", name=tr("Answers from the agencies"))
    expect(answers).to_contain_text(ANSWER)
    expect(answers.get_by_role("heading", name=agency)).to_be_visible()
    expect(definition(page, tr("Status"))).to_have_text(tr("Awaiting reporter response"))
    reader.check("track-resolved")
    rate = page.locator("form").filter(
        has=page.get_by_role("heading", name=tr("Rate the handling"))
    )
    rate.get_by_label(tr("5 — very good")).check()
    rate.get_by_label(tr("Comment (optional)")).fill("Cepat dan jelas, terima kasih.")
    rate.get_by_role("button", name=tr("Send the rating")).click()
    status_message(page, tr("Thank you for your rating."))
    expect(definition(page, tr("Status"))).to_have_text(tr("Closed"))
    expect(definition(page, tr("Your rating"))).to_have_text(tr("%(score)s out of 5", score="5"))
    expect(page.get_by_role("heading", name=tr("Rate the handling"))).to_have_count(0)
    reader.check("track-closed")

    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.rating == 5 and complaint.rating_comment == "Cepat dan jelas, terima kasih."
    assert complaint.closed_at is not None
