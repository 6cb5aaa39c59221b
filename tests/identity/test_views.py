"""Where a NIK is entered and shown: registration, the profile (the owner), the back office's
complaint page (coordinators only, within the privacy rules), and nowhere public."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from aduan.accounts.models import NikStatus, User
from aduan.complaints import policies
from aduan.complaints.models import Complaint
from aduan.identity import selectors, tasks
from tests.backoffice.helpers import action_url, text, workspace_url
from tests.identity.conftest import SITI_NAME, SITI_NIK
from tests.identity.simulator import DukcapilSimulator
from tests.world import World, make, staff_login, submit

REGISTER = "/akun/daftar/"
PROFILE = "/akun/"
PASSWORD = "kata-sandi-rahasia-9"


def registration(**overrides: str) -> dict[str, str]:
    data = {
        "name": SITI_NAME,
        "email": "siti@example.org",
        "phone": "",
        "nik": SITI_NIK,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def profile_data(user: User, **overrides: str) -> dict[str, str]:
    data = {
        "name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "nik": user.nik,
        "language": "en",
    }
    data.update(overrides)
    return data


# --- registration -----------------------------------------------------------------------------


def test_the_registration_form_offers_an_optional_nik(client: Client, db: None) -> None:
    html = text(client.get(REGISTER))
    assert 'name="nik"' in html and "NIK (optional)" in html
    assert "never published" in html


def test_registering_with_a_nik_offline(client: Client, offline_only: None, db: None) -> None:
    response = client.post(REGISTER, registration(nik="1371 0141 0199 0001"))

    assert response.status_code == 302
    user = User.objects.get()
    assert user.nik == SITI_NIK and user.nik_status == NikStatus.OFFLINE


def test_registering_with_an_invalid_nik_shows_every_reason(
    client: Client, offline_only: None, db: None
) -> None:
    response = client.post(REGISTER, registration(nik="1371993102990000"))

    assert response.status_code == 400
    html = text(response)
    assert "District code 13.71.99 does not exist." in html
    assert "Birth date 31-02 is not valid." in html
    assert "pemekaran" in html  # why a district code may be missing
    assert not User.objects.exists()


def test_registering_with_a_nik_queues_the_dukcapil_check(
    client: Client,
    dukcapil: DukcapilSimulator,
    db: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, registration())
    assert response.status_code == 302
    user = User.objects.get()
    assert user.nik_status == NikStatus.PENDING
    assert "waiting for Dukcapil" in text(client.get(PROFILE))

    tasks.verify_account_nik.call(user.pk, "registration")

    html = text(client.get(PROFILE))
    assert 'data-nik-status="verified"' in html and "NIK verified by Dukcapil" in html


# --- profile ----------------------------------------------------------------------------------


@pytest.fixture
def siti(db: None) -> User:
    user = User.objects.create_user(
        "siti", email="siti@example.org", password=PASSWORD, first_name=SITI_NAME, language="en"
    )
    return user


def test_the_owner_sees_and_changes_the_nik(client: Client, siti: User, offline_only: None) -> None:
    client.force_login(siti)
    html = text(client.get(PROFILE))
    assert 'name="nik"' in html and 'data-nik-status="none"' in html

    response = client.post(PROFILE, profile_data(siti, nik=SITI_NIK))
    assert response.status_code == 302
    siti.refresh_from_db()
    assert siti.nik == SITI_NIK and siti.nik_status == NikStatus.OFFLINE
    html = text(client.get(PROFILE))
    assert f'value="{SITI_NIK}"' in html and 'data-nik-status="offline"' in html
    assert "not checked with Dukcapil" in html

    response = client.post(PROFILE, profile_data(siti, nik=""))
    siti.refresh_from_db()
    assert siti.nik == "" and siti.nik_status == ""


def test_the_profile_refuses_an_invalid_nik(client: Client, siti: User, offline_only: None) -> None:
    client.force_login(siti)
    response = client.post(PROFILE, profile_data(siti, nik="1371014101990000"))

    assert response.status_code == 400
    assert "Serial number 0000 is not valid" in text(response)
    siti.refresh_from_db()
    assert siti.nik == ""


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (NikStatus.VERIFIED, "NIK verified by Dukcapil"),
        (NikStatus.MISMATCH, "must be written as on your KTP"),
        (NikStatus.UNAVAILABLE, "we will try again later"),
    ],
)
def test_the_profile_explains_the_dukcapil_answer(
    client: Client, siti: User, status: str, shown: str
) -> None:
    User.objects.filter(pk=siti.pk).update(nik=SITI_NIK, nik_status=status)
    client.force_login(siti)
    assert shown in text(client.get(PROFILE))


def test_staff_profiles_have_no_nik_field(world: World, offline_only: None) -> None:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, world.coordinator)
    html = text(client.get(PROFILE))
    assert 'name="nik"' not in html and "data-nik-status" not in html

    coordinator = world.coordinator
    response = client.post(PROFILE, profile_data(coordinator, name="Koordinator", nik=SITI_NIK))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.nik == ""


def test_the_nik_is_not_in_error_reports(client: Client, siti: User, offline_only: None) -> None:
    response = client.post(REGISTER, registration(email="other@example.org"))
    assert "nik" in response.wsgi_request.sensitive_post_parameters  # type: ignore[attr-defined]
    client.force_login(siti)
    response = client.post(PROFILE, profile_data(siti, nik=SITI_NIK))
    assert "nik" in response.wsgi_request.sensitive_post_parameters  # type: ignore[attr-defined]


# --- the complaint page -----------------------------------------------------------------------


@pytest.fixture
def reporter_with_nik(world: World) -> User:
    User.objects.filter(pk=world.reporter.pk).update(nik=SITI_NIK, nik_status=NikStatus.VERIFIED)
    world.reporter.refresh_from_db()
    return world.reporter


def page_for(world: World, role: str, complaint: Complaint) -> str:
    client = Client()
    staff_login(client, getattr(world, role))
    response = client.get(workspace_url(complaint))
    assert response.status_code == 200
    return text(response)


def test_coordinators_see_the_nik_and_that_dukcapil_verified_it(
    world: World, reporter_with_nik: User
) -> None:
    complaint = make(world, "dispatched")
    html = page_for(world, "coordinator", complaint)

    assert "data-reporter-nik" in html and SITI_NIK in html
    assert 'data-nik-status="verified"' in html


@pytest.mark.parametrize("role", ["operator", "liaison", "health_operator", "leadership"])
def test_nobody_else_sees_the_nik_even_where_the_identity_is_shown(
    world: World, reporter_with_nik: User, role: str
) -> None:
    complaint = make(world, "dispatched")
    html = page_for(world, role, complaint)

    assert SITI_NIK not in html and "data-reporter-nik" not in html
    assert "data-nik-status" not in html


def test_anonymous_reports_show_the_nik_status_to_coordinators_only(
    world: World, reporter_with_nik: User
) -> None:
    complaint = make(world, "dispatched", is_anonymous=True)

    assert SITI_NIK in page_for(world, "coordinator", complaint)
    for role in ("operator", "liaison"):
        html = page_for(world, role, complaint)
        assert SITI_NIK not in html and "data-nik-status" not in html


def test_confidential_reports_show_it_only_with_the_audited_reveal(
    world: World, reporter_with_nik: User
) -> None:
    complaint = submit(world, is_confidential=True)
    client = Client()
    staff_login(client, world.coordinator)

    before = text(client.get(workspace_url(complaint)))
    assert SITI_NIK not in before and "data-nik-status" not in before
    revealed = text(
        client.post(
            action_url(complaint, "buka-identitas"),
            {"reveal-reason": "Pelapor perlu dihubungi untuk klarifikasi lokasi."},
        )
    )
    assert SITI_NIK in revealed and 'data-nik-status="verified"' in revealed
    assert SITI_NIK not in text(client.get(workspace_url(complaint)))


def test_the_inspectorate_sees_it_on_supervisory_reports(
    world: World, reporter_with_nik: User
) -> None:
    complaint = submit(world, is_supervisory=True)
    assert SITI_NIK in page_for(world, "inspectorate", complaint)


def test_a_reporter_without_nik_and_a_guest(world: World) -> None:
    with_account = submit(world)
    html = page_for(world, "coordinator", with_account)
    assert 'data-nik-status="none"' in html
    guest = submit(
        world,
        actor=None,
        reporter_name="Tamu",
        reporter_phone="081299990000",
    )
    assert "data-reporter-nik" not in page_for(world, "coordinator", guest)


def test_monitors_do_not_get_the_complaint_page(world: World, reporter_with_nik: User) -> None:
    complaint = make(world, "dispatched")
    client = Client()
    staff_login(client, world.monitor)
    response = client.get(workspace_url(complaint))
    assert response.status_code in (403, 404) and SITI_NIK.encode() not in response.content


def test_the_selector_reads_the_nik_in_one_query(
    world: World, reporter_with_nik: User, django_assert_num_queries: Any
) -> None:
    complaint = make(world, "dispatched")
    coordinator = User.objects.get(pk=world.coordinator.pk)
    policies.staff_roles(coordinator)  # the page has read the roles already
    with django_assert_num_queries(1):
        found = selectors.reporter_nik(coordinator, complaint, identity_shown=True)
    assert found == selectors.ReporterNik(nik=SITI_NIK, status="verified")
    assert selectors.reporter_nik(coordinator, complaint, identity_shown=False) is None
    operator = User.objects.get(pk=world.operator.pk)
    assert selectors.reporter_nik(operator, complaint, identity_shown=True) is None


# --- public pages -----------------------------------------------------------------------------


def test_public_pages_and_open_data_never_carry_the_nik(
    world: World, reporter_with_nik: User, client: Client
) -> None:
    complaint = make(world, "in_progress")
    assert complaint.is_public
    pages = [
        reverse("portal:public_detail", args=[complaint.tracking_id]),
        reverse("portal:public_list"),
        reverse("portal:open_data_csv"),
        reverse("portal:open_data_json"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert SITI_NIK.encode() not in body, url
    # The reporter's own view of the complaint does not repeat it either.
    owner = Client()
    owner.force_login(world.reporter)
    html = text(owner.get(reverse("portal:my_complaints")))
    assert SITI_NIK not in html


def test_the_guest_report_form_does_not_ask_for_a_nik(client: Client, db: None) -> None:
    response = client.get(reverse("portal:submit"))
    assert response.status_code == 200 and 'name="reporter_name"' in text(response)
    assert 'name="nik"' not in text(response)
