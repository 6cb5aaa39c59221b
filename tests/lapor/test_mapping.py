"""The mapping between our fields and states and the national ones, and its configuration."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from aduan.complaints.models import Kind, Status
from aduan.lapor.config import DEFAULT_MAPPING, load_config, load_mapping, register_mode
from aduan.lapor.inbound import MalformedReport, parse_report
from tests.lapor.conftest import configure
from tests.lapor.simulator import NationalSimulator
from tests.world import World

DOCUMENTED_STATES = {
    "submitted": "Belum Terverifikasi",
    "on_hold": "Belum Terverifikasi",
    "dispatched": "Sedang Diproses",
    "in_progress": "Sedang Diproses",
    "resolved": "Selesai",
    "closed": "Selesai",
    "archived": "Arsip",
    "transferred": "Belum Didisposisi",
}


def test_every_status_has_the_documented_national_state() -> None:
    mapping = load_mapping("")
    assert set(mapping.states) == set(Status.values)
    assert mapping.states == DOCUMENTED_STATES
    assert mapping.archived_state == "Arsip"
    # The table in docs/integrations.md says the same.
    doc = (Path(__file__).parents[2] / "docs" / "integrations.md").read_text(encoding="utf-8")
    for ours, theirs in DOCUMENTED_STATES.items():
        assert f"| `{ours}` |" in doc and theirs in doc


def test_kinds_round_trip() -> None:
    mapping = load_mapping("")
    for kind in Kind.values:
        assert mapping.kind_from_national(mapping.kinds[kind]) == kind
    assert mapping.kind_from_national("aspirasi") == Kind.ASPIRATION
    assert mapping.kind_from_national("something else") == Kind.COMPLAINT


def test_a_mapping_file_replaces_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(
        json.dumps(
            {
                "fields": {"national_id": "no_tiket", "title": "subjek"},
                "states": {"closed": "Ditutup"},
                "endpoints": {"feed": "/v2/{instansi}/feed"},
                "categories": {"JALAN-NAS": "jalan"},
            }
        ),
        encoding="utf-8",
    )
    mapping = load_mapping(str(path))
    assert mapping.fields["national_id"] == "no_tiket"
    assert mapping.fields["description"] == DEFAULT_MAPPING["fields"]["description"]
    assert mapping.states["closed"] == "Ditutup"
    assert mapping.states["resolved"] == "Selesai"
    assert mapping.endpoints["feed"] == "/v2/{instansi}/feed"
    assert mapping.categories == {"JALAN-NAS": "jalan"}
    assert mapping.category_to_national("jalan") == "JALAN-NAS"
    assert mapping.category_to_national("lain") == "lain"
    report = parse_report({"no_tiket": "X-1", "versi": 3, "subjek": "Judul"}, mapping)
    assert (report.national_id, report.version, report.title) == ("X-1", 3, "Judul")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must hold an object"),
        ('{"colours": {}}', "unknown section"),
        ('{"states": {"pending": "X"}}', "unknown key"),
        ('{"fields": {"title": " "}}', "empty value"),
        ('{"states": []}', "must be an object"),
    ],
)
def test_a_broken_mapping_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=message):
        load_mapping(str(path))


def test_a_missing_mapping_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="ADUAN_LAPOR_MAPPING_FILE"):
        load_mapping(str(tmp_path / "missing.json"))


def test_configuration_needs_a_base_url_and_an_instansi(settings: Any) -> None:
    configure(settings)
    assert load_config().instansi == "PEMPROV-13"
    settings.ADUAN_LAPOR_INSTANSI_ID = ""
    with pytest.raises(ImproperlyConfigured, match="INSTANSI"):
        load_config()
    settings.ADUAN_LAPOR_BASE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="BASE_URL"):
        load_config()
    settings.ADUAN_LAPOR_REGISTER = "some"
    with pytest.raises(ImproperlyConfigured, match="ADUAN_LAPOR_REGISTER"):
        register_mode()


def test_parse_report_needs_an_id_and_a_version() -> None:
    mapping = load_mapping("")
    with pytest.raises(MalformedReport):
        parse_report({"tracking_id": "LAP-1"}, mapping)
    with pytest.raises(MalformedReport):
        parse_report({"versi": 1}, mapping)
    report = parse_report(
        {
            "tracking_id": "LAP-1",
            "versi": "2",
            "anonim": "true",
            "rahasia": 0,
            "penilaian": 9,
            "tanggapan_pelapor": [{"id": "T-1", "isi": "a\x00b"}, {"isi": "no id"}, "junk"],
            "tindak_lanjut": [{"id_referensi": "tl-4"}, {}],
        },
        mapping,
    )
    assert report.version == 2 and report.anonymous and not report.confidential
    assert report.rating is None  # out of 1..5
    assert [(item.item_id, item.body) for item in report.replies] == [("T-1", "ab")]
    assert report.followup_refs == {"tl-4"}


def test_the_worker_logs_a_broken_mapping_on_every_run(
    national: NationalSimulator, world: World, settings: Any, tmp_path: Path, caplog: Any
) -> None:
    from aduan.lapor.tasks import lapor_sync

    path = tmp_path / "mapping.json"
    path.write_text('{"no_such_field": "x"}', encoding="utf-8")
    settings.ADUAN_LAPOR_MAPPING_FILE = str(path)
    with caplog.at_level(logging.ERROR, logger="aduan.lapor.tasks"):
        result = lapor_sync.call()
    assert result["status"] == "misconfigured"
    assert "SP4N-LAPOR! sync not run" in caplog.text
