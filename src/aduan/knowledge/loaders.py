"""The regulations every node works by, as links (no files), and example canned responses for
the demo. Safe to repeat: an entry whose title is already there is left as it is (an
administrator may have edited or archived it).

Titles as the regulations cite themselves (DESIGN §3, the action plan's "Dasar Hukum"); the links
search the BPK legal database (JDIH BPK) for the number and year, where the text and the PDF
are published. Effective dates are left for the administrator to fill in from the documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction

from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.knowledge.models import Document, DocumentKind, ResponseTemplate


@dataclass(frozen=True)
class Regulation:
    title: str
    number: str
    year: int
    keywords: str
    summary: str
    replaced_by: str = ""  # the title of the regulation that replaced this one

    @property
    def url(self) -> str:
        query = urlencode({"keywords": self.keywords, "nomor": self.number, "tahun": self.year})
        return f"https://peraturan.bpk.go.id/Search?{query}"


PERMENPANRB_2025 = (
    "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 5 Tahun 2025 "
    "tentang Penyelenggaraan Sistem Pengelolaan Pengaduan Pelayanan Publik Nasional"
)
REGULATIONS = (
    Regulation(
        title="Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
        number="25",
        year=2009,
        keywords="pelayanan publik",
        summary="Dasar hukum penyelenggaraan pelayanan publik, termasuk kewajiban penyelenggara "
        "mengelola pengaduan.",
    ),
    Regulation(
        title="Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan Pelayanan "
        "Publik",
        number="76",
        year=2013,
        keywords="pengelolaan pengaduan pelayanan publik",
        summary="Pengelolaan pengaduan oleh penyelenggara pelayanan publik; pengaduan "
        "diselesaikan paling lambat 60 hari sejak berkas lengkap.",
    ),
    Regulation(
        title="Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 62 "
        "Tahun 2018 tentang Pedoman Penyelenggaraan Pengelolaan Pengaduan Pelayanan Publik "
        "Secara Nasional",
        number="62",
        year=2018,
        keywords="pengelolaan pengaduan pelayanan publik",
        summary="Pedoman SP4N-LAPOR! sebelumnya; diganti oleh Permen PANRB Nomor 5 Tahun 2025.",
        replaced_by=PERMENPANRB_2025,
    ),
    Regulation(
        title=PERMENPANRB_2025,
        number="5",
        year=2025,
        keywords="sistem pengelolaan pengaduan pelayanan publik nasional",
        summary="Pedoman penyelenggaraan SP4N-LAPOR!; menggantikan Permen PANRB Nomor 62 Tahun "
        "2018.",
    ),
    Regulation(
        title="Peraturan Gubernur Sumatera Barat Nomor 62 Tahun 2016 tentang Tata Cara "
        "Pengelolaan Pengaduan Pelayanan Publik di Lingkungan Pemerintah Provinsi Sumatera Barat",
        number="62",
        year=2016,
        keywords="pengaduan pelayanan publik sumatera barat",
        summary="Tata cara pengelolaan pengaduan di lingkungan Pemerintah Provinsi Sumatera Barat.",
    ),
)

EXAMPLE_TEMPLATES = (
    (
        "Laporan diterima dan sedang ditindaklanjuti",
        "Terima kasih atas laporan Anda dengan nomor {nomor_laporan} tentang "
        "“{judul_laporan}”. Laporan telah kami terima dan sedang ditindaklanjuti oleh "
        "{nama_instansi}. Penyelesaiannya kami upayakan paling lambat {tenggat}; perkembangannya "
        "akan kami sampaikan melalui laporan ini.",
    ),
    (
        "Mohon data tambahan",
        "Terima kasih atas laporan {nomor_laporan}. Agar dapat kami tindak lanjuti, mohon "
        "lengkapi lokasi yang tepat (nama jalan, patokan terdekat) dan, bila ada, foto terbaru. "
        "Salam, {nama_instansi}.",
    ),
)


@transaction.atomic
def load_regulations() -> int:
    """Add the regulations that are missing (by title). Returns how many were added."""
    now = clock.now()
    by_title = {
        d.title: d for d in Document.objects.filter(title__in=[r.title for r in REGULATIONS])
    }
    created: set[str] = set()
    for regulation in REGULATIONS:
        if regulation.title in by_title:
            continue
        document = Document.objects.create(
            title=regulation.title,
            kind=DocumentKind.REGULATION,
            number=regulation.number,
            year=regulation.year,
            summary=regulation.summary,
            url=regulation.url,
            created_at=now,
            updated_at=now,
        )
        by_title[document.title] = document
        created.add(document.title)
        audit_log(
            actor=None,
            action="knowledge.document_created",
            target=document,
            data={"title": document.title, "kind": document.kind, "url": document.url},
        )
    # Only on rows made now: an administrator's later choice is never undone by a re-run.
    for regulation in REGULATIONS:
        newer = by_title.get(regulation.replaced_by)
        if regulation.title in created and newer is not None:
            document = by_title[regulation.title]
            document.replaced_by = newer
            document.save(update_fields=["replaced_by"])
    return len(created)


@transaction.atomic
def load_example_templates() -> int:
    """The demo's shared canned responses (by title). Returns how many were added."""
    now = clock.now()
    existing = set(
        ResponseTemplate.objects.filter(agency__isnull=True).values_list("title", flat=True)
    )
    added = 0
    for title, body in EXAMPLE_TEMPLATES:
        if title in existing:
            continue
        template = ResponseTemplate.objects.create(
            title=title, body=body, created_at=now, updated_at=now
        )
        added += 1
        audit_log(
            actor=None,
            action="knowledge.template_created",
            target=template,
            data={"title": title, "body": body, "category": None, "agency": None},
        )
    return added
