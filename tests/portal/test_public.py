"""Public pages: /laporan/ (filters, search, sorting, keyset pages, "dukung") and
/laporan/<tracking-id>/. No personal data, ever."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aduan.complaints import services
from aduan.complaints.models import Complaint, Status, Support
from aduan.core.calendar import JAKARTA
from tests.portal.conftest import GUEST_EMAIL, GUEST_NAME, GuestMaker, Places
from tests.world import World, frozen_at

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[str]:
    return [item.tracking_id for item in response.context["items"]]


def test_the_public_list_renders_without_signing_in(world: World, client: Client) -> None:
    response = client.get("/laporan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<title>" in html


def test_only_verified_non_confidential_non_supervisory_reports_are_listed(
    world: World, client: Client, make_complaint: Any
) -> None:
    public = [
        make_complaint(state) for state in ("dispatched", "in_progress", "resolved", "closed")
    ]
    hidden = [
        make_complaint("submitted"),
        make_complaint("on_hold"),
        make_complaint("archived"),
        make_complaint("transferred"),
        make_complaint("in_progress", is_confidential=True),
    ]
    # Officials' misconduct goes to the Inspectorate only, never to the public.
    supervisory = make_complaint("submitted", is_supervisory=True)
    hidden.append(
        services.complaint_dispatch(
            actor=world.coordinator,
            complaint=supervisory,
            lead_agency=world.inspectorate_agency,
        )
    )

    response = client.get("/laporan/")

    assert set(listed(response)) == {c.tracking_id for c in public}
    for complaint in hidden:
        assert client.get(f"/laporan/{complaint.tracking_id}/").status_code == 404
    for complaint in public:
        assert client.get(f"/laporan/{complaint.tracking_id}/").status_code == 200


def test_public_pages_carry_no_personal_data(
    world: World, client: Client, make_complaint: Any, guest_complaint: GuestMaker
) -> None:
    world.liaison.first_name, world.liaison.last_name = "Andi", "Pratama"
    world.liaison.save()
    world.operator.first_name = "Yusuf"
    world.operator.save()
    signed_in = make_complaint("resolved")
    anonymous = make_complaint("in_progress", is_anonymous=True, address_text="Rumah Bu Siti")
    guest, _secret = guest_complaint("in_progress")

    pages = [
        client.get("/").content.decode(),
        client.get("/laporan/").content.decode(),
        *[
            client.get(f"/laporan/{c.tracking_id}/").content.decode()
            for c in (signed_in, anonymous, guest)
        ],
    ]

    personal = [
        "Siti",
        "Rahmawati",
        "081234567890",
        "+6281234567890",
        "warga@example.org",
        GUEST_NAME,
        "+6281299990000",
        GUEST_EMAIL,
        "Andi",
        "Pratama",
        "Yusuf",
        "penghubung",
        "koordinator",
    ]
    for html in pages:
        assert signed_in.title in html
        for text in personal:
            assert text not in html, text


def test_the_detail_shows_published_followups_and_public_steps(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("resolved")
    draft = services.followup_draft(
        actor=world.operator, complaint=complaint, body="Draf internal belum disetujui."
    )
    assert draft.pk

    html = en_client.get(f"/laporan/{complaint.tracking_id}/").content.decode()

    assert "Sudah dijadwalkan perbaikan." in html
    assert "Draf internal belum disetujui." not in html
    assert "The report was received." in html
    assert "Verified and sent to Dinas Pekerjaan Umum." in html
    assert "Dinas Pekerjaan Umum published a follow-up." in html
    assert "Marked as solved by the agency." in html


def test_the_list_costs_the_same_queries_for_3_or_25_rows(
    world: World, client: Client, make_complaint: Any
) -> None:
    for _index in range(3):
        make_complaint("dispatched")
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get("/laporan/"))) == 3
    for _index in range(22):
        make_complaint("in_progress")
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client.get("/laporan/"))) == 20
    assert len(few) == len(many) <= 6

    # A visitor with a session (who supported one) costs a constant extra too.
    client.post(f"/laporan/{Complaint.objects.filter(status=Status.DISPATCHED).first()}/dukung/")
    with CaptureQueriesContext(connection) as with_session:
        client.get("/laporan/")
    with CaptureQueriesContext(connection) as with_session_filtered:
        client.get("/laporan/", {"status": "dispatched"})
    assert len(with_session) == len(with_session_filtered) <= 8


def test_keyset_pages_follow_the_cursor_to_the_end(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    created = [make_complaint("dispatched") for _index in range(25)]
    newest_first = [c.tracking_id for c in sorted(created, key=lambda c: (c.submitted_at, c.pk))][
        ::-1
    ]

    first = en_client.get("/laporan/")
    cursor = first.context["page"].next_cursor
    assert cursor and f"cursor={cursor}" in first.content.decode()
    second = en_client.get("/laporan/", {"cursor": cursor})
    assert second.context["page"].next_cursor is None
    assert listed(first) + listed(second) == newest_first
    previous = en_client.get("/laporan/", {"cursor": second.context["page"].previous_cursor})
    assert listed(previous) == listed(first)

    bad = en_client.get("/laporan/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert "This page link is no longer valid." in bad.content.decode()


def test_filters_by_agency_category_status_and_period(
    world: World, client: Client, make_complaint: Any
) -> None:
    from aduan.agencies.models import Category

    other_category = Category.objects.create(code="kesehatan", name="Kesehatan")
    with frozen_at(datetime(2024, 3, 10, 9, 0, tzinfo=JAKARTA)):
        old = make_complaint("in_progress")
    roads = make_complaint("dispatched")
    categorised = make_complaint("dispatched", category=other_category)
    to_health = services.complaint_submit(
        actor=world.reporter, title="Puskesmas tutup", description="Puskesmas tutup siang hari."
    ).complaint
    services.complaint_dispatch(
        actor=world.coordinator, complaint=to_health, lead_agency=world.health
    )

    def ids(**params: str) -> set[str]:
        response = client.get("/laporan/", params)
        assert response.status_code == 200
        return set(listed(response))

    assert ids(agency="DINKES") == {to_health.tracking_id}
    assert to_health.tracking_id not in ids(agency="DPU")
    assert ids(category=str(other_category.pk)) == {categorised.tracking_id}
    assert ids(status="in_progress") == {old.tracking_id}
    assert ids(date_from="2024-03-01", date_to="2024-03-31") == {old.tracking_id}
    assert old.tracking_id not in ids(date_from="2024-03-11")
    assert roads.tracking_id in ids(date_from="2024-03-11")
    # Statuses the public never sees cannot be asked for.
    assert client.get("/laporan/", {"status": "submitted"}).status_code == 400
    assert client.get("/laporan/", {"agency": "NOPE"}).status_code == 400
    # Days far off are refused, not turned into a midnight that does not exist.
    for far in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}):
        refused = client.get("/laporan/", far)
        assert refused.status_code == 400
        assert "Pilih tanggal antara 2000 dan 2100." in refused.content.decode()


def test_a_category_filter_includes_its_sub_categories(
    world: World, client: Client, make_complaint: Any
) -> None:
    world.category.parent = parent = type(world.category).objects.create(
        code="infrastruktur", name="Infrastruktur"
    )
    world.category.save()
    complaint = make_complaint("dispatched")
    assert set(listed(client.get("/laporan/", {"category": str(parent.pk)}))) == {
        complaint.tracking_id
    }


def test_the_region_filter_includes_sub_regions(
    world: World, client: Client, make_complaint: Any, places: Places
) -> None:
    in_village = make_complaint("dispatched", region=places.padang_village)
    in_padang = make_complaint("dispatched", region=places.padang)
    in_agam = make_complaint("dispatched", region=places.agam_district)
    make_complaint("dispatched")  # no place

    assert set(listed(client.get("/laporan/", {"region": "13.71"}))) == {
        in_village.tracking_id,
        in_padang.tracking_id,
    }
    assert set(listed(client.get("/laporan/", {"region": "13.06"}))) == {in_agam.tracking_id}


def test_text_search_and_sorting(world: World, client: Client, make_complaint: Any) -> None:
    market = make_complaint("dispatched", title="Sampah menumpuk di pasar")
    lamp = make_complaint(
        "dispatched", title="Lampu jalan mati", description="Lampu di Jalan Veteran mati total."
    )
    school = make_complaint(
        "dispatched", title="Atap sekolah bocor", description="Atap kelas bocor saat hujan."
    )
    for index in range(3):
        services.complaint_support(actor=None, complaint=lamp, supporter_key=f"test:{index}")
    services.complaint_support(actor=None, complaint=school, supporter_key="test:a")

    assert listed(client.get("/laporan/", {"q": "PASAR"})) == [market.tracking_id]
    assert listed(client.get("/laporan/", {"q": "veteran total"})) == [lamp.tracking_id]
    assert listed(client.get("/laporan/", {"q": "veteran bocor"})) == []
    assert listed(client.get("/laporan/", {"sort": "supported"})) == [
        lamp.tracking_id,
        school.tracking_id,
        market.tracking_id,
    ]
    assert listed(client.get("/laporan/", {"sort": "oldest"})) == [
        market.tracking_id,
        lamp.tracking_id,
        school.tracking_id,
    ]
    assert listed(client.get("/laporan/", {"sort": "newest"}))[0] == school.tracking_id


def test_supported_sort_pages_by_keyset(world: World, client: Client, make_complaint: Any) -> None:
    created = [make_complaint("dispatched") for _index in range(23)]
    for index, complaint in enumerate(created[:5]):
        services.complaint_support(actor=None, complaint=complaint, supporter_key=f"k{index}")
    first = client.get("/laporan/", {"sort": "supported"})
    second = client.get(
        "/laporan/", {"sort": "supported", "cursor": first.context["page"].next_cursor}
    )
    seen = listed(first) + listed(second)
    assert len(seen) == len(set(seen)) == 23
    assert set(seen[:5]) == {c.tracking_id for c in created[:5]}


# --- support ("dukung") ---------------------------------------------------------------------


def test_support_is_counted_once_per_visitor(
    world: World, client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched")
    url = f"/laporan/{complaint.tracking_id}/dukung/"

    first = client.post(url, {"next": "/laporan/?sort=supported"})
    again = client.post(url)
    other_visitor = Client().post(url)

    assert first.status_code == 302 and first["Location"] == "/laporan/?sort=supported"
    assert again["Location"] == f"/laporan/{complaint.tracking_id}/"
    assert other_visitor.status_code == 302
    complaint.refresh_from_db()
    assert complaint.support_count == 2
    assert Support.objects.filter(complaint=complaint).count() == 2
    # The list shows this visitor's support.
    client.cookies["aduan_language"] = "en"
    assert "You support this" in client.get("/laporan/").content.decode()
    # An open redirect is not followed.
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == (
        f"/laporan/{complaint.tracking_id}/"
    )


def test_support_with_htmx_swaps_only_the_button(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched")
    url = f"/laporan/{complaint.tracking_id}/dukung/"

    response = en_client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith("<form")
    assert "<html" not in html
    assert "1 supporter" in html and "You support this" in html
    assert "Thank you for your support." in html
    # Where the pressed button was, the answer takes the keyboard focus (htmx's autofocus).
    assert 'tabindex="-1" autofocus>You support this<' in html
    assert "autofocus" not in en_client.get(f"/laporan/{complaint.tracking_id}/").content.decode()
    repeat = en_client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "You already support this report." in repeat and "1 supporter" in repeat


def test_a_signed_in_reporter_cannot_support_their_own_report(
    world: World, en_client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched")
    en_client.force_login(world.reporter)
    response = en_client.post(
        f"/laporan/{complaint.tracking_id}/dukung/", headers={"HX-Request": "true"}
    )
    assert "You cannot support your own complaint." in response.content.decode()
    en_client.force_login(world.outsider)
    en_client.post(f"/laporan/{complaint.tracking_id}/dukung/")
    en_client.post(f"/laporan/{complaint.tracking_id}/dukung/")
    complaint.refresh_from_db()
    assert complaint.support_count == 1


def test_non_public_reports_cannot_be_supported(
    world: World, client: Client, make_complaint: Any
) -> None:
    complaint = make_complaint("submitted")
    assert client.post(f"/laporan/{complaint.tracking_id}/dukung/").status_code == 404
    assert client.get(f"/laporan/{complaint.tracking_id}/dukung/").status_code == 405


def test_an_empty_result_says_so(world: World, en_client: Client, make_complaint: Any) -> None:
    make_complaint("in_progress", title="Lampu jalan mati")
    html = en_client.get("/laporan/", {"q": "tidakadasamasekali"}).content.decode()
    assert "No public reports match these filters." in html


def test_an_unknown_report_gets_the_site_s_not_found_page(world: World, client: Client) -> None:
    response = client.get("/laporan/SB-AAAA-AAAA/")
    assert response.status_code == 404
    assert '<html lang="id">' in response.content.decode()  # our page, in Bahasa Indonesia
