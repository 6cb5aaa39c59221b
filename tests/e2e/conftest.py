"""Browser journeys in real Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Skipped, with the reason, where Chromium is not installed (a fresh machine running `make test`);
`.ci/run` installs it, so CI always runs them. Screenshots of every page visited are kept in
``var/e2e-artifacts/`` (or ``$ADUAN_E2E_ARTIFACTS``) and each page is checked with axe-core
against WCAG 2.1 A/AA: a serious or critical violation fails the test.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ADUAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("ADUAN_E2E_ARTIFACTS", "var/e2e-artifacts"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set
# up data and check results are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

if not Path(CHROMIUM).exists():
    if os.environ.get("ADUAN_E2E_REQUIRED") == "1":
        raise RuntimeError(f"ADUAN_E2E_REQUIRED=1 but Chromium is not at {CHROMIUM}")
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install -y chromium); .ci/run installs it",
        allow_module_level=True,
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


class Visit:
    """One browser context (a person) on the live server, with screenshots and axe checks."""

    def __init__(self, browser: Any, base_url: str, test_name: str, mobile: bool) -> None:
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=viewport, locale="id-ID")
        self.context.set_default_timeout(15_000)
        # No outside network: map tiles and anything else off-host are refused, as in CI.
        self.context.route(
            re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort()
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def go(self, path: str) -> Any:
        self.page.goto(self.base_url + path)
        return self.page

    def check(self, name: str, *, axe: bool = True) -> None:
        """Keep a screenshot of the page and fail on serious WCAG 2.1 AA violations."""
        self.step += 1
        stem = f"{self.step:02d}-{name}"
        self.page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True)
        if not axe:
            return
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(
            self.page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        if violations:
            (self.folder / f"{stem}-axe.json").write_text(json.dumps(violations, indent=2))
        assert not blocking, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in blocking
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``visit(mobile=False)`` opens a fresh browser context (a new person) on the live server."""
    opened: list[Visit] = []

    def open_visit(*, mobile: bool = False) -> Visit:
        label = f"{request.node.name}-{len(opened) + 1}"
        opened.append(Visit(browser, live_server.url, label, mobile))
        return opened[-1]

    yield open_visit
    for item in opened:
        item.close()
