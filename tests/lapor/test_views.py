"""The connector's page in the back office: system administrators only."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from aduan.core.models import AuditEvent
from aduan.lapor import selectors
from aduan.lapor.models import OutboundMessage
from aduan.lapor.sync import sync
from tests.lapor.simulator import NationalSimulator
from tests.world import World, make, staff_login

URL = "/staf/lapor/"


@pytest.fixture
def parked(national: NationalSimulator, world: World) -> OutboundMessage:
    make(world, "dispatched")
    national.fail_next(422, path_contains="/laporan")
    sync()
    return OutboundMessage.objects.get(state=OutboundMessage.State.PARKED)


def admin_client(world: World) -> Client:
    client = Client()
    staff_login(client, world.admin)
    client.cookies["aduan_language"] = "en"
    return client


@pytest.mark.parametrize("role", ["coordinator", "leadership", "monitor", "operator"])
def test_only_system_administrators_see_the_page(world: World, role: str) -> None:
    client = Client()
    staff_login(client, getattr(world, role))
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}pesan/1/ulang/").status_code == 403
    assert "/staf/lapor/" not in client.get("/staf/").content.decode()


def test_guests_are_sent_to_sign_in(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_the_page_lists_parked_messages_and_the_last_sync(
    world: World, parked: OutboundMessage, django_assert_max_num_queries: Any
) -> None:
    client = admin_client(world)
    assert "/staf/lapor/" in client.get("/staf/").content.decode()  # in the menu
    with django_assert_max_num_queries(25):
        response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-message="{parked.pk}"' in page
    # The administrator opens no complaint pages: the tracking ID is shown, not a dead link.
    tracking_id = parked.link.complaint.tracking_id
    assert tracking_id in page and f"/staf/aduan/{tracking_id}/" not in page
    assert "HTTP 422" in page
    assert 'data-count="parked">1<' in page
    assert "data-last-sync" in page and "Last sync" in page


def test_off_connector_says_so(world: World, settings: Any) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""
    page = admin_client(world).get(URL).content.decode()
    assert 'data-connector="off"' in page and "sync-now" not in page


def test_retry_and_discard_are_audited(world: World, parked: OutboundMessage) -> None:
    client = admin_client(world)
    response = client.post(f"{URL}pesan/{parked.pk}/ulang/")
    assert response.status_code == 302
    parked.refresh_from_db()
    assert parked.state == OutboundMessage.State.PENDING and parked.attempts == 0
    assert AuditEvent.objects.filter(action="lapor.message_retried").count() == 1
    # Pressed again (not parked now): said so on the page, nothing done.
    again = client.post(f"{URL}pesan/{parked.pk}/buang/", follow=True)
    assert "no longer parked" in again.content.decode()
    parked.refresh_from_db()
    assert parked.state == OutboundMessage.State.PENDING
    assert not AuditEvent.objects.filter(action="lapor.message_discarded").exists()
    assert client.post(f"{URL}pesan/999999/buang/").status_code == 404
    OutboundMessage.objects.filter(pk=parked.pk).update(state=OutboundMessage.State.PARKED)
    # Discarding needs a reason (the audit log keeps it).
    with translation.override("en"):
        refused = client.post(f"{URL}pesan/{parked.pk}/buang/", {"reason": " "}, follow=True)
    assert "Say why the message is discarded" in refused.content.decode()
    parked.refresh_from_db()
    assert parked.state == OutboundMessage.State.PARKED
    client.post(f"{URL}pesan/{parked.pk}/buang/", {"reason": "salah data"})
    parked.refresh_from_db()
    assert parked.state == OutboundMessage.State.DISCARDED
    event = AuditEvent.objects.get(action="lapor.message_discarded")
    assert event.data["reason"] == "salah data" and event.actor_id == world.admin.pk


def test_retry_all_and_sync_now(
    world: World, parked: OutboundMessage, django_capture_on_commit_callbacks: Any
) -> None:
    client = admin_client(world)
    with translation.override("en"):
        response = client.post(f"{URL}pesan/ulang/", follow=True)
    assert "1 message(s) will be sent again" in response.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"{URL}sinkron/")
    assert response.status_code == 302
    assert len(callbacks) == 1  # the sync task is enqueued once the request commits
    assert AuditEvent.objects.filter(action="lapor.sync_requested").exists()


def test_status_and_retry_commands(
    world: World, parked: OutboundMessage, commands_in_english: None
) -> None:
    out = StringIO()
    call_command("lapor", "status", stdout=out)
    text = out.getvalue()
    assert "Connector\ton, https://lapor.test/api/v1, instansi PEMPROV-13" in text
    assert "Messages parked\t1" in text
    assert (
        f"Parked\t{parked.pk}\tRegister the complaint\t{parked.idempotency_key}\t"
        "SP4N-LAPOR! refused this message" in text
    )
    assert 'HTTP 422 to POST /laporan: {"error": "simulated"}\n' in text  # the national answer
    with pytest.raises(CommandError, match="--all"):
        call_command("lapor", "retry")
    # An id that is not parked (a typo): said so, and the command fails.
    with pytest.raises(CommandError, match=r"Not parked messages .*: 999999"):
        call_command("lapor", "retry", "999999", stdout=StringIO())
    out = StringIO()
    call_command("lapor", "retry", "--all", stdout=out)
    assert "1 message queued again." in out.getvalue()
    out = StringIO()
    call_command("lapor", "sync", stdout=out)
    assert "delivered\t1" in out.getvalue()


def test_status_speaks_bahasa_indonesia_by_default(
    world: World, parked: OutboundMessage, settings: Any
) -> None:
    assert settings.LANGUAGE_CODE == "id"
    out = StringIO()
    call_command("lapor", "status", stdout=out)
    lines = out.getvalue().splitlines()
    assert "Pesan ditahan\t1" in lines and "Pesan terkirim\t0" in lines
    assert "Pendaftaran laporan lokal\tnon_confidential" in lines
    assert any(line.startswith("Sinkronisasi terakhir\t2026-03-02 09:00:00") for line in lines)
    assert any(f"\t{parked.pk}\tDaftarkan laporan\t" in line for line in lines)
    assert not any(line.startswith(("Messages ", "Last sync")) for line in lines)


def test_commands_refuse_while_off(world: World, settings: Any, commands_in_english: None) -> None:
    settings.ADUAN_LAPOR_BASE_URL = ""
    with pytest.raises(CommandError, match="ADUAN_LAPOR_BASE_URL"):
        call_command("lapor", "sync")
    out = StringIO()
    call_command("lapor", "status", stdout=out)
    assert "Connector\toff" in out.getvalue()


def test_the_sync_job_is_registered_only_with_a_base_url() -> None:
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'aduan.settings');"
        "from django.conf import settings; print(settings.ADUAN_PERIODIC_TASKS.get('lapor.sync'))"
    )

    def run(env: dict[str, str]) -> str:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout

    assert run({"PATH": ""}).strip() == "None"
    assert "aduan.lapor.tasks.lapor_sync" in run(
        {"PATH": "", "ADUAN_LAPOR_BASE_URL": "https://lapor.example/api"}
    )
    refused = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "", "ADUAN_LAPOR_REGISTER": "everything"},
    )
    assert refused.returncode != 0 and "ADUAN_LAPOR_REGISTER" in refused.stderr


def test_the_registration_setting_is_shown_in_words(world: World, settings: Any) -> None:
    settings.ADUAN_LAPOR_REGISTER = "non_confidential"
    with translation.override("en"):
        assert selectors.overview().register == (
            "verified complaints that are neither confidential nor supervisory"
        )


def test_runs_show_their_counts_and_notes_in_the_readers_language(
    national: NationalSimulator, world: World
) -> None:
    from aduan.lapor.reconcile import reconcile

    national.dispose()
    national.reports["BROKEN"] = {"tracking_id": "BROKEN", "instansi_id": national.instansi}
    national.held_by["BROKEN"] = {national.instansi}
    national.changed_at["BROKEN"] = 999
    sync()
    reconcile()
    client = admin_client(world)
    page = client.get(URL).content.decode()
    assert (
        "national reports received: 2; complaints taken in: 1; "
        "malformed national reports skipped: 1" in page
    )
    assert "complaints compared: 1" in page
    # The sync's note and the reconcile's, each in its run.
    assert page.count("malformed national item skipped: report BROKEN has no valid version") == 1
    assert page.count("<li>report BROKEN has no valid version</li>") == 1
    client.cookies["aduan_language"] = "id"
    page = client.get(URL).content.decode()
    assert "laporan nasional diterima: 2" in page
    assert "butir nasional rusak dilewati: laporan BROKEN tidak memiliki versi yang sah" in page
    assert "malformed" not in page and "received" not in page
