"""An in-memory SP4N-LAPOR! behind the connector's HTTP layer (an ``httpx.MockTransport``: no
network), speaking the assumed API of docs/integrations.md with the default field names.

National-side people act through methods: :meth:`dispose` (a citizen's report given to the
instansi), :meth:`reply`, :meth:`reopen`, :meth:`rate` (the citizen), :meth:`archive` and
:meth:`redispose` (national administrators). Every change makes a new version of the report and
moves it to the end of the change feed.

Faults (``faults`` probabilities, drawn from a seeded generator, plus :meth:`fail_next` for
scripted answers): timeouts before the request is processed and after it was (the answer is
lost), HTTP 5xx, 429 with Retry-After, and in the feed: items delivered twice, older versions
delivered after newer ones, and pages served again from an earlier cursor.

Idempotency as a real server should do it: a POST whose ``Idempotency-Key`` was seen gets the
stored answer and changes nothing; follow-ups and files are also unique by their reference.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from aduan.core import clock

PREFIX = "/api/v1"


@dataclass
class Faults:
    timeout_before: float = 0.0
    timeout_after: float = 0.0
    server_error: float = 0.0
    rate_limit: float = 0.0
    duplicate_item: float = 0.0
    out_of_order: float = 0.0
    replay_page: float = 0.0

    def off(self) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, 0.0)


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error": "simulated"}'
    path_contains: str = ""


class NationalSimulator:
    def __init__(self, instansi: str, *, token: str = "token-rahasia", seed: int = 0) -> None:
        self.instansi = instansi
        self.token = token
        self.rng = random.Random(seed)
        self.faults = Faults()
        self.reports: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.changed_at: dict[str, int] = {}
        # The instansi that ever held each report: one that loses a report hears of it.
        self.held_by: dict[str, set[str]] = {}
        self.seq = 0
        self.numbers = 0
        self.idempotency: dict[str, tuple[int, dict[str, Any]]] = {}
        self.effects: Counter[str] = Counter()  # POSTs applied, by idempotency key
        self.replayed: Counter[str] = Counter()  # POSTs answered from the idempotency store
        self.requests: list[httpx.Request] = []
        self.scripted: list[Scripted] = []
        self.faulted: Counter[str] = Counter()
        # The reporter's files, by (national ID, id_referensi): served by GET …/lampiran/{ref}.
        self.files: dict[tuple[str, str], bytes] = {}
        self.file_bytes_sent = 0
        # The national directory of instansi, served by GET /instansi in pages.
        self.directory: list[dict[str, Any]] = [
            {"id": "PEMKOT-PADANG", "nama": "Pemerintah Kota Padang", "aktif": True},
            {"id": "PEMKAB-AGAM", "nama": "Pemerintah Kabupaten Agam", "aktif": True},
            {"id": "KEMENPUPR", "nama": "Kementerian Pekerjaan Umum", "aktif": True},
            {"id": "PLN-UID-SUMBAR", "nama": "PT PLN (Persero) UID Sumatera Barat", "aktif": True},
        ]

    # --- transport ---------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def fail_next(
        self, status: int, *, times: int = 1, path_contains: str = "", **headers: str
    ) -> None:
        for _ in range(times):
            self.scripted.append(Scripted(status, dict(headers), path_contains=path_contains))

    def _draw(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"error": "token tidak valid"})
        path = unquote(request.url.path)
        assert path.startswith(PREFIX), path
        path = path[len(PREFIX) :]
        for index, item in enumerate(self.scripted):
            if item.path_contains in path:
                del self.scripted[index]
                return httpx.Response(item.status, headers=item.headers, text=item.body)
        if self._draw(self.faults.timeout_before):
            self.faulted["timeout_before"] += 1
            raise httpx.ReadTimeout("simulated timeout", request=request)
        if self._draw(self.faults.server_error):
            self.faulted["server_error"] += 1
            return httpx.Response(self.rng.choice([500, 502, 503]), text="upstream error")
        if self._draw(self.faults.rate_limit):
            self.faulted["rate_limit"] += 1
            return httpx.Response(429, headers={"Retry-After": "30"}, json={"error": "pelan"})
        if request.method == "GET":
            return self._get(path, request)
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            return httpx.Response(400, json={"error": "Idempotency-Key wajib"})
        if key in self.idempotency:
            self.replayed[key] += 1
            status, body = self.idempotency[key]
            response = httpx.Response(status, json=body)
        else:
            status, body = self._post(path, json.loads(request.content or b"{}"))
            if status < 500:
                self.idempotency[key] = (status, body)
            if status < 300:
                self.effects[key] += 1
            response = httpx.Response(status, json=body)
        if self._draw(self.faults.timeout_after):
            self.faulted["timeout_after"] += 1
            raise httpx.ReadTimeout("simulated timeout after processing", request=request)
        return response

    # --- reads -------------------------------------------------------------------------------

    def _get(self, path: str, request: httpx.Request) -> httpx.Response:
        feed = f"/instansi/{self.instansi}/laporan"
        if path == feed:
            return httpx.Response(200, json=self._feed(request))
        if path == "/instansi":
            start = int(request.url.params.get("cursor") or 0)
            limit = int(request.url.params.get("limit") or 50)
            end = start + limit
            page = {"data": copy.deepcopy(self.directory[start:end])}
            return httpx.Response(
                200, json={**page, "next_cursor": str(end), "has_more": end < len(self.directory)}
            )
        if path.startswith("/laporan/") and "/lampiran/" in path:
            national_id, _sep, reference = path.removeprefix("/laporan/").partition("/lampiran/")
            content = self.files.get((national_id, reference))
            if content is None:
                return httpx.Response(404, json={"error": "berkas tidak ditemukan"})
            return httpx.Response(200, content=self._chunks(content))
        if path.startswith("/laporan/"):
            report = self.reports.get(path.removeprefix("/laporan/"))
            if report is None:
                return httpx.Response(404, json={"error": "tidak ditemukan"})
            return httpx.Response(200, json=copy.deepcopy(report))
        return httpx.Response(404, json={"error": "tidak ada"})

    def _chunks(self, content: bytes, size: int = 1024) -> Iterator[bytes]:
        """A file sent in pieces, as a server streams it; ``file_bytes_sent`` counts what left."""
        for start in range(0, len(content), size):
            self.file_bytes_sent += len(content[start : start + size])
            yield content[start : start + size]

    def _feed(self, request: httpx.Request) -> dict[str, Any]:
        cursor = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params.get("limit") or 50)
        if cursor and self._draw(self.faults.replay_page):
            self.faulted["replay_page"] += 1
            cursor = max(0, cursor - self.rng.randint(1, 5))
        ours = sorted(
            (seq, national_id)
            for national_id, seq in self.changed_at.items()
            if seq > cursor and self.instansi in self.held_by[national_id]
        )
        page = ours[:limit]
        items = [copy.deepcopy(self.reports[national_id]) for _seq, national_id in page]
        delivered: list[dict[str, Any]] = []
        for item in items:
            if self._draw(self.faults.out_of_order):
                older = self.history[item["tracking_id"]][:-1]
                if older:
                    self.faulted["out_of_order"] += 1
                    delivered.append(copy.deepcopy(self.rng.choice(older)))
            delivered.append(item)
            if self._draw(self.faults.duplicate_item):
                self.faulted["duplicate_item"] += 1
                delivered.append(copy.deepcopy(item))
        return {
            "data": delivered,
            "next_cursor": str(page[-1][0]) if page else str(cursor),
            "has_more": len(ours) > limit,
        }

    # --- writes through the API --------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path == "/laporan":
            if not body.get("judul") or not body.get("isi"):
                return 422, {"error": "judul dan isi wajib"}
            national_id = self._new_report(
                {
                    **body,
                    "instansi_id": body.get("instansi_id", ""),
                    "status": body.get("status", "Belum Terverifikasi"),
                }
            )
            return 201, {"tracking_id": national_id, "versi": 1}
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "laporan":
            return 404, {"error": "tidak ada"}
        report = self.reports.get(parts[1])
        if report is None:
            return 404, {"error": "laporan tidak ditemukan"}
        if report["instansi_id"] != self.instansi:
            return 409, {"error": "laporan tidak lagi pada instansi ini"}
        action = parts[2]
        if action == "tindak-lanjut":
            if not body.get("isi") or not body.get("id_referensi"):
                return 422, {"error": "isi dan id_referensi wajib"}
            if not any(f["id_referensi"] == body["id_referensi"] for f in report["tindak_lanjut"]):
                report["tindak_lanjut"].append(
                    {k: body.get(k) for k in ("id_referensi", "isi", "unit", "waktu")}
                )
        elif action == "status":
            if body.get("status") not in NATIONAL_STATES:
                return 422, {"error": f"status tidak dikenal: {body.get('status')}"}
            report["status"] = body["status"]
            report["status_instansi"] = body.get("status_instansi", "")
            if body.get("alasan_arsip"):
                report["alasan_arsip"] = body["alasan_arsip"]
        elif action == "lampiran":
            try:
                content = base64.b64decode(body.get("isi_base64", ""), validate=True)
            except ValueError:
                return 422, {"error": "isi_base64 rusak"}
            if hashlib.sha256(content).hexdigest() != body.get("sha256"):
                return 422, {"error": "sha256 tidak cocok"}
            if not any(f["id_referensi"] == body.get("id_referensi") for f in report["lampiran"]):
                report["lampiran"].append(
                    {k: body.get(k) for k in ("id_referensi", "nama", "tipe", "ukuran", "sha256")}
                )
        elif action == "alihkan":
            target_id = body.get("tujuan_instansi_id")
            if target_id and not any(entry["id"] == target_id for entry in self.directory):
                return 422, {"error": f"instansi tidak dikenal: {target_id}"}
            report["instansi_id"] = ""
            report["instansi_nama"] = ""
            report["tujuan"] = body.get("tujuan", "")
            report["tujuan_instansi_id"] = target_id or ""
            report["status"] = body.get("status", "Belum Didisposisi")
        else:
            return 404, {"error": "tidak ada"}
        self._changed(report)
        return 200, {"tracking_id": report["tracking_id"], "versi": report["versi"]}

    # --- national-side people ----------------------------------------------------------------

    def _new_report(self, fields: dict[str, Any]) -> str:
        self.numbers += 1
        national_id = f"LAP-{self.numbers:06d}"
        report: dict[str, Any] = {
            "tracking_id": national_id,
            "versi": 0,
            "status": "Belum Terverifikasi",
            "instansi_id": self.instansi,
            "instansi_nama": "Pemerintah Provinsi Sumatera Barat",
            "judul": "",
            "isi": "",
            "jenis": "Pengaduan",
            "anonim": False,
            "rahasia": False,
            "nama_pelapor": "",
            "referensi_instansi": "",
            "dibuat_pada": clock.now().isoformat(),
            "tanggapan_pelapor": [],
            "permintaan_buka_kembali": [],
            "penilaian": None,
            "komentar_penilaian": "",
            "tindak_lanjut": [],
            "lampiran": [],
        }
        report.update(fields)
        report["tracking_id"] = national_id
        report["versi"] = 0
        self.reports[national_id] = report
        self.history[national_id] = []
        self._changed(report)
        return national_id

    def _changed(self, report: dict[str, Any]) -> None:
        self.held_by.setdefault(report["tracking_id"], set()).add(report["instansi_id"])
        report["versi"] += 1
        self.seq += 1
        self.changed_at[report["tracking_id"]] = self.seq
        self.history[report["tracking_id"]].append(copy.deepcopy(report))

    def dispose(self, title: str = "Jalan rusak di Nagari Koto", **fields: Any) -> str:
        """A citizen's report, verified nationally and given to our instansi."""
        return self._new_report(
            {
                "judul": title,
                "isi": fields.pop(
                    "isi", "Jalan provinsi berlubang besar sejak dua bulan, mohon diperbaiki."
                ),
                "nama_pelapor": fields.pop("nama_pelapor", "Budi Santoso"),
                **fields,
            }
        )

    def add_file(
        self,
        national_id: str,
        content: bytes,
        name: str = "foto-jalan.png",
        *,
        listed_sha256: str | None = None,
    ) -> str:
        """The reporter adds a file to the report on SP4N-LAPOR! (``listed_sha256``: what the
        listing says, when it should not match the content)."""
        report = self.reports[national_id]
        reference = self._item_id("BERKAS")
        self.files[(national_id, reference)] = content
        report["lampiran"].append(
            {
                "id_referensi": reference,
                "nama": name,
                "tipe": "application/octet-stream",
                "ukuran": len(content),
                "sha256": listed_sha256 or hashlib.sha256(content).hexdigest(),
            }
        )
        self._changed(report)
        return reference

    def _item_id(self, prefix: str) -> str:
        self.numbers += 1
        return f"{prefix}-{self.numbers}"

    def reply(self, national_id: str, text: str = "Mohon kabar terbarunya.") -> str:
        report = self.reports[national_id]
        item_id = self._item_id("T")
        report["tanggapan_pelapor"].append(
            {"id": item_id, "isi": text, "waktu": clock.now().isoformat()}
        )
        self._changed(report)
        return item_id

    def can_close(self, national_id: str) -> bool:
        report = self.reports[national_id]
        return report["status"] == "Selesai" and report["penilaian"] is None

    def reopen(self, national_id: str, reason: str = "Belum diperbaiki sama sekali.") -> str:
        report = self.reports[national_id]
        assert self.can_close(national_id)
        item_id = self._item_id("B")
        report["permintaan_buka_kembali"].append(
            {"id": item_id, "alasan": reason, "waktu": clock.now().isoformat()}
        )
        report["status"] = "Sedang Diproses"
        self._changed(report)
        return item_id

    def rate(self, national_id: str, score: int = 5, comment: str = "Terima kasih.") -> None:
        report = self.reports[national_id]
        assert self.can_close(national_id)
        report["penilaian"] = score
        report["komentar_penilaian"] = comment
        self._changed(report)

    def archive(self, national_id: str) -> None:
        report = self.reports[national_id]
        report["status"] = "Arsip"
        self._changed(report)

    def redispose(self, national_id: str, instansi: str = "PEMKOT-PADANG") -> None:
        report = self.reports[national_id]
        report["instansi_id"] = instansi
        report["instansi_nama"] = "Pemerintah Kota Padang"
        report["status"] = "Belum Terverifikasi"
        self._changed(report)

    # --- checks --------------------------------------------------------------------------------

    def applied_twice(self) -> list[str]:
        return [key for key, count in self.effects.items() if count > 1]

    def duplicated_references(self) -> list[str]:
        found = []
        for report in self.reports.values():
            for kind in ("tindak_lanjut", "lampiran"):
                refs = Counter(item["id_referensi"] for item in report[kind])
                found += [f"{report['tracking_id']} {ref}" for ref, n in refs.items() if n > 1]
        return found

    def posts(self, path_contains: str = "") -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST" and path_contains in r.url.path]


NATIONAL_STATES = {
    "Belum Terverifikasi",
    "Belum Didisposisi",
    "Sedang Diproses",
    "Selesai",
    "Arsip",
}
