"""Issue 7 in a real browser (Chromium): an agency
operator opens the knowledge library from the menu, adds a canned response for the agency, and
starts a follow-up from it on a complaint; the text arrives filled in. Each page is checked with
axe-core (WCAG 2.1 AA) and kept as a screenshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.complaints.models import Clock, FollowUp
from aduan.knowledge import placeholders
from aduan.knowledge.loaders import load_regulations
from tests.e2e.helpers import contains, panel, sign_in, start, tr, with_authenticator
from tests.world import make


@pytest.mark.django_db(transaction=True)
def test_an_operator_keeps_a_canned_response_and_answers_with_it(
    visit: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    world = start(settings, tmp_path)
    load_regulations()
    complaint = make(world, "dispatched")
    device = with_authenticator(world.operator)

    operator = visit()
    sign_in(operator, world.operator, device)
    page = operator.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Knowledge")).click()
    expect(page).to_have_url(re.compile(r"/staf/pengetahuan/$"))
    expect(page.get_by_role("link", name=contains("Nomor 76 Tahun 2013"))).to_be_visible()
    operator.check("knowledge-documents")
    page.get_by_label(tr("Search")).fill("presiden")
    page.get_by_role("button", name=tr("Filter")).click()
    expect(page.get_by_role("link", name=contains("Peraturan Presiden"))).to_have_count(1)
    expect(page.get_by_role("link", name=contains("Undang-Undang"))).to_have_count(0)
    page.get_by_role("link", name=contains("Peraturan Presiden")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nomor 76 Tahun 2013")
    operator.check("knowledge-document")

    page.get_by_role("link", name=tr("Knowledge")).first.click()
    page.get_by_role("link", name=tr("Canned responses")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Knowledge"))
    operator.check("knowledge-templates-empty")
    page.get_by_role("link", name=tr("Add a canned response")).click()
    operator.check("knowledge-template-form")
    page.get_by_label(tr("Title")).fill("Jadwal perbaikan jalan")
    page.get_by_label(tr("Category")).select_option(label="Jalan rusak")
    page.get_by_label(tr("Text")).fill(
        "Laporan {nomor_laporan} diperbaiki {nama_instansi} sebelum {tenggat}."
    )
    page.get_by_role("button", name=tr("Save")).click()
    expect(page).to_have_url(re.compile(r"/staf/pengetahuan/template-jawaban/$"))
    expect(page.get_by_text("Jadwal perbaikan jalan")).to_be_visible()
    operator.check("knowledge-templates")

    operator.go(f"/staf/aduan/{complaint.tracking_id}/")
    box = panel(page, tr("Draft a follow-up"))
    box.get_by_label(tr("Start from a canned response")).select_option(
        label="Jadwal perbaikan jalan (Dinas Pekerjaan Umum)"
    )
    due = complaint.clocks.get(kind=Clock.Kind.RESOLUTION, state=Clock.State.RUNNING).due_at
    filled = (
        f"Laporan {complaint.tracking_id} diperbaiki Dinas Pekerjaan Umum sebelum "
        f"{placeholders.format_day(due)}."
    )
    expect(box.get_by_label(tr("Follow-up text"))).to_have_value(filled)
    operator.check("followup-filled")
    box.get_by_role("button", name=tr("Save draft")).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert FollowUp.objects.get(complaint=complaint).body == filled
