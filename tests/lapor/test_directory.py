"""SP4N-LAPOR!'s directory of instansi: read in whole once a day (or by ``aduan lapor
instansi``), stored only when every page was read, offered by the transfer form; a transfer to a
listed instansi carries its national ID."""

from __future__ import annotations

from io import StringIO
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.db import DataError
from django.test import Client
from django.utils import translation

from aduan.complaints import services
from aduan.core.problems import problem_text
from aduan.lapor import directory, selectors
from aduan.lapor.client import use_transport
from aduan.lapor.models import NationalInstansi, NationalLink, OutboundMessage, SyncState
from aduan.lapor.sync import lease_acquire, read_directory_now, sync
from tests.backoffice.helpers import workspace_url
from tests.lapor.conftest import FakeClock
from tests.lapor.simulator import NationalSimulator
from tests.world import World, staff_login, submit


def directory_reads(national: NationalSimulator) -> int:
    return sum(1 for r in national.requests if r.url.path.endswith("/instansi"))


def stored() -> dict[str, tuple[str, bool]]:
    return {row.national_id: (row.name, row.active) for row in NationalInstansi.objects.all()}


def failing_from_page(national: NationalSimulator, cursor: str) -> httpx.MockTransport:
    """The simulator, except that the directory page at ``cursor`` answers 503."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/instansi") and request.url.params.get("cursor") == cursor:
            return httpx.Response(503, text="sedang pemeliharaan")
        return national.handle(request)

    return httpx.MockTransport(handle)


def test_the_sync_reads_the_directory_once_a_day(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    result = sync()

    assert result.counts["instansi_added"] == 4
    assert stored()["PEMKOT-PADANG"] == ("Pemerintah Kota Padang", True)
    sync()
    fake_clock.advance(hours=23)
    sync()
    assert directory_reads(national) == 1
    fake_clock.advance(hours=1)
    assert "instansi_added" not in sync().counts  # nothing new, nothing counted
    assert directory_reads(national) == 2


def test_changes_are_applied_and_a_withdrawn_instansi_is_kept_inactive(
    national: NationalSimulator, world: World
) -> None:
    assert read_directory_now().counts == {"instansi_added": 4}
    national.directory[0]["nama"] = "Pemerintah  Kota   Padang (Balai Kota)"
    del national.directory[1]  # Agam leaves the directory
    national.directory.append({"id": "BPJS-KES", "nama": "BPJS Kesehatan"})

    result = read_directory_now()

    assert result.counts == {"instansi_added": 1, "instansi_changed": 1, "instansi_withdrawn": 1}
    rows = stored()
    assert rows["PEMKOT-PADANG"] == ("Pemerintah Kota Padang (Balai Kota)", True)
    assert rows["PEMKAB-AGAM"] == ("Pemerintah Kabupaten Agam", False)
    assert rows["BPJS-KES"] == ("BPJS Kesehatan", True)  # "aktif" left out: active
    assert "Pemerintah Kabupaten Agam" not in selectors.active_instansi_names()
    # Back in the directory: active again.
    national.directory.append({"id": "PEMKAB-AGAM", "nama": "Pemerintah Kabupaten Agam"})
    assert read_directory_now().counts == {"instansi_changed": 1}
    assert stored()["PEMKAB-AGAM"] == ("Pemerintah Kabupaten Agam", True)


def test_a_read_that_fails_half_way_changes_nothing(
    national: NationalSimulator, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "PAGE_SIZE", 2)
    read_directory_now()
    before = stored()
    national.directory[0]["nama"] = "Nama Baru"
    del national.directory[3]
    national.directory.extend({"id": f"X-{n}", "nama": f"Instansi {n}"} for n in range(3))

    with use_transport(failing_from_page(national, "4")):
        result = read_directory_now()

    assert "HTTP 503" in result.error
    assert stored() == before
    assert read_directory_now().counts == {
        "instansi_added": 3,
        "instansi_changed": 1,
        "instansi_withdrawn": 1,
    }


def test_an_empty_or_endless_directory_is_refused(
    national: NationalSimulator, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_directory_now()
    listed = national.directory[:]
    national.directory.clear()
    refused = read_directory_now()
    assert "no instansi listed" in refused.error  # logs: English
    with translation.override("id"):  # shown in the reader's language
        assert problem_text(refused.problem) == (
            "Direktori SP4N-LAPOR!: tidak ada instansi yang terdaftar"
        )
    assert all(active for _name, active in stored().values())

    national.directory.extend(listed)

    def same_cursor(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/instansi"):
            return httpx.Response(
                200, json={"data": listed[:1], "next_cursor": "", "has_more": True}
            )
        return national.handle(request)

    with use_transport(httpx.MockTransport(same_cursor)):
        assert "without a new cursor" in read_directory_now().error


def test_entries_without_an_id_or_a_name_are_skipped(
    national: NationalSimulator, world: World
) -> None:
    national.directory.extend(
        [{"id": "", "nama": "Tanpa ID"}, {"id": "TANPA-NAMA", "nama": "  "}, {"nama": "X"}]
    )
    result = read_directory_now()
    assert result.counts == {"instansi_added": 4, "instansi_skipped": 3}
    assert "TANPA-NAMA" not in stored()


def test_a_failing_directory_does_not_fail_the_sync_and_waits_a_day(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    national_id = national.dispose()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/instansi"):
            return httpx.Response(503, text="sedang pemeliharaan")
        return national.handle(request)

    with use_transport(httpx.MockTransport(handle)):
        result = sync()

    assert result.error == "" and result.counts["created"] == 1
    assert result.counts["instansi_failed"] == 1
    assert result.run is not None
    with translation.override("en"):
        notes = [problem_text(note) for note in result.run.differences]
    assert notes == [
        "instansi directory not read: SP4N-LAPOR! answered HTTP 503 to GET /instansi: "
        "sedang pemeliharaan"
    ]
    assert NationalLink.objects.filter(national_id=national_id).exists()
    assert SyncState.objects.get(pk=1).last_error == ""
    sync()
    assert not NationalInstansi.objects.exists()  # not asked again the same day
    fake_clock.advance(days=1)
    sync()
    assert NationalInstansi.objects.count() == 4


def test_a_transfer_to_a_listed_instansi_carries_its_national_id(
    national: NationalSimulator, world: World
) -> None:
    listed, unlisted = national.dispose(), national.dispose(title="Lampu jalan mati")
    sync()
    for national_id, target in ((listed, "pemerintah  kota PADANG"), (unlisted, "Kab. Agam")):
        complaint = NationalLink.objects.get(national_id=national_id).complaint
        services.complaint_transfer(actor=world.coordinator, complaint=complaint, target=target)

    sync()

    assert national.reports[listed]["tujuan_instansi_id"] == "PEMKOT-PADANG"
    assert national.reports[listed]["tujuan"] == "pemerintah  kota PADANG"
    assert national.reports[unlisted]["tujuan_instansi_id"] == ""
    assert national.reports[unlisted]["tujuan"] == "Kab. Agam"


def test_the_id_is_looked_up_when_the_transfer_is_sent(
    national: NationalSimulator, world: World, fake_clock: FakeClock
) -> None:
    national_id = national.dispose()
    sync()
    complaint = NationalLink.objects.get(national_id=national_id).complaint
    services.complaint_transfer(
        actor=world.coordinator, complaint=complaint, target="Pemerintah Kota Padang"
    )
    national.fail_next(503, path_contains="/alihkan")
    sync()  # not delivered: waits for the next run
    # Meanwhile Padang leaves the directory: the transfer goes by name, not with a stale ID
    # that SP4N-LAPOR! would refuse (422) on every retry.
    national.directory[:] = national.directory[1:]
    read_directory_now()
    fake_clock.advance(minutes=5)

    sync()

    (message,) = OutboundMessage.objects.filter(kind="transfer")
    assert message.state == OutboundMessage.State.DELIVERED
    report = national.reports[national_id]
    assert (report["tujuan"], report["tujuan_instansi_id"]) == ("Pemerintah Kota Padang", "")


def test_names_match_exactly_first_then_case_and_spaces_aside(
    national: NationalSimulator, world: World
) -> None:
    national.directory += [
        {"id": "A-1", "nama": "Dinas Sosial"},
        {"id": "A-2", "nama": "DINAS SOSIAL"},
        {"id": "B-1", "nama": "Balai Wilayah Sungai"},
        {"id": "B-2", "nama": "Balai Wilayah Sungai"},
    ]
    read_directory_now()
    assert directory.instansi_id("Dinas Sosial") == "A-1"
    assert directory.instansi_id("DINAS SOSIAL") == "A-2"
    assert directory.instansi_id("dinas  sosial") is None  # two candidates: no guess
    assert directory.instansi_id("Balai Wilayah Sungai") is None
    assert directory.instansi_id(" pemerintah kabupaten   agam ") == "PEMKAB-AGAM"
    assert directory.instansi_id("Kab. Agam") is None


def test_odd_entries_are_read_carefully(national: NationalSimulator, world: World) -> None:
    read_directory_now()
    national.directory[:] = [
        {"id": "PEMKOT-PADANG", "nama": ""},  # known, no name this time: left as it is
        {"id": "PEMKAB-AGAM", "nama": "Pemerintah Kabupaten Agam", "aktif": "false"},
        {"id": "KEMENPUPR", "nama": "Kementerian Pekerjaan Umum", "aktif": 0},
        {"id": "PLN-UID-SUMBAR", "nama": "PT PLN\x00 (Persero)\tUID", "aktif": "ya"},
        {"id": 7, "nama": "Instansi Nomor Tujuh", "aktif": None},
        {"id": True, "nama": "Bukan ID"},
        {"id": "DUA KATA", "nama": "ID dengan spasi"},
        {"id": "X-1", "nama": {"teks": "bukan nama"}},
        {"id": "X" * 101, "nama": "ID terlalu panjang"},
    ]

    result = read_directory_now()

    assert result.counts == {
        "instansi_added": 1,
        "instansi_changed": 1,
        "instansi_withdrawn": 2,
        "instansi_skipped": 5,
    }
    assert stored() == {
        "PEMKOT-PADANG": ("Pemerintah Kota Padang", True),
        "PEMKAB-AGAM": ("Pemerintah Kabupaten Agam", False),
        "KEMENPUPR": ("Kementerian Pekerjaan Umum", False),
        "PLN-UID-SUMBAR": ("PT PLN (Persero) UID", True),
        "7": ("Instansi Nomor Tujuh", True),
    }


def test_a_read_that_would_withdraw_most_instansi_is_refused(
    national: NationalSimulator, world: World
) -> None:
    read_directory_now()
    national.directory[:] = national.directory[:1]  # 3 of 4 gone: a cut list, more likely
    assert "would withdraw 3 of 4" in read_directory_now().error
    assert all(active for _name, active in stored().values())


def test_a_database_error_does_not_fail_the_sync(
    national: NationalSimulator, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DataError("simulated: invalid byte sequence")

    monkeypatch.setattr(NationalInstansi.objects, "bulk_create", refuse)
    result = sync()
    assert result.error == "" and result.counts["instansi_failed"] == 1
    assert not NationalInstansi.objects.exists()


def test_the_read_stops_when_the_lease_is_lost(
    national: NationalSimulator, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("aduan.lapor.sync.lease_renew", lambda token: False)
    assert "lease was lost" in read_directory_now().error
    assert directory_reads(national) == 0


def test_the_transfer_form_suggests_the_directorys_active_names(
    national: NationalSimulator, world: World
) -> None:
    complaint = submit(world)
    client = Client()
    staff_login(client, world.coordinator)
    page = client.get(workspace_url(complaint)).content.decode()
    assert "<datalist" not in page  # no directory yet: a plain text field

    read_directory_now()
    national.directory[:] = national.directory[1:]
    read_directory_now()
    page = client.get(workspace_url(complaint)).content.decode()

    assert 'list="id_transfer-target-suggestions"' in page
    assert '<option value="Pemerintah Kabupaten Agam">' in page
    assert "Pemerintah Kota Padang" not in page  # withdrawn


def test_the_command_reads_the_directory_now(
    national: NationalSimulator, world: World, commands_in_english: None
) -> None:
    out = StringIO()
    call_command("lapor", "instansi", stdout=out)
    assert "instansi_added\t4" in out.getvalue()
    assert "4 active instansi in the directory." in out.getvalue()

    status = StringIO()
    call_command("lapor", "status", stdout=status)
    assert "Instansi directory\t4\t" in status.getvalue()

    national.directory.clear()
    with pytest.raises(CommandError, match="no instansi listed"):
        call_command("lapor", "instansi", stdout=StringIO())
    assert lease_acquire() is not None  # the lease was given back
    with pytest.raises(CommandError, match="Another sync"):
        call_command("lapor", "instansi", stdout=StringIO())


def test_the_directory_path_and_fields_follow_the_mapping_file(
    national: NationalSimulator, world: World, settings: Any, tmp_path: Any
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        '{"endpoints": {"directory": "/direktori"},'
        ' "fields": {"directory_id": "kode", "directory_name": "nama_instansi"}}'
    )
    settings.ADUAN_LAPOR_MAPPING_FILE = str(mapping)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/direktori"):
            entries = [{"kode": "K1", "nama_instansi": "Kementerian Satu", "aktif": False}]
            return httpx.Response(200, json={"data": entries, "has_more": False})
        return national.handle(request)

    with use_transport(httpx.MockTransport(handle)):
        assert read_directory_now().counts == {"instansi_added": 1}
    assert stored() == {"K1": ("Kementerian Satu", False)}
