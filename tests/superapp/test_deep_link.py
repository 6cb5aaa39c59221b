"""The Super-App's deep link /superapp/lacak/<tracking-id>/, the safe ``next``, and the feature
switched off."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils.html import escape

from aduan.core import clock
from aduan.portal.passes import remember_pass
from aduan.superapp.models import SuperAppIdentity
from aduan.superapp.views import safe_next
from tests.portal.conftest import GuestMaker
from tests.superapp.conftest import come_back, sign_in, start
from tests.superapp.provider import ISSUER, OidcProvider
from tests.world import World

pytestmark = pytest.mark.django_db

SECRET_FORM_TEXT = "Enter the secret code you received with this report to open it."


def link(world: World, user_key: str, subject: str = "madani-0001") -> None:
    SuperAppIdentity.objects.create(
        user=getattr(world, user_key), issuer=ISSUER, subject=subject, created_at=clock.now()
    )


def test_own_report_after_super_app_sign_in(
    world: World, provider: OidcProvider, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched")
    link(world, "reporter")

    response = sign_in(en_client, provider, f"/superapp/lacak/{complaint.tracking_id}/")

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    page = en_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert escape(complaint.title) in html
    assert SECRET_FORM_TEXT not in html


def test_someone_elses_report_shows_the_secret_form(
    world: World, provider: OidcProvider, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched")
    link(world, "outsider")

    response = sign_in(en_client, provider, f"/superapp/lacak/{complaint.tracking_id}/")

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    page = en_client.get(response["Location"])
    html = page.content.decode()
    assert SECRET_FORM_TEXT in html
    assert escape(complaint.title) not in html
    assert escape(complaint.description) not in html


def test_a_signed_in_person_goes_straight_to_the_report(
    world: World, provider: OidcProvider, client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint()
    client.force_login(world.reporter)

    response = client.get(f"/superapp/lacak/{complaint.tracking_id.lower()}/")

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    assert provider.requests == []  # no sign-in needed


def test_a_browser_holding_the_guest_pass_goes_straight_to_the_report(
    world: World, provider: OidcProvider, client: Client, guest_complaint: GuestMaker
) -> None:
    complaint, _secret = guest_complaint()
    session = client.session
    remember_pass(session, complaint)
    session.save()

    response = client.get(f"/superapp/lacak/{complaint.tracking_id}/")

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    assert provider.requests == []


def test_a_cancelled_sign_in_goes_on_to_the_secret_form(
    world: World, provider: OidcProvider, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint()
    typed = complaint.tracking_id.replace("-", "").lower()

    response = come_back(
        en_client, provider.deny(start(en_client, f"/superapp/lacak/{typed}/")["Location"])
    )

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"
    assert SECRET_FORM_TEXT in en_client.get(response["Location"]).content.decode()


def test_a_garbage_tracking_id_goes_to_the_track_form(
    provider: OidcProvider, client: Client
) -> None:
    response = client.get("/superapp/lacak/" + "X" * 200 + "/")

    assert response["Location"] == "/lacak/"
    assert provider.requests == []


# --- next -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        " //evil.example",
        "laporan-saya/",
    ],
)
def test_next_never_leaves_the_site(provider: OidcProvider, client: Client, target: str) -> None:
    response = sign_in(client, provider, next=target)

    assert response["Location"] == "/laporan-saya/"  # the default after sign-in


def test_an_evil_next_is_not_even_offered_on_the_sign_in_page(
    provider: OidcProvider, client: Client
) -> None:
    html = client.get("/akun/masuk/?next=https://evil.example/").content.decode()

    assert 'href="/superapp/masuk/"' in html
    assert "/superapp/masuk/?next" not in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/lacak/SB-AAAA-BBBB/", "/lacak/SB-AAAA-BBBB/"),
        ("/laporan-saya/?cursor=abc", "/laporan-saya/?cursor=abc"),
        ("http://testserver/laporan-saya/", ""),  # absolute URLs are not needed, so refused
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),  # a path on this site
        ("", ""),
    ],
)
def test_safe_next(rf: RequestFactory, value: str, expected: str) -> None:
    assert safe_next(rf.get("/"), value) == expected


# --- Switched off -----------------------------------------------------------------------------


def test_without_a_provider_the_button_is_hidden_and_the_urls_are_404(
    no_provider: None, client: Client
) -> None:
    html = client.get("/akun/masuk/").content.decode()

    assert "/superapp/" not in html
    assert client.get("/superapp/masuk/").status_code == 404
    assert client.get("/superapp/masuk/kembali/?code=x&state=y").status_code == 404


def test_without_a_provider_the_deep_link_still_reaches_the_report_page(
    no_provider: None, world: World, client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint()

    response = client.get(f"/superapp/lacak/{complaint.tracking_id}/")

    assert response["Location"] == f"/lacak/{complaint.tracking_id}/"


def test_a_discovery_url_alone_is_enough(
    provider: OidcProvider, client: Client, settings: Any
) -> None:
    settings.ADUAN_SUPERAPP_OIDC_ISSUER = ""
    settings.ADUAN_SUPERAPP_OIDC_DISCOVERY_URL = provider.discovery_url

    sign_in(client, provider)

    assert client.session.get("_auth_user_id")
