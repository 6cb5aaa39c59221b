"""The connector's configuration: settings (base URL, token, instansi, timeouts, retries) and the
mapping between our fields and states and the national ones.

The SP4N-LAPOR! API is documented only to registered developers, so everything this module says
about it is an assumption (docs/integrations.md): the endpoint paths, the JSON field names and
the national status names are all in :data:`DEFAULT_MAPPING` and can be replaced, in part or in
whole, by a JSON file named in ``ADUAN_LAPOR_MAPPING_FILE`` without changing code.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from aduan.complaints.models import Kind, Status

REGISTER_MODES = ("all", "non_confidential", "none")

DEFAULT_MAPPING: dict[str, Any] = {
    # Paths under ADUAN_LAPOR_BASE_URL. {instansi} is ADUAN_LAPOR_INSTANSI_ID, {national_id} the
    # report's national tracking ID.
    "endpoints": {
        "feed": "/instansi/{instansi}/laporan",
        "report": "/laporan/{national_id}",
        "register": "/laporan",
        "followup": "/laporan/{national_id}/tindak-lanjut",
        "status": "/laporan/{national_id}/status",
        "attachment": "/laporan/{national_id}/lampiran",
        # GET: the bytes of a file the reporter gave SP4N-LAPOR! ({reference}: its id_referensi).
        "attachment_download": "/laporan/{national_id}/lampiran/{reference}",
        "transfer": "/laporan/{national_id}/alihkan",
        # GET, paged like the feed: the national directory of instansi (transfer targets).
        "directory": "/instansi",
    },
    # Our name -> the national JSON field name.
    "fields": {
        "feed_items": "data",
        "next_cursor": "next_cursor",
        "has_more": "has_more",
        "national_id": "tracking_id",
        "version": "versi",
        "status": "status",
        "local_status": "status_instansi",
        "title": "judul",
        "description": "isi",
        "kind": "jenis",
        "category": "kategori",
        "region_code": "kode_wilayah",
        "address": "lokasi",
        "latitude": "lat",
        "longitude": "lng",
        "event_date": "tanggal_kejadian",
        "anonymous": "anonim",
        "confidential": "rahasia",
        "reporter_name": "nama_pelapor",
        "reporter_email": "email_pelapor",
        "reporter_phone": "telepon_pelapor",
        "instansi": "instansi_id",
        "instansi_name": "instansi_nama",
        "local_reference": "referensi_instansi",
        "created_at": "dibuat_pada",
        "at": "waktu",
        "archive_reason": "alasan_arsip",
        "transfer_target": "tujuan",
        "transfer_target_id": "tujuan_instansi_id",
        "directory_id": "id",
        "directory_name": "nama",
        "directory_active": "aktif",
        "replies": "tanggapan_pelapor",
        "reply_id": "id",
        "reply_body": "isi",
        "reply_at": "waktu",
        "reopen_requests": "permintaan_buka_kembali",
        "reopen_id": "id",
        "reopen_reason": "alasan",
        "reopen_at": "waktu",
        "rating": "penilaian",
        "rating_comment": "komentar_penilaian",
        "followups": "tindak_lanjut",
        "followup_reference": "id_referensi",
        "followup_body": "isi",
        "followup_unit": "unit",
        "attachments": "lampiran",
        "attachment_reference": "id_referensi",
        "attachment_name": "nama",
        "attachment_type": "tipe",
        "attachment_size": "ukuran",
        "attachment_sha256": "sha256",
        "attachment_content": "isi_base64",
    },
    # Our status -> the national status (DESIGN §3 states; docs/integrations.md has the table).
    "states": {
        Status.SUBMITTED: "Belum Terverifikasi",
        Status.ON_HOLD: "Belum Terverifikasi",
        Status.DISPATCHED: "Sedang Diproses",
        Status.IN_PROGRESS: "Sedang Diproses",
        Status.RESOLVED: "Selesai",
        Status.CLOSED: "Selesai",
        Status.ARCHIVED: "Arsip",
        Status.TRANSFERRED: "Belum Didisposisi",
    },
    "kinds": {
        Kind.COMPLAINT: "Pengaduan",
        Kind.ASPIRATION: "Aspirasi",
        Kind.INFORMATION_REQUEST: "Permintaan Informasi",
    },
    # National category -> our category code (empty: complaints come in without a category and
    # the coordinator chooses one at verification; ours are sent as our codes).
    "categories": {},
}


@dataclass(frozen=True)
class Mapping:
    """The effective mapping (defaults overlaid with the file's sections)."""

    endpoints: dict[str, str]
    fields: dict[str, str]
    states: dict[str, str]
    kinds: dict[str, str]
    categories: dict[str, str]

    def name(self, ours: str) -> str:
        """The national field name for our ``ours``."""
        return self.fields[ours]

    def get(self, data: dict[str, Any], ours: str, default: Any = None) -> Any:
        value = data.get(self.fields[ours], default)
        return default if value is None else value

    def out(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` (our names) as a national JSON object; None values are left out."""
        return {self.fields[key]: value for key, value in values.items() if value is not None}

    def national_state(self, status: str) -> str:
        return self.states[status]

    @property
    def archived_state(self) -> str:
        return self.states[Status.ARCHIVED]

    def kind_from_national(self, value: Any) -> str:
        for ours, theirs in self.kinds.items():
            if str(value).strip().lower() == theirs.lower():
                return ours
        return Kind.COMPLAINT

    def category_to_national(self, code: str) -> str:
        for theirs, ours in self.categories.items():
            if ours == code:
                return theirs
        return code


def load_mapping(path: str | None = None) -> Mapping:
    """The default mapping, with each section of the JSON file at ``path`` (default
    ``ADUAN_LAPOR_MAPPING_FILE``) laid over it key by key. Checked: every endpoint, field and
    state must have a non-empty value."""
    path = settings.ADUAN_LAPOR_MAPPING_FILE if path is None else path
    merged = copy.deepcopy(DEFAULT_MAPPING)
    if path:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ImproperlyConfigured(f"ADUAN_LAPOR_MAPPING_FILE {path}: {error}") from error
        except ValueError as error:
            raise ImproperlyConfigured(
                f"ADUAN_LAPOR_MAPPING_FILE {path} is not valid JSON: {error}"
            ) from error
        if not isinstance(loaded, dict):
            raise ImproperlyConfigured(f"ADUAN_LAPOR_MAPPING_FILE {path} must hold an object.")
        for section, values in loaded.items():
            if section not in merged:
                raise ImproperlyConfigured(
                    f"ADUAN_LAPOR_MAPPING_FILE {path}: unknown section {section!r} "
                    f"(known: {', '.join(sorted(merged))})."
                )
            if not isinstance(values, dict):
                raise ImproperlyConfigured(
                    f"ADUAN_LAPOR_MAPPING_FILE {path}: section {section!r} must be an object."
                )
            unknown = sorted(set(values) - set(merged[section])) if section != "categories" else []
            if unknown:
                raise ImproperlyConfigured(
                    f"ADUAN_LAPOR_MAPPING_FILE {path}: unknown key(s) in {section!r}: "
                    f"{', '.join(unknown)}."
                )
            merged[section].update({str(k): str(v) for k, v in values.items()})
    for section in ("endpoints", "fields", "states", "kinds"):
        empty = sorted(key for key, value in merged[section].items() if not str(value).strip())
        if empty:
            raise ImproperlyConfigured(
                f"SP4N-LAPOR! mapping: empty value for {section}: {', '.join(empty)}."
            )
    return Mapping(
        endpoints=dict(merged["endpoints"]),
        fields=dict(merged["fields"]),
        states={str(k): v for k, v in merged["states"].items()},
        kinds={str(k): v for k, v in merged["kinds"].items()},
        categories=dict(merged["categories"]),
    )


@dataclass(frozen=True)
class Config:
    """Everything a sync run needs, read once per run."""

    base_url: str
    token: str
    instansi: str
    timeout: float
    auth_header: str
    auth_scheme: str
    register: str
    page_size: int
    max_pages: int
    push_batch: int
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    mapping: Mapping = field(repr=False)


def enabled() -> bool:
    """The connector runs (and records outgoing messages) only once a base URL is configured."""
    return bool(settings.ADUAN_LAPOR_BASE_URL)


def register_mode() -> str:
    mode = str(settings.ADUAN_LAPOR_REGISTER)
    if mode not in REGISTER_MODES:
        raise ImproperlyConfigured(
            f"ADUAN_LAPOR_REGISTER must be one of {', '.join(REGISTER_MODES)}, not {mode!r}."
        )
    return mode


def load_config() -> Config:
    if not enabled():
        raise ImproperlyConfigured("ADUAN_LAPOR_BASE_URL is not set: the connector is off.")
    if not settings.ADUAN_LAPOR_INSTANSI_ID:
        raise ImproperlyConfigured("ADUAN_LAPOR_INSTANSI_ID is not set.")
    return Config(
        base_url=str(settings.ADUAN_LAPOR_BASE_URL).rstrip("/"),
        token=str(settings.ADUAN_LAPOR_TOKEN),
        instansi=str(settings.ADUAN_LAPOR_INSTANSI_ID),
        timeout=float(settings.ADUAN_LAPOR_TIMEOUT_SECONDS),
        auth_header=str(settings.ADUAN_LAPOR_AUTH_HEADER),
        auth_scheme=str(settings.ADUAN_LAPOR_AUTH_SCHEME),
        register=register_mode(),
        page_size=int(settings.ADUAN_LAPOR_PAGE_SIZE),
        max_pages=int(settings.ADUAN_LAPOR_MAX_PAGES),
        push_batch=int(settings.ADUAN_LAPOR_PUSH_BATCH),
        max_attempts=int(settings.ADUAN_LAPOR_MAX_ATTEMPTS),
        backoff_seconds=float(settings.ADUAN_LAPOR_BACKOFF_SECONDS),
        backoff_max_seconds=float(settings.ADUAN_LAPOR_BACKOFF_MAX_SECONDS),
        mapping=load_mapping(),
    )
