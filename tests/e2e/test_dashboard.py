"""A leader opens the dashboard from the back-office menu: the figures, every chart image
loaded, the filter for one agency and one quarter, and a printout without menus and filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from aduan.complaints import services
from aduan.complaints.models import Channel
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring.models import Target
from tests.e2e.helpers import contains, sign_in, start, tr, with_authenticator
from tests.world import make, submit


@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_filters_and_prints_the_dashboard(
    visit: Any, settings: Any, tmp_path: Path
) -> None:
    world = start(settings, tmp_path)
    device = with_authenticator(world.leadership)
    # Rollups follow each change on commit (this test's database commits for real).
    for state in ("dispatched", "in_progress", "resolved"):
        make(world, state)
    services.complaint_dispatch(
        actor=world.coordinator,
        complaint=submit(world, channel=Channel.WHATSAPP),
        lead_agency=world.health,
    )

    leader = visit()
    sign_in(leader, world.leadership, device)
    page = leader.page
    page.get_by_role("navigation").get_by_role("link", name=tr("Dashboard")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(contains("Whole province"))
    expect(page.locator("#stat-received .stat-value")).to_have_text("4")
    images = page.locator("img.chart-image")
    expect(images).to_have_count(8)
    page.wait_for_load_state("load")
    widths = images.evaluate_all("(all) => all.map((img) => img.naturalWidth)")
    assert all(width > 0 for width in widths), widths
    leader.check("province")

    page.get_by_label(tr("Agency")).select_option(label=world.health.name)
    quarter = (local_date(clock.now()).month - 1) // 3 + 1
    page.get_by_label(tr("Quarter")).select_option(value=str(quarter))
    page.get_by_role("button", name=tr("Show")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.health.name)
    expect(page.locator("#stat-received .stat-value")).to_have_text("1")
    leader.check("agency")

    page.emulate_media(media="print")
    expect(page.locator("form.dashboard-filters")).to_be_hidden()
    expect(page.get_by_role("navigation")).to_be_hidden()
    expect(page.locator(".chart-downloads").first).to_be_hidden()
    expect(images.first).to_be_visible()
    leader.check("print", axe=False)

    # The leader raises next year's target on the targets page.
    page.emulate_media(media="screen")
    page.get_by_role("link", name=tr("Edit the action-plan targets")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Action-plan targets"))
    leader.check("targets")
    new_row = Target.objects.count()  # the empty row after the existing years
    page.get_by_label(tr("New year")).fill("2025")
    page.locator(f"#id_form-{new_row}-complaints").fill("90")
    page.locator(f"#id_form-{new_row}-resolved_percent").fill("100")
    page.get_by_role("button", name=tr("Save targets")).click()
    expect(page.get_by_role("status")).to_contain_text("2025")
    assert Target.objects.get(year=2025).complaints == 90
    leader.check("targets-saved")
