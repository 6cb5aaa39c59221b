"""Regressions found in review: identities in the staff history, officers' own reports, odd
query values, agencies' files reaching the reporter."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aduan.complaints import services
from tests.portal.conftest import png_bytes
from tests.world import World, make, publish_followup, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("flag", ["is_anonymous", "is_confidential"])
def test_staff_history_hides_a_protected_reporter(
    world: World, client_for: Callable[[str], Client], flag: str
) -> None:
    complaint = make(world, "dispatched", **{flag: True})
    services.complaint_reply(actor=world.reporter, complaint=complaint, body="Info tambahan.")

    html = client_for("operator").get(f"/staf/aduan/{complaint.tracking_id}/").content.decode()

    history = html[html.index('id="history-heading"') :]
    assert world.reporter.username not in history
    # The coordinator may see an anonymous reporter's name; nobody sees a confidential one.
    coordinator = client_for("coordinator").get(f"/staf/aduan/{complaint.tracking_id}/")
    shown = world.reporter.username in coordinator.content.decode()
    assert shown is (flag == "is_anonymous")


def test_an_officer_sees_their_own_report_only_as_its_reporter(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # The public-works operator reports, as a citizen, a problem the health office handles.
    complaint = submit(world, actor=world.operator)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.health
    )
    services.note_add(actor=world.coordinator, complaint=complaint, body="Catatan internal")
    internal = services.attachment_add(
        actor=world.coordinator,
        complaint=complaint,
        upload=SimpleUploadedFile("memo.png", png_bytes(), content_type="image/png"),
        internal=True,
    )
    operator = client_for("operator")

    assert operator.get(f"/staf/aduan/{complaint.tracking_id}/").status_code == 404
    assert operator.get(f"/staf/lampiran/{internal.pk}/").status_code == 404
    page = operator.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert complaint.title in page and "Catatan internal" not in page


@pytest.mark.parametrize("agency", ["1\N{SUPERSCRIPT TWO}", "abc", "99999"])
def test_overdue_filter_ignores_odd_agency_values(
    world: World, client_for: Callable[[str], Client], agency: str
) -> None:
    response = client_for("coordinator").get("/staf/terlambat/", {"agency": agency})
    assert response.status_code in (200, 400)


def test_an_agency_file_reaches_the_reporter_with_the_next_answer(
    world: World, client_for: Callable[[str], Client]
) -> None:
    complaint = make(world, "dispatched")
    operator = client_for("operator")
    url = f"/staf/aduan/{complaint.tracking_id}/lampiran/"
    photo = SimpleUploadedFile("perbaikan.png", png_bytes(), content_type="image/png")
    memo = SimpleUploadedFile("memo.png", png_bytes(), content_type="image/png")
    assert operator.post(url, {"attach-file": photo}).status_code == 302
    assert operator.post(url, {"attach-file": memo, "attach-internal": "on"}).status_code == 302
    reporter = Client()
    reporter.force_login(world.reporter)

    before = reporter.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    publish_followup(world, complaint)
    after = reporter.get(f"/lacak/{complaint.tracking_id}/").content.decode()

    assert "perbaikan.png" not in before
    assert "perbaikan.png" in after and "memo.png" not in after
    shared = complaint.attachments.get(original_name="perbaikan.png")
    response = reporter.get(f"/lacak/{complaint.tracking_id}/lampiran/{shared.pk}/")
    assert response.status_code == 200
