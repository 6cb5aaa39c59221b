"""The Super-App's journey: the sign-in page offers "Sign in with Sumbar Madani", the
Super-App's deep link to a report signs the citizen in at its provider and shows the report,
the profile page shows the connection, and signing out ends the session at the provider too.

The provider is the simulator of tests/superapp: the server's calls reach it through an httpx
transport, the browser's visit to its authorization endpoint is answered in a Playwright route
(no network either way).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from aduan.core import clock
from aduan.superapp.models import SuperAppIdentity
from aduan.superapp.services import NO_OTHER_WAY_IN
from tests.e2e.helpers import contains, start, tr
from tests.superapp.conftest import provider  # noqa: F401 (the simulated provider, a fixture)
from tests.superapp.provider import ISSUER, OidcProvider
from tests.world import make


@pytest.mark.django_db(transaction=True)
def test_the_super_app_deep_link_opens_the_citizens_report(
    visit: Any,
    live_server: Any,
    settings: Any,
    tmp_path: Path,
    provider: OidcProvider,  # noqa: F811
) -> None:
    world = start(settings, tmp_path)
    provider.post_logout_redirect_uris = (live_server.url + "/",)
    complaint = make(world, "dispatched")
    SuperAppIdentity.objects.create(
        user=world.reporter, issuer=ISSUER, subject=provider.person.sub, created_at=clock.now()
    )

    citizen = visit(mobile=True)  # the Super-App opens links in its in-app browser

    def via_provider(route: Any) -> None:
        """Our answer sends the browser to the provider, where the person is signed in
        already and is sent straight back with a code (or, signing out, home). (Playwright
        does not route the request a redirect leads to, so the provider's hop is taken here.)"""
        answer = route.fetch(max_redirects=0)
        location = answer.headers.get("location", "")
        if not location.startswith(ISSUER):
            route.fulfill(response=answer)
            return
        back = (
            provider.end_session(location)
            if "/logout?" in location
            else provider.authorize(location)
        )
        route.fulfill(response=answer, headers={**answer.headers, "location": back})

    citizen.context.route(
        re.compile(r"/(superapp/(masuk|lacak/[^/]+)|akun/keluar)/(\?.*)?$"), via_provider
    )

    page = citizen.go("/akun/masuk/")
    expect(
        page.get_by_role("link", name=tr("Sign in with %(service)s", service="Sumbar Madani"))
    ).to_be_visible()
    citizen.check("sign-in-page")

    page = citizen.go(f"/superapp/lacak/{complaint.tracking_id}/")
    expect(page).to_have_url(re.compile(rf"/lacak/{complaint.tracking_id}/$"))
    expect(page.get_by_text(complaint.title).first).to_be_visible()
    citizen.check("deep-link-report")

    # The profile shows the connection; this account has no password, so it stays connected.
    page = citizen.go("/akun/")
    section = page.get_by_role(
        "region", name=tr("Sign-in with %(service)s", service="Sumbar Madani")
    )
    expect(section).to_be_visible()
    section.get_by_text(tr("Disconnect")).click()
    with translation.override("en"):
        no_other_way_in = str(NO_OTHER_WAY_IN)  # the msgid, for contains()
    expect(section.get_by_text(contains(no_other_way_in, service="Sumbar Madani"))).to_be_visible()
    citizen.check("profile-super-app")

    # Signing out here also signs out at the provider, which sends the browser home.
    page.get_by_role("button", name=tr("Sign out")).click()
    expect(page).to_have_url(re.compile(r"/\?state=[^&]+$"))
    expect(page.get_by_role("link", name=tr("Sign in"))).to_be_visible()
    assert provider.signed_out == [provider.person.sub]
    citizen.check("signed-out")
