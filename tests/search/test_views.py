"""The public search page (/cari/) and the staff search page (/cari/staf/)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from aduan.search.text import EMPTY_QUERY, MAX_QUERY_LENGTH, QUERY_TOO_LONG
from aduan.search.views import PAGE_SIZE
from tests.world import World, make, staff_login, submit

pytestmark = pytest.mark.django_db


def ids(html: str) -> list[str]:
    return re.findall(r'data-tracking-id="([^"]+)"', html)


def test_public_page_shows_only_public_matches_without_private_data(
    world: World, client: Client
) -> None:
    public = make(world, "dispatched", title="Sampah menumpuk", description="Di depan pasar besar.")
    hidden = make(
        world,
        "dispatched",
        title="Sampah liar",
        description="Rahasia sekali ini.",
        is_confidential=True,
    )
    response = client.get(reverse("search:public"), {"q": "limbah"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ids(html) == [public.tracking_id]
    assert hidden.tracking_id not in html
    assert "Rahmawati" not in html and "081234567890" not in html
    assert reverse("portal:public_detail", args=[public.tracking_id]) in html


def test_public_page_without_a_search_shows_the_form(world: World, client: Client) -> None:
    response = client.get(reverse("search:public"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html and 'id="search-results"' not in html
    assert 'id="search-error"' not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", lambda: str(EMPTY_QUERY)),
        ("x" * 201, lambda: str(QUERY_TOO_LONG) % {"limit": MAX_QUERY_LENGTH}),
    ],
)
def test_public_page_explains_a_bad_search(
    world: World, client: Client, query: str, message: Any
) -> None:
    response = client.get(reverse("search:public"), {"q": query}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="search-error"' in html
    # In the page's language, whichever the site chose.
    language = re.search(r'<html lang="([^"]+)"', html)
    assert language is not None
    with translation.override(language.group(1)):
        assert escape(message()) in html


def test_public_page_punctuation_only_has_no_results(world: World, client: Client) -> None:
    make(world, "dispatched")
    response = client.get(reverse("search:public"), {"q": "?!"})
    assert response.status_code == 200
    assert ids(response.content.decode()) == []


def test_public_page_more_link_continues_newest_first(world: World, client: Client) -> None:
    made = [
        make(world, "dispatched", title=f"Jalan rusak {n}", description="Aspal mengelupas.")
        for n in range(PAGE_SIZE + 2)
    ]
    first = client.get(reverse("search:public"), {"q": "jalan"})
    html = first.content.decode()
    assert ids(html) == [c.tracking_id for c in reversed(made)][:PAGE_SIZE]
    more = re.search(r'href="([^"]+)" rel="next"', html)
    assert more is not None
    second = client.get(reverse("search:public") + more.group(1).replace("&amp;", "&"))
    assert ids(second.content.decode()) == [made[1].tracking_id, made[0].tracking_id]


def test_portal_navigation_links_the_search(world: World, client: Client) -> None:
    assert reverse("search:public") in client.get(reverse("portal:home")).content.decode()


def test_staff_page_is_scoped_to_the_officer(world: World, client: Client) -> None:
    ours = make(world, "dispatched", title="Jalan rusak", description="Di depan pasar besar.")
    elsewhere = submit(world, title="Jalan rusak lagi", description="Belum didisposisi.")
    staff_login(client, world.operator)
    response = client.get(reverse("search:staff"), {"q": "jln"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ids(html) == [ours.tracking_id]
    assert elsewhere.tracking_id not in html
    assert reverse("backoffice:complaint", args=[ours.tracking_id]) in html
    assert response["Cache-Control"] == "private, no-store"


def test_staff_page_for_the_coordinator_sees_everything(world: World, client: Client) -> None:
    ours = make(world, "dispatched", title="Jalan rusak", description="Di depan pasar besar.")
    waiting = submit(world, title="Jalan rusak lagi", description="Belum didisposisi.")
    staff_login(client, world.coordinator)
    response = client.get(reverse("search:staff"), {"q": "jalan"})
    assert ids(response.content.decode()) == [waiting.tracking_id, ours.tracking_id]


def test_staff_page_refuses_non_staff_and_guests(world: World, client: Client) -> None:
    response = client.get(reverse("search:staff"), {"q": "jalan"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(world.reporter)
    assert client.get(reverse("search:staff"), {"q": "jalan"}).status_code == 403
    staff_login(client, world.monitor)  # reads aggregates only
    assert client.get(reverse("search:staff"), {"q": "jalan"}).status_code == 403


def test_staff_page_needs_the_second_factor(world: World, client: Client, settings: Any) -> None:
    settings.ADUAN_STAFF_REQUIRE_2FA = True
    client.force_login(world.coordinator)
    response = client.get(reverse("search:staff"), {"q": "jalan"})
    assert response.status_code == 302
    assert reverse("accounts:two_factor") in response["Location"]


def test_staff_menu_links_the_search(world: World, client: Client) -> None:
    staff_login(client, world.operator)
    html = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("search:staff") in html
