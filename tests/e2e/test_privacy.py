"""An anonymous and a confidential report, sent through the portal: the coordinator sees the
anonymous reporter only; the agency sees neither reporter; the public sees the anonymous report
without any personal data and does not see the confidential one at all (DESIGN §3, privacy)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.complaints.models import Complaint, Status
from tests.e2e.helpers import (
    GUEST_NAME,
    contains,
    definition,
    open_complaint,
    open_queue,
    panel,
    send_report,
    shows_no_personal_data,
    sign_in,
    start,
    status_message,
    tr,
    with_authenticator,
)

ANONYMOUS_TITLE = "Lampu jalan mati di Jalan Proklamasi"
CONFIDENTIAL_TITLE = "Pungutan liar saat mengurus izin jalan"
DESCRIPTION = "Sudah dua minggu keadaan ini dibiarkan; mohon segera ditindaklanjuti petugas."


def reporter_section(page: Any) -> Any:
    return page.get_by_role("region", name=tr("Reporter"))


def coordinator_dispatches(visit: Any, tracking_id: str, agency: str) -> None:
    page = visit.page
    dispatch = panel(page, tr("Verify and dispatch"))
    dispatch.get_by_label(tr("Lead agency")).select_option(label=agency)
    dispatch.get_by_role("button", name=tr("Dispatch")).click()
    status_message(page, tr("Dispatched to %(agency)s.", agency=agency))
    visit.check("workspace-dispatched")


@pytest.mark.django_db(transaction=True)
def test_anonymous_and_confidential_reports_hide_the_reporter(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    coordinator_device = with_authenticator(world.coordinator)
    operator_device = with_authenticator(world.operator)
    agency = world.public_works.name

    guest = visit()
    anonymous_id, _secret = send_report(
        guest, title=ANONYMOUS_TITLE, description=DESCRIPTION, anonymous=True
    )
    confidential_id, _secret = send_report(
        guest, title=CONFIDENTIAL_TITLE, description=DESCRIPTION, confidential=True
    )
    anonymous = Complaint.objects.get(tracking_id=anonymous_id)
    confidential = Complaint.objects.get(tracking_id=confidential_id)
    assert anonymous.is_anonymous and not anonymous.is_confidential
    assert confidential.is_confidential and not confidential.is_anonymous
    assert anonymous.reporter_name == confidential.reporter_name == GUEST_NAME

    # The coordinator sees who sent the anonymous report, not who sent the confidential one
    # (that takes a reveal with a reason, which is offered), and dispatches both.
    coordinator = visit()
    sign_in(coordinator, world.coordinator, coordinator_device)
    open_queue(coordinator, "Verification")
    coordinator.check("verification-queue")
    open_complaint(coordinator, anonymous_id)
    page = coordinator.page
    expect(definition(reporter_section(page), tr("Name"))).to_have_text(GUEST_NAME)
    coordinator.check("workspace-anonymous")
    coordinator_dispatches(coordinator, anonymous_id, agency)

    coordinator.go("/staf/verifikasi/")
    open_complaint(coordinator, confidential_id)
    reporter = reporter_section(page)
    expect(reporter).to_contain_text(contains("Hidden"))
    expect(reporter).to_contain_text(
        contains("a confidential report: the identity is shown only after an audited reveal.")
    )
    expect(
        page.locator("summary").filter(has_text=tr("Reveal the reporter's identity"))
    ).to_be_visible()
    shows_no_personal_data(page, confidential)
    coordinator.check("workspace-confidential")
    coordinator_dispatches(coordinator, confidential_id, agency)
    for complaint in (anonymous, confidential):
        complaint.refresh_from_db()
        assert complaint.status == Status.DISPATCHED
        assert complaint.lead_agency == world.public_works

    # The agency handles both without learning who sent either.
    operator = visit()
    sign_in(operator, world.operator, operator_device)
    open_queue(operator, "Agency inbox")
    page = operator.page
    for tracking_id in (anonymous_id, confidential_id):
        expect(page.get_by_role("link", name=tracking_id, exact=True)).to_be_visible()
    operator.check("inbox")
    for complaint, why in (
        (anonymous, "an anonymous report: only the coordinators see the identity."),
        (
            confidential,
            "a confidential report: the identity is shown only after an audited reveal.",
        ),
    ):
        operator.go("/staf/kotak-masuk/")
        open_complaint(operator, complaint.tracking_id)
        reporter = reporter_section(page)
        expect(reporter).to_contain_text(contains("Hidden"))
        expect(reporter).to_contain_text(contains(why))
        expect(reporter.get_by_role("term")).to_have_count(0)
        expect(page.locator("summary").filter(has_text=tr("Draft a follow-up"))).to_be_visible()
        expect(
            page.locator("summary").filter(has_text=tr("Reveal the reporter's identity"))
        ).to_have_count(0)
        shows_no_personal_data(page, complaint)
        operator.check(f"workspace-{'anonymous' if complaint.is_anonymous else 'confidential'}")

    # The public: the anonymous report is listed and readable, without personal data; the
    # confidential one is on no public page and its address answers "not found".
    public = visit()
    page = public.go("/")
    expect(page.get_by_role("link", name=ANONYMOUS_TITLE)).to_be_visible()
    expect(page.get_by_text(CONFIDENTIAL_TITLE)).to_have_count(0)
    public.check("home")
    page = public.go("/laporan/")
    results = page.get_by_role("region", name=tr("Reports"))
    expect(results.get_by_role("link", name=ANONYMOUS_TITLE)).to_be_visible()
    expect(page.get_by_text(CONFIDENTIAL_TITLE)).to_have_count(0)
    shows_no_personal_data(page, anonymous)
    public.check("public-list")
    page.get_by_label(tr("Search")).fill("pungutan")
    page.get_by_role("button", name=tr("Show")).first.click()
    expect(page).to_have_url(re.compile(r"/laporan/\?q=pungutan"))
    expect(page.get_by_role("region", name=tr("Reports")).get_by_role("listitem")).to_have_count(0)
    public.check("public-list-search-confidential")
    page = public.go("/laporan/")
    page.get_by_role("link", name=ANONYMOUS_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/laporan/{anonymous_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ANONYMOUS_TITLE)
    expect(page.locator("body")).to_contain_text(DESCRIPTION)
    shows_no_personal_data(page, anonymous)
    public.check("public-detail-anonymous")
    response = public.page.goto(f"{public.base_url}/laporan/{confidential_id}/")
    assert response is not None and response.status == 404
    expect(public.page.locator("body")).not_to_contain_text(CONFIDENTIAL_TITLE)
    public.check("public-detail-confidential-404")
