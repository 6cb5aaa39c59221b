"""Generated complaints for benchmarks and demos of scale (``aduan loadgen``).

Fills the database with N realistic complaints fast: spread over several years (recent years
larger, weekdays and office hours heavier), in every lifecycle state in realistic proportions
(most closed; some dispatched, in progress or awaiting the reporter; a few unverified, on hold,
archived or transferred), with what services would have stored on the way:

* ``Dispatch`` rows for every dispatched-or-later complaint: a lead hop (accepted, or still
  pending) and sometimes supporting hops (accepted, pending or declined). Services never end a
  hop when a complaint closes, so the hops of closed complaints stay accepted, as real ones do.
* ``Clock`` rows as ``services._start_clock`` / ``_stop_clocks`` leave them: stopped for
  finished stages, running (with ``due_at``) for the open one, paused verification while on
  hold, ``breached_at`` where the hourly sweep would have flagged an officer's deadline.
* Published ``FollowUp`` rows for complaints in progress and later, written by an operator of
  the lead agency (or the inactive ``loadgen`` account when the agency has none) and approved by
  its liaison officer.
* ``Support`` rows matching each public complaint's ``support_count`` (skewed: most have none).

Timings follow the deadlines: verification within 0-5 working-ish days (some late), first
follow-up within days, resolution weeks later, closing after the reporter's 10 working days or
the reporter's rating. Officers act in office hours on working days.

Reporters are mostly guests with generated names and phone numbers, some generated accounts;
e-mail addresses end in ``.invalid``. No real personal data — except with ``--source-csv``,
whose texts are real complaints (see ``shared/data/README``): use that on local benchmark
databases only, never where others can see the public pages.

What is *not* generated: audit events per complaint (so generated complaints have an empty
history on their timeline), outbox messages, notes, replies, attachments, reopenings and
declined lead hops. One audit event (``complaint.loadgen``) records the run; it is written in
the transaction of the first batch, so no generated row exists without it and ``aduan audit
verify`` holds.

Speed (1,000,000 complaints, 7.8 million rows: about 11 minutes on PostgreSQL on a shared
2-core machine): rows are generated in batches of plain values (constant memory) by a background
thread that touches no database, while the caller writes the previous batch; each batch is one
transaction (a crash leaves complete batches only). On PostgreSQL rows go in with binary
``COPY`` (several times cheaper than text COPY or INSERT), elsewhere with ``bulk_create``.
Primary keys of complaints and dispatches are reserved up front (the sequence on PostgreSQL) so
children can name their parents without a round trip. Foreign keys are still checked.

The seed makes the data repeatable for a given "now" (dates are drawn back from it, and the
first complaints are redrawn until they reach their state at that moment); tracking IDs are
drawn from the operating system's random source and checked against the database, so two runs
with the same seed never collide.
"""

from __future__ import annotations

import csv
import math
import os
import queue
import random
import re
import threading
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from aduan.accounts.demo import DEMO_EMAIL_DOMAIN
from aduan.accounts.models import Membership, Role, User
from aduan.agencies.models import Agency, Category, Region
from aduan.complaints.models import (
    ArchiveReason,
    Channel,
    Clock,
    Complaint,
    Dispatch,
    FollowUp,
    Kind,
    Status,
    Support,
)
from aduan.complaints.services import TRACKING_ALPHABET, TRACKING_BODY_LENGTH
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.calendar import JAKARTA, end_of_day, is_working_day

AUDIT_ACTION = "complaint.loadgen"
FALLBACK_STAFF_USERNAME = "loadgen"
DEFAULT_BATCH = 5000
# Every run starts with one complaint in each of these states, so even a tiny run fills every
# list and every branch of the data; the rest follow the natural proportions.
COVERAGE_ORDER = (
    Status.SUBMITTED,
    Status.ON_HOLD,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
    Status.ARCHIVED,
    Status.TRANSFERRED,
)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class LoadgenError(Exception):
    """The run cannot start (missing configuration, bad options); nothing was written."""


# --- options and results -------------------------------------------------------------------


@dataclass(frozen=True)
class LoadgenOptions:
    """What to generate: ``complaints`` rows submitted in ``years`` (inclusive)."""

    complaints: int
    seed: int
    years: tuple[int, int]
    batch: int = DEFAULT_BATCH
    source_csv: Path | None = None


@dataclass
class LoadgenProgress:
    """Where a run is, reported after every committed batch and at the end."""

    complaints_done: int
    complaints_total: int
    rows: Counter[str]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else 0.0


def parse_years(text: str, *, today: date) -> tuple[int, int]:
    """``"2021-2026"`` or ``"2024"`` → (first, last); never beyond the current year."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text or "")
    if not match:
        raise LoadgenError(_("Years must look like 2021-2026 or 2024."))
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first > last:
        raise LoadgenError(_("The first year comes after the last one."))
    if last > today.year:
        raise LoadgenError(
            _("Complaints cannot be submitted in the future: the last year is %(year)d at most.")
            % {"year": today.year}
        )
    if first < 2000:
        raise LoadgenError(_("The first year must be 2000 or later."))
    return first, last


def default_years(today: date) -> tuple[int, int]:
    """The last six calendar years, this one included."""
    return today.year - 5, today.year


# --- built-in text -------------------------------------------------------------------------

# Problems by category code (the packaged starter categories); other categories fall back to
# generic sentences that name the category.
PROBLEMS: dict[str, tuple[str, ...]] = {
    "infrastruktur": (
        "Proyek pembangunan terbengkalai",
        "Pekerjaan proyek meninggalkan material di badan jalan",
        "Papan informasi proyek tidak dipasang",
    ),
    "jalan-jembatan": (
        "Jalan berlubang",
        "Jembatan rusak",
        "Aspal jalan mengelupas",
        "Longsor menutup badan jalan",
        "Lampu penerangan jalan mati",
        "Marka jalan pudar",
        "Bahu jalan amblas",
        "Gorong-gorong di bawah jalan ambruk",
        "Pagar pengaman jembatan hilang",
    ),
    "drainase-banjir": (
        "Saluran drainase tersumbat",
        "Banjir setiap hujan deras",
        "Tanggul sungai jebol",
        "Saluran irigasi kering",
        "Got meluap ke jalan",
        "Pintu air irigasi rusak",
    ),
    "perumahan-permukiman": (
        "Air bersih tidak mengalir",
        "Bantuan rumah tidak layak huni belum diterima",
        "MCK umum rusak",
        "Sertifikat tanah program pemerintah belum terbit",
    ),
    "kesehatan": (
        "Puskesmas tutup pada jam pelayanan",
        "Stok vaksin anak kosong",
        "Ambulans desa tidak bisa digunakan",
        "Petugas puskesmas jarang di tempat",
    ),
    "pelayanan-rumah-sakit": (
        "Antrean rawat jalan terlalu lama",
        "Pasien BPJS ditolak di IGD",
        "Petugas rumah sakit kurang ramah",
        "Obat tidak tersedia di apotek rumah sakit",
        "Kamar rawat inap kelas III selalu penuh",
        "Toilet ruang rawat inap kotor",
    ),
    "jaminan-kesehatan": (
        "Kartu KIS tidak aktif",
        "Kepesertaan BPJS PBI dinonaktifkan tanpa pemberitahuan",
        "Klaim jaminan kesehatan ditolak",
    ),
    "pendidikan": (
        "Beasiswa belum cair",
        "Tunjangan guru honorer terlambat",
        "Bantuan seragam sekolah tidak merata",
    ),
    "ppdb": (
        "Pendaftaran PPDB online gagal",
        "Zonasi PPDB tidak sesuai domisili",
        "Pendaftaran jalur afirmasi ditolak",
        "Pengumuman hasil PPDB tidak jelas",
    ),
    "sekolah": (
        "Pungutan uang komite sekolah",
        "Atap ruang kelas bocor",
        "Ijazah ditahan sekolah",
        "Guru jarang masuk kelas",
        "Kursi dan meja belajar rusak",
    ),
    "kependudukan": (
        "KTP-el belum dicetak",
        "Kartu keluarga salah data",
        "Pengurusan akta kelahiran lama",
        "Blanko KTP-el habis",
        "Data NIK tidak ditemukan saat verifikasi",
    ),
    "perizinan": (
        "Izin usaha tidak kunjung terbit",
        "Sistem OSS tidak bisa diakses",
        "Persyaratan izin berubah-ubah",
    ),
    "lingkungan-hidup": (
        "Limbah pabrik mencemari sungai",
        "Pembakaran sampah terbuka",
        "Bau menyengat dari peternakan",
        "Tumpukan sampah liar",
        "Penambangan pasir merusak sungai",
    ),
    "sosial-bansos": (
        "Bantuan PKH tidak diterima",
        "Data DTKS tidak diperbarui",
        "Lansia terlantar butuh bantuan",
        "Penyandang disabilitas membutuhkan kursi roda",
        "Bantuan sembako tidak tepat sasaran",
    ),
    "transportasi": (
        "Bus Trans Padang tidak sesuai jadwal",
        "Parkir liar memenuhi bahu jalan",
        "Pungutan liar di terminal",
        "Lampu lalu lintas mati",
        "Uji KIR dipersulit",
        "Halte rusak dan tidak terawat",
    ),
    "ketenteraman-ketertiban": (
        "Pedagang kaki lima berjualan di trotoar",
        "Balap liar setiap malam",
        "Hidran kebakaran tidak berfungsi",
        "Tempat hiburan malam bising sampai dini hari",
    ),
    "kebencanaan": (
        "Galodo merusak rumah warga",
        "Pengungsi belum mendapat bantuan logistik",
        "Tebing rawan longsor di permukiman",
        "Jalur evakuasi tsunami rusak",
        "Sirene peringatan dini tidak berbunyi saat uji coba",
    ),
    "ketenagakerjaan": (
        "Upah di bawah UMP",
        "PHK sepihak tanpa pesangon",
        "Pelatihan kerja dibatalkan mendadak",
        "THR tidak dibayarkan",
    ),
    "pengawasan": (
        "ASN sering tidak masuk kerja",
        "Pegawai berjualan di jam dinas",
        "Pejabat memakai kendaraan dinas untuk keperluan pribadi",
    ),
    "penyalahgunaan-wewenang": (
        "Dugaan penyalahgunaan wewenang dalam pengadaan",
        "Pejabat mengarahkan proyek ke keluarga",
        "Dugaan penyimpangan dana bantuan",
    ),
    "pungutan-liar": (
        "Pungutan liar dalam pengurusan surat",
        "Petugas meminta uang pelicin",
        "Biaya tambahan tanpa kuitansi",
    ),
    "lainnya": (
        "Informasi layanan tidak jelas",
        "Situs web dinas tidak bisa diakses",
        "Nomor pengaduan tidak pernah diangkat",
    ),
}
GENERIC_PROBLEMS = (
    "Layanan {category} tidak memuaskan",
    "Keluhan tentang {category}",
    "Masalah {category} belum ditangani",
)
SUPERVISORY_PROBLEMS = PROBLEMS["pengawasan"] + PROBLEMS["penyalahgunaan-wewenang"]
STREETS = (
    "Jalan Sudirman",
    "Jalan Khatib Sulaiman",
    "Jalan Ahmad Yani",
    "Jalan Veteran",
    "Jalan By Pass",
    "Jalan Raya Padang-Bukittinggi",
    "Jalan Prof. Hamka",
    "Jalan Gajah Mada",
    "Jalan Diponegoro",
    "Jalan Samudra",
    "Jalan S. Parman",
    "Jalan Dr. Moh. Hatta",
    "Jalan Perintis Kemerdekaan",
    "Jalan Imam Bonjol",
    "Jalan Adinegoro",
    "Jalan Raya Lubuk Alung",
    "Jalan Soekarno-Hatta",
    "Jalan Proklamasi",
    "Jalan M. Yamin",
    "Jalan Lintas Sumatera",
    "Jalan Raya Solok",
    "Jalan Pasar Baru",
)
LANDMARKS = (
    "depan pasar",
    "dekat SD Negeri {number}",
    "di simpang tiga",
    "depan masjid raya",
    "samping kantor wali nagari",
    "dekat puskesmas",
    "depan terminal",
    "dekat jembatan",
    "di ujung gang {number}",
    "seberang SMA Negeri {number}",
)
# Used when no regions are loaded (``load_demo --skip-regions``).
BUILTIN_PLACES = (
    ("Koto Tangah", "Kota Padang"),
    ("Kuranji", "Kota Padang"),
    ("Lubuk Begalung", "Kota Padang"),
    ("Padang Utara", "Kota Padang"),
    ("Nanggalo", "Kota Padang"),
    ("Mandiangin Koto Selayan", "Kota Bukittinggi"),
    ("Guguk Panjang", "Kota Bukittinggi"),
    ("Lubuk Alung", "Kabupaten Padang Pariaman"),
    ("Batang Anai", "Kabupaten Padang Pariaman"),
    ("Lubuk Basung", "Kabupaten Agam"),
    ("Payakumbuh Barat", "Kota Payakumbuh"),
    ("Lima Kaum", "Kabupaten Tanah Datar"),
    ("Pariaman Tengah", "Kota Pariaman"),
    ("IV Jurai", "Kabupaten Pesisir Selatan"),
    ("Pulau Punjung", "Kabupaten Dharmasraya"),
    ("Lembah Gumanti", "Kabupaten Solok"),
    ("Sijunjung", "Kabupaten Sijunjung"),
    ("Lubuk Sikaping", "Kabupaten Pasaman"),
)
DURATIONS = (
    "sejak dua minggu lalu",
    "sudah sebulan",
    "sejak awal tahun",
    "sudah tiga bulan",
    "sejak musim hujan kemarin",
    "sudah lebih dari seminggu",
)
OPENINGS = (
    "",
    "Assalamualaikum Bapak/Ibu. ",
    "Selamat siang Bapak/Ibu. ",
    "Mohon perhatian instansi terkait. ",
    "Yth. Bapak/Ibu petugas. ",
    "Saya ingin melaporkan kondisi di lingkungan kami. ",
)
# Categories whose problems sit at a place (a road, a river); the others are about a service
# (a card, a payment, a registration) and read differently.
PLACE_BOUND = frozenset(
    {
        "infrastruktur",
        "jalan-jembatan",
        "drainase-banjir",
        "lingkungan-hidup",
        "transportasi",
        "ketenteraman-ketertiban",
        "kebencanaan",
    }
)
PLACE_BODIES = (
    "{problem} di {spot}, {street}, {duration} belum ada penanganan.",
    "{problem} {spot} di {street}. Kondisi ini {duration} dibiarkan.",
    "Di {street} ({spot}) {problem_lower}, {duration}.",
    "{problem}. Lokasinya {spot}, {street}, {place}.",
)
PLACE_IMPACTS = (
    "Warga sekitar sangat terganggu.",
    "Kondisi ini membahayakan pengendara, terutama malam hari.",
    "Sudah beberapa kali ada warga yang celaka.",
    "Anak-anak sekolah terpaksa memutar jauh.",
    "Kami sudah melapor ke kantor kecamatan tetapi belum ada tanggapan.",
    "",
)
PLACE_REQUESTS = (
    "Mohon segera ditindaklanjuti.",
    "Kami berharap ada perbaikan secepatnya.",
    "Mohon dicek ke lokasi.",
    "Terima kasih atas perhatiannya.",
)
PLACE_TITLES = (
    "{problem} di {street}",
    "{problem} di {place}",
    "{problem} {spot}",
    "{problem} {duration}",
    "Mohon ditindaklanjuti: {problem_lower} di {place}",
)
SERVICE_BODIES = (
    "{problem}. Saya warga {place} dan {duration} menunggu tanpa kejelasan.",
    "Saya mengalami masalah: {problem_lower}, {duration}.",
    "{problem}, padahal semua persyaratan sudah saya lengkapi.",
    "Keluarga kami di {place}: {problem_lower}. Kejadiannya {duration}.",
)
SERVICE_IMPACTS = (
    "Sudah beberapa kali datang ke kantor tetapi disuruh menunggu.",
    "Petugas tidak memberi penjelasan yang jelas.",
    "Kami sangat membutuhkan layanan ini.",
    "Banyak warga lain mengalami hal yang sama.",
    "",
)
SERVICE_REQUESTS = (
    "Mohon kejelasan prosesnya.",
    "Mohon bantuan penyelesaiannya.",
    "Terima kasih atas perhatiannya.",
    "Mohon segera ditindaklanjuti.",
)
SERVICE_TITLES = (
    "{problem}",
    "{problem} {duration}",
    "Mohon bantuan: {problem_lower}",
    "{problem} ({place})",
)
_Templates = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]
PLACE_TEXTS: _Templates = (PLACE_TITLES, PLACE_BODIES, PLACE_IMPACTS, PLACE_REQUESTS)
SERVICE_TEXTS: _Templates = (SERVICE_TITLES, SERVICE_BODIES, SERVICE_IMPACTS, SERVICE_REQUESTS)
FIRST_NAMES = (
    "Rahmat", "Yulia", "Andi", "Siti", "Fauzan", "Rina", "Hendra", "Dewi", "Arif", "Nurul",
    "Rizky", "Fitri", "Budi", "Mega", "Yusuf", "Indah", "Fadli", "Wulan", "Irfan", "Ratna",
    "Zulkifli", "Syafrida", "Afrizal", "Desi", "Ilham", "Novita", "Doni", "Yeni", "Reza",
    "Lestari", "Aldi", "Putri", "Syahrul", "Elvi", "Hanif", "Melati", "Taufik", "Sri", "Agus",
    "Nadia",
)  # fmt: skip
LAST_NAMES = (
    "Pratama", "Putra", "Saputra", "Rahmawati", "Hidayat", "Syahputra", "Wahyuni", "Kurniawan",
    "Handayani", "Firdaus", "Ramadhan", "Amelia", "Maulana", "Permata", "Anggraini", "Rahman",
    "Susanti", "Nasution", "Effendi", "Yanti", "Zainal", "Fauziah", "Aziz", "Sari",
)  # fmt: skip
FOLLOWUP_FIRST = (
    "Terima kasih atas laporan Bapak/Ibu. Laporan sudah kami terima dan tim {agency} akan "
    "meninjau lokasi pada {date}.",
    "Laporan telah kami teruskan ke bidang teknis {agency}. Peninjauan lapangan dijadwalkan "
    "{date}.",
    "Petugas {agency} telah meninjau lokasi pada {date}; penanganan masuk jadwal pekerjaan "
    "bulan ini.",
    "Pengaduan sudah kami tindak lanjuti: petugas turun ke lapangan pada {date} dan permasalahan "
    "sedang ditangani.",
    "Kami sudah berkoordinasi dengan pihak terkait pada {date}. Perkembangan akan kami sampaikan "
    "kembali.",
)
FOLLOWUP_LATER = (
    "Pekerjaan sedang berlangsung dan diperkirakan selesai dalam {days} hari kerja.",
    "Kami masih menunggu ketersediaan anggaran; penanganan sementara sudah dilakukan.",
    "Pemeriksaan lanjutan dilakukan pada {date}. Hasilnya akan kami sampaikan.",
    "Permasalahan telah ditangani sebagian; sisa pekerjaan dijadwalkan {date}.",
)
SUPPORT_FOLLOWUPS = (
    "Dari pihak {agency}: kami mendukung penanganan oleh instansi utama dan sudah menurunkan "
    "petugas pada {date}.",
    "{agency} telah berkoordinasi dengan instansi utama pada {date}.",
)
DECLINE_REASONS = (
    "Bukan kewenangan kami; sudah ditangani instansi utama.",
    "Lokasi berada di luar wilayah kerja kami.",
    "Permasalahan tidak terkait tugas dan fungsi kami.",
)
ARCHIVE_CHOICES = (
    (ArchiveReason.NOT_A_COMPLAINT, ""),
    (ArchiveReason.OUT_OF_SCOPE, ""),
    (ArchiveReason.ABUSIVE, ""),
    (ArchiveReason.OTHER, "Pertanyaan umum, sudah dijawab melalui telepon."),
    (ArchiveReason.OTHER, "Laporan dikirim dua kali melalui kanal berbeda."),
)
TRANSFER_TARGETS = (
    "Pemerintah Kota Padang",
    "Pemerintah Kabupaten Agam",
    "Balai Pelaksanaan Jalan Nasional Sumatera Barat",
    "PLN UP3 Padang",
    "BPJS Kesehatan Cabang Padang",
    "Kepolisian Daerah Sumatera Barat",
    "Perumda Air Minum Kota Padang",
    "Kantor Wilayah BPN Sumatera Barat",
)
RATING_COMMENTS = {
    5: ("Terima kasih, cepat ditangani.", "Pelayanan sangat baik.", "Sudah beres, mantap."),
    4: ("Sudah diperbaiki, walau agak lama.", "Cukup baik, terima kasih."),
    3: ("Ditangani, tetapi belum tuntas.", "Lumayan."),
    2: ("Terlalu lama menunggu.", "Perbaikannya asal-asalan."),
    1: ("Tidak ada perbaikan sama sekali.", "Laporan ditutup padahal belum selesai."),
}
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip

# Channels and kinds: web and the Super-App dominate, then WhatsApp and SP4N-LAPOR!.
CHANNEL_WEIGHTS = (
    (Channel.WEB, 34),
    (Channel.SUPERAPP, 24),
    (Channel.WHATSAPP, 20),
    (Channel.LAPOR, 9),
    (Channel.SMS, 3),
    (Channel.EMAIL, 3),
    (Channel.COUNTER, 3),
    (Channel.API, 3),
    (Channel.OPEN311, 1),
)
KIND_WEIGHTS = ((Kind.COMPLAINT, 85), (Kind.ASPIRATION, 10), (Kind.INFORMATION_REQUEST, 5))
# Local hour of submission: office hours heaviest, an evening bump, quiet nights.
HOUR_WEIGHTS = (
    0.3, 0.15, 0.1, 0.1, 0.3, 0.8, 1.5, 3.0, 5.0, 6.0, 6.0, 5.5,
    4.5, 5.0, 5.5, 4.5, 3.5, 2.6, 2.4, 2.8, 2.7, 2.0, 1.2, 0.6,
)  # fmt: skip
RATING_WEIGHTS = ((5, 40), (4, 28), (3, 14), (2, 8), (1, 10))
YEAR_GROWTH = 1.3  # each year ~30 % more complaints than the one before
WEEKEND_WEIGHT = 0.45  # weekends and holidays: fewer submissions

# Shares (the rest follows from them and from the age of each complaint).
SHARE_ACCOUNT = 0.15
SHARE_ANONYMOUS = 0.10
SHARE_CONFIDENTIAL = 0.05
SHARE_SUPERVISORY = 0.02
SHARE_HOLD = 0.08
SHARE_HOLD_COMPLETED = 0.7
SHARE_ARCHIVED = 0.06
SHARE_TRANSFERRED = 0.03
SHARE_RATED = 0.30
SHARE_LATE_RATING = 0.05
SHARE_SUPPORTED = 0.28
# Complaints stuck at a stage for good (the backlog that makes overdue lists non-empty).
STALL_VERIFY = 0.003
STALL_FOLLOWUP = 0.01
STALL_RESOLUTION = 0.025


def _cumulative(weights: Iterable[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Random(random.Random):
    """``random.Random`` with cheaper draws from sequences and ranges (tens of millions of calls
    per run); just as repeatable for a seed, uniform to within float rounding."""

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + step * int(self.random() * ((stop - start + step - 1) // step))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


class _Weighted:
    """Draw from a fixed list with fixed weights in O(log n)."""

    def __init__(self, items: Sequence[Any], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cumulative = _cumulative(weights)
        if not self.items or len(self.items) != len(self.cumulative):
            raise ValueError("weighted choice needs as many weights as items, at least one")
        self.total = self.cumulative[-1]

    @classmethod
    def pairs(cls, pairs: Sequence[tuple[Any, float]]) -> _Weighted:
        return cls([item for item, _weight in pairs], [weight for _item, weight in pairs])

    @classmethod
    def zipf(cls, items: Sequence[Any], exponent: float = 1.0) -> _Weighted:
        """The first item most likely, the n-th 1/n^exponent as likely."""
        return cls(items, [1.0 / (rank + 1) ** exponent for rank in range(len(items))])

    def draw(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


# --- calendar ------------------------------------------------------------------------------


# Asia/Jakarta has been UTC+7 without daylight saving since 1964; plain arithmetic with the
# offset is several times cheaper than converting through the zone database, millions of times.
# ``_Calendar`` checks the offset for the years it serves.
JAKARTA_OFFSET = timedelta(hours=7)
OFFICE_OPENS = 7 * 60 + 30  # minutes after local midnight
OFFICE_CLOSES = 16 * 60 + 30


def _local(moment: datetime) -> datetime:
    """The local wall-clock time of a UTC ``moment`` (still labelled UTC: compare, don't store)."""
    return moment + JAKARTA_OFFSET


class _Calendar:
    """The working-day calendar of ``aduan.core.calendar`` (holidays and the administrator's
    overrides), read once for every day from ``first`` to ``last`` so that generating touches
    no database (it runs in a background thread)."""

    def __init__(self, first: date, last: date) -> None:
        for day in (first, last):
            offset = datetime.combine(day, day_time(12), tzinfo=JAKARTA).utcoffset()
            if offset != JAKARTA_OFFSET:
                raise LoadgenError(f"Asia/Jakarta is not UTC+7 on {day}")
        self._working: dict[date, bool] = {}
        day = first
        while day <= last:
            self._working[day] = is_working_day(day)
            day += DAY
        self._after: dict[tuple[date, int], datetime] = {}
        self._plus: dict[tuple[date, int], datetime] = {}

    def working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:  # outside the range read up front (not reached by the generator)
            known = self._working[day] = is_working_day(day)
        return known

    def _end_of_day(self, day: date) -> datetime:
        return end_of_day(day).astimezone(UTC)

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """As ``calendar.add_working_days``: the end of the Nth working day after ``moment``."""
        key = (_local(moment).date(), days)
        due = self._after.get(key)
        if due is None:
            day, left = key
            while left:
                day += DAY
                if self.working(day):
                    left -= 1
            due = self._after[key] = self._end_of_day(day)
        return due

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """As ``calendar.working_days_between`` for the local dates of two moments."""
        day, last = _local(start).date(), _local(end).date()
        count = 0
        while day < last:
            day += DAY
            count += self.working(day)
        return count

    def add_days(self, moment: datetime, days: int) -> datetime:
        """As ``services._add_calendar_days``."""
        key = (_local(moment).date(), days)
        due = self._plus.get(key)
        if due is None:
            due = self._plus[key] = self._end_of_day(key[0] + timedelta(days=days))
        return due

    def office(self, moment: datetime, rng: random.Random) -> datetime:
        """``moment``, or soon after the next opening (07:30-16:30 on a working day)."""
        local = _local(moment)
        minutes = local.hour * 60 + local.minute
        day = local.date()
        working = self.working(day)
        if working and OFFICE_OPENS <= minutes < OFFICE_CLOSES:
            return moment
        if not (working and minutes < OFFICE_OPENS):
            day += DAY
            while not self.working(day):
                day += DAY
        opens = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC) - JAKARTA_OFFSET
        return opens + timedelta(seconds=rng.uniform(0, 3.5 * 3600))


class _Days:
    """Submission dates over the chosen years: recent years and working days heavier."""

    def __init__(self, first_year: int, last_year: int, today: date, calendar: _Calendar) -> None:
        days = []
        weights = []
        day = date(first_year, 1, 1)
        last = min(date(last_year, 12, 31), today)
        while day <= last:
            weight = YEAR_GROWTH ** (day.year - first_year)
            if not calendar.working(day):
                weight *= WEEKEND_WEIGHT
            days.append(day)
            weights.append(weight)
            day += DAY
        self.choice = _Weighted(days, weights)
        self.hours = _Weighted(range(24), HOUR_WEIGHTS)

    def draw(self, rng: random.Random, now: datetime) -> datetime:
        day: date = self.choice.draw(rng)
        moment = (
            datetime(
                day.year,
                day.month,
                day.day,
                self.hours.draw(rng),
                rng.randrange(60),
                rng.randrange(60),
                rng.randrange(1_000_000),
                tzinfo=UTC,
            )
            - JAKARTA_OFFSET
        )
        if moment > now:  # later today: a little earlier instead
            moment = now - timedelta(seconds=rng.uniform(60, 3 * 3600))
        return moment


def _lognormal_days(rng: random.Random, median_days: float, sigma: float) -> timedelta:
    return timedelta(days=median_days * math.exp(rng.gauss(0.0, sigma)))


def _sweep_delay(rng: random.Random) -> timedelta:
    """The hourly ``aduan sweep`` acts within an hour of a deadline."""
    return timedelta(seconds=rng.uniform(30, 3600))


def _indonesian_date(moment: datetime) -> str:
    local = _local(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


# --- the instansi --------------------------------------------------------------------------


@dataclass
class _Place:
    region_id: str | None
    text: str  # "Desa X, Kecamatan Y, Kabupaten Z"
    short: str  # "Kecamatan Y"


@dataclass
class _Instansi:
    """What the generator draws from: the configured agencies, categories, regions and staff."""

    agencies: list[Agency]  # active agencies that handle complaints (not the Inspectorate)
    inspectorates: list[Agency]
    categories: list[Category]
    supervisory_categories: list[Category]
    places: list[_Place]
    operators: dict[int, list[int]]
    liaisons: dict[int, list[int]]
    coordinators: list[int]
    fallback_staff: int
    deadlines: dict[int | None, tuple[int, int, int]]  # category → verify, follow-up, resolution

    def deadline(self, category_id: int | None) -> tuple[int, int, int]:
        return self.deadlines.get(category_id) or self.deadlines[None]


def _deadlines(category: Category | None) -> tuple[int, int, int]:
    """Verify and first follow-up (working days), resolution (days), as ``services._deadline``."""
    defaults = settings.ADUAN_DEADLINES

    def pick(key: str) -> int:
        override = getattr(category, key, None) if category is not None else None
        return int(override if override is not None else defaults[key])

    return (
        pick("verify_working_days"),
        pick("first_followup_working_days"),
        pick("resolution_days"),
    )


def rank_agencies(agencies: Sequence[Agency], categories: Sequence[Category]) -> list[Agency]:
    """The handling agencies in a fixed order, most likely to receive complaints first: default
    agencies of many categories, then other offices and boards, then the rest (by code).

    ``--source-csv`` maps the CSV's agencies no name matched onto this order by their frequency
    rank (:func:`map_source_agencies`)."""
    default_counts = Counter(c.default_agency_id for c in categories if c.default_agency_id)
    kind_order: dict[str, int] = {
        Agency.Kind.OFFICE: 0,
        Agency.Kind.BOARD: 1,
        Agency.Kind.HOSPITAL: 2,
        Agency.Kind.BUREAU: 3,
        Agency.Kind.TECHNICAL_UNIT: 4,
        Agency.Kind.SECRETARIAT: 5,
    }
    return sorted(
        agencies,
        key=lambda a: (-default_counts.get(a.pk, 0), kind_order.get(a.kind, 9), a.code),
    )


def _places(rng: random.Random) -> list[_Place]:
    regions = {
        code: (name, kind, parent)
        for code, name, kind, parent in Region.objects.filter(level__in=(2, 3, 4))
        .order_by("code")
        .values_list("code", "name", "kind", "parent_id")
    }
    places = []
    for code, (name, kind, parent) in regions.items():
        if kind == "kecamatan" and parent in regions:
            city = regions[parent][0]
            places.append(_Place(code, f"Kecamatan {name}, {city}", f"Kecamatan {name}"))
        elif parent in regions and regions[parent][1] == "kecamatan":
            district, _kind, city_code = regions[parent]
            city = regions[city_code][0] if city_code in regions else ""
            label = kind.capitalize()  # Desa (a nagari in Sumatera Barat) or Kelurahan
            text = f"{label} {name}, Kecamatan {district}" + (f", {city}" if city else "")
            places.append(_Place(code, text, f"{label} {name}"))
    if not places:
        places = [
            _Place(None, f"Kecamatan {district}, {city}", f"Kecamatan {district}")
            for district, city in BUILTIN_PLACES
        ]
    rng.shuffle(places)  # the skew (first places busiest) falls differently per seed
    return places


def load_instansi(rng: random.Random) -> _Instansi:
    """Read the configuration the complaints will refer to; LoadgenError when it is missing."""
    agencies = list(Agency.objects.filter(is_active=True).order_by("code"))
    categories = list(Category.objects.filter(is_active=True).order_by("code"))
    if not agencies or not categories:
        raise LoadgenError(
            _(
                "No agencies or categories: load the instansi first "
                "(aduan load_demo --no-complaints, or aduan load_config)."
            )
        )
    inspectorates = [a for a in agencies if a.kind == Agency.Kind.INSPECTORATE]
    handling = [
        a
        for a in agencies
        if a.kind not in (Agency.Kind.INSPECTORATE, Agency.Kind.REGIONAL_GOVERNMENT)
    ] or [a for a in agencies if a.kind != Agency.Kind.INSPECTORATE]
    if not handling:
        raise LoadgenError(_("No active agency that can handle complaints."))
    inspectorate_ids = {a.pk for a in inspectorates}
    supervisory = [c for c in categories if c.default_agency_id in inspectorate_ids]
    ordinary = [c for c in categories if c.default_agency_id not in inspectorate_ids] or categories

    by_id = {a.pk: a for a in agencies}
    operators: dict[int, list[int]] = {}
    liaisons: dict[int, list[int]] = {}
    coordinators: list[int] = []
    memberships = Membership.objects.filter(is_active=True, user__is_active=True).order_by("pk")
    for user_id, role, agency_id in memberships.values_list("user_id", "role", "agency_id"):
        if role == Role.COORDINATOR:
            coordinators.append(user_id)
            continue
        holder = by_id.get(agency_id) if agency_id else None
        if holder is None:
            continue
        # A member of an agency acts for its sub-units too (policies.StaffRoles.acts_in).
        for agency in agencies:
            if not agency.path.startswith(holder.path):
                continue
            if role in (Role.OPERATOR, Role.INSPECTORATE):
                operators.setdefault(agency.pk, []).append(user_id)
            if role in (Role.LIAISON, Role.INSPECTORATE):
                liaisons.setdefault(agency.pk, []).append(user_id)
    fallback, _created = User.objects.get_or_create(
        username=FALLBACK_STAFF_USERNAME,
        defaults={
            "first_name": "Petugas",
            "last_name": "(data uji)",
            "email": f"{FALLBACK_STAFF_USERNAME}@{DEMO_EMAIL_DOMAIN}",
            "is_active": False,
            "password": make_password(None),
        },
    )
    deadlines: dict[int | None, tuple[int, int, int]] = {None: _deadlines(None)}
    for category in categories:
        deadlines[category.pk] = _deadlines(category)
    return _Instansi(
        agencies=rank_agencies(handling, categories),
        inspectorates=inspectorates,
        categories=ordinary,
        supervisory_categories=supervisory,
        places=_places(rng),
        operators=operators,
        liaisons=liaisons,
        coordinators=coordinators,
        fallback_staff=fallback.pk,
        deadlines=deadlines,
    )


# --- what a complaint says -----------------------------------------------------------------


@dataclass
class _Draft:
    title: str
    description: str
    category_id: int | None
    agency_id: int  # the lead agency if it gets dispatched
    address: str
    region_id: str | None


class BuiltinTexts:
    """Complaints composed from templates x places x problems, in Bahasa Indonesia."""

    def __init__(self, instansi: _Instansi, rng: random.Random) -> None:
        self.instansi = instansi
        shuffled = list(instansi.categories)
        rng.shuffle(shuffled)
        self.categories = _Weighted.zipf(shuffled, 0.9)
        self.supervisory = instansi.supervisory_categories
        self.places = _Weighted.zipf(instansi.places, 0.7)
        self.agencies = _Weighted.zipf(instansi.agencies, 1.0)
        self.handling = {a.pk for a in instansi.agencies}

    def _compose(
        self, rng: random.Random, problem: str, place: _Place, *, place_bound: bool
    ) -> tuple[str, str]:
        values = {
            "problem": problem,
            # "Jalan berlubang" → "jalan berlubang", but "THR ..." and "KTP-el ..." stay.
            "problem_lower": problem
            if problem[1:2].isupper()
            else problem[0].lower() + problem[1:],
            "street": rng.choice(STREETS),
            "spot": rng.choice(LANDMARKS).format(number=rng.randint(1, 40)),
            "duration": rng.choice(DURATIONS),
            "place": place.short,
        }
        titles, bodies, impacts, requests = PLACE_TEXTS if place_bound else SERVICE_TEXTS
        title = rng.choice(titles).format(**values)
        parts = [
            rng.choice(OPENINGS).format(**values) + rng.choice(bodies).format(**values),
            rng.choice(impacts),
            rng.choice(requests),
        ]
        return title[:200], " ".join(part for part in parts if part)

    def draw(self, rng: random.Random) -> _Draft:
        category: Category = self.categories.draw(rng)
        problems = PROBLEMS.get(category.code) or tuple(
            text.format(category=category.name.lower()) for text in GENERIC_PROBLEMS
        )
        place: _Place = self.places.draw(rng)
        title, description = self._compose(
            rng, rng.choice(problems), place, place_bound=category.code in PLACE_BOUND
        )
        agency_id = category.default_agency_id
        if agency_id not in self.handling or rng.random() < 0.15:
            agency_id = self.agencies.draw(rng).pk
        assert agency_id is not None
        return _Draft(title, description, category.pk, agency_id, place.text, place.region_id)

    def draw_supervisory(self, rng: random.Random) -> _Draft:
        """A report about officials' misconduct: goes to the Inspectorate."""
        category = rng.choice(self.supervisory) if self.supervisory else None
        problems = PROBLEMS.get(category.code, SUPERVISORY_PROBLEMS) if category else None
        place: _Place = self.places.draw(rng)
        title, description = self._compose(
            rng, rng.choice(problems or SUPERVISORY_PROBLEMS), place, place_bound=False
        )
        inspectorate = rng.choice(self.instansi.inspectorates)
        if category is not None and category.default_agency_id:
            lead = category.default_agency_id
        else:
            lead = inspectorate.pk
        return _Draft(title, description, category.pk if category else None, lead, place.text, None)

    def followup_delay(self, rng: random.Random) -> timedelta:
        """Dispatch → the lead agency's first follow-up (before office hours are applied)."""
        return _lognormal_days(rng, 2.0, 0.8)


GREETING = re.compile(
    r"^(assalamu\S*|salam\S*|selamat (pagi|siang|sore|malam)|pagi|siang|sore|malam|permisi|"
    r"mohon maaf|maaf|halo|hallo|yth\.?|kepada yth\.?|dengan hormat)\b[\s,.!]*",
    re.IGNORECASE,
)
SOURCE_COLUMNS = ("text", "topic", "agency", "district", "subdistrict")
# Optional: with both, the first follow-up comes after a delay drawn from the source's
# ``responded_at - submitted_at`` (rows with either empty, unreadable or out of order are skipped).
SOURCE_TIMES = ("submitted_at", "responded_at")
MAX_SOURCE_DELAY = timedelta(days=365)
# Words that say nothing about what an agency does (its kind, its government, fillers).
AGENCY_NAME_NOISE = frozenset(
    {
        "dan",
        "serta",
        "daerah",
        "provinsi",
        "sumatera",
        "barat",
        "kota",
        "kabupaten",
        "surabaya",
    }
)
AGENCY_NAME_MATCH = 0.5  # Jaccard similarity of the remaining words, or
AGENCY_NAME_OVERLAP = 2 / 3  # share of the shorter name's words, with at least two shared


def _title_from(text: str, topic: str) -> str:
    """A short title from a complaint's first sentence (greetings skipped), else its topic."""
    body = GREETING.sub("", re.sub(r"\s+", " ", text).strip())
    body = GREETING.sub("", body)  # "Selamat pagi, mohon maaf ..."
    sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0].rstrip(".!? ")
    if len(sentence) < 12:
        sentence = topic or sentence
    if len(sentence) > 90:
        cut = sentence[:90].rsplit(" ", 1)[0]
        sentence = cut + "…"
    return (sentence[:1].upper() + sentence[1:])[:200] or "Pengaduan"


@dataclass
class SourceData:
    """The usable rows of a source CSV and its response delays, read once."""

    rows: list[dict[str, str]]
    delays: list[timedelta]


def read_source(path: Path) -> SourceData:
    """Read a CSV of real complaints; LoadgenError (before anything is written) when it cannot
    be read, is empty, lacks a column or has no usable text."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fieldnames = reader.fieldnames
            if not fieldnames:
                raise LoadgenError(_("The CSV file %(path)s is empty.") % {"path": path})
            missing = [c for c in SOURCE_COLUMNS if c not in fieldnames]
            if missing:
                raise LoadgenError(
                    _("The CSV file lacks the columns: %(columns)s.")
                    % {"columns": ", ".join(missing)}
                )
            timed = all(c in fieldnames for c in SOURCE_TIMES)
            rows = []
            delays = []
            for row in reader:
                text = (row.get("text") or "").strip()
                if len(text) < 10:
                    continue
                rows.append({c: (row.get(c) or "").strip() for c in SOURCE_COLUMNS})
                if timed:
                    delay = _source_delay(row.get("submitted_at"), row.get("responded_at"))
                    if delay is not None:
                        delays.append(delay)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LoadgenError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error
    if not rows:
        raise LoadgenError(_("The CSV file has no usable complaint texts."))
    return SourceData(rows, delays)


def _source_delay(submitted: str | None, responded: str | None) -> timedelta | None:
    try:
        delay = datetime.fromisoformat((responded or "").strip()) - datetime.fromisoformat(
            (submitted or "").strip()
        )
    except (ValueError, TypeError):  # empty, unreadable, or one aware and one naive
        return None
    return delay if timedelta(0) < delay <= MAX_SOURCE_DELAY else None


def _frequency_rank(values: Iterable[str]) -> list[str]:
    """Distinct values, most frequent first (ties by value): deterministic."""
    counts = Counter(values)
    return sorted(counts, key=lambda value: (-counts[value], value))


def _name_words(name: str) -> tuple[str, frozenset[str]]:
    """An agency name's kind word ("dinas", "badan", "satuan", ...) and its other words."""
    words = re.findall(r"[a-z]+", name.lower())
    if not words:
        return "", frozenset()
    return words[0], frozenset(w for w in words[1:] if w not in AGENCY_NAME_NOISE)


def map_source_agencies(
    source_names: Iterable[str], agencies: Sequence[Agency]
) -> dict[str, Agency]:
    """Each source agency → a configured agency, deterministically (documented in
    docs/benchmarks.md):

    1. By name: a source agency and a configured one whose names start with the same kind word
       ("Dinas", "Badan", "Satuan", ...) and whose other words (ignoring "dan", "serta",
       "daerah" and the names of governments) are at least half shared (Jaccard), or share two
       or more words making two thirds of the shorter name, are paired, most similar first
       (ties: the more frequent source agency, then the configured agency's rank); each
       configured agency takes at most one source agency this way. "Dinas Perhubungan" → the
       province's Dinas Perhubungan.
    2. By frequency: the other source agencies, most frequent first, go to the configured
       agencies no name matched, in :func:`rank_agencies` order, wrapping around (over all
       agencies when every one was matched by name).

    ``agencies`` comes in rank order; the skew of the source's agency column is kept."""
    names = list(source_names)
    ranked = _frequency_rank(names)
    source_rank = {name: index for index, name in enumerate(ranked)}
    agency_words = [_name_words(agency.name) for agency in agencies]
    pairs = []
    for name in ranked:
        kind, words = _name_words(name)
        if not words:
            continue
        for index, (agency_kind, other) in enumerate(agency_words):
            if agency_kind != kind or not other:
                continue
            shared = len(words & other)
            score = shared / len(words | other)
            if score >= AGENCY_NAME_MATCH or (
                shared >= 2 and shared / min(len(words), len(other)) >= AGENCY_NAME_OVERLAP
            ):
                pairs.append((-score, source_rank[name], index, name))
    mapping: dict[str, Agency] = {}
    taken: set[int] = set()
    for _score, _rank, index, name in sorted(pairs):
        if name not in mapping and index not in taken:
            mapping[name] = agencies[index]
            taken.add(index)
    rest = [agency for index, agency in enumerate(agencies) if index not in taken] or list(agencies)
    unmatched = [name for name in ranked if name not in mapping]
    for rank, name in enumerate(unmatched):
        mapping[name] = rest[rank % len(rest)]
    return mapping


def _region_places() -> list[tuple[_Place, list[_Place]]]:
    """The configured kecamatan, those of cities (kota) first, then by code, each with its
    desa/kelurahan by code; empty without regions."""
    regions = {
        code: (name, kind, level, parent)
        for code, name, kind, level, parent in Region.objects.filter(level__in=(2, 3, 4))
        .order_by("code")
        .values_list("code", "name", "kind", "level", "parent_id")
    }
    villages: dict[str, list[_Place]] = {}
    districts = []
    for code, (name, _kind, level, parent) in regions.items():
        if level == 3 and parent in regions:
            city_name, city_kind = regions[parent][0], regions[parent][1]
            place = _Place(code, f"Kecamatan {name}, {city_name}", f"Kecamatan {name}")
            districts.append((city_kind != "kota", code, place))
    names = {code: name for code, (name, _k, _l, _p) in regions.items()}
    for code, (name, kind, level, parent) in regions.items():
        if level == 4 and parent in regions and regions[parent][2] == 3:
            city = names.get(regions[parent][3] or "", "")
            label = kind.capitalize()  # Desa (a nagari in Sumatera Barat) or Kelurahan
            text = f"{label} {name}, Kecamatan {names[parent]}" + (f", {city}" if city else "")
            villages.setdefault(parent, []).append(_Place(code, text, f"{label} {name}"))
    districts.sort(key=lambda item: (item[0], item[1]))
    return [(place, villages.get(code, [])) for _city, code, place in districts]


def map_source_places(
    pairs: Sequence[tuple[str, str]], fallback: Sequence[_Place]
) -> dict[tuple[str, str], _Place]:
    """Each source (district, subdistrict) → a configured place, deterministically: districts by
    frequency rank onto the kecamatan (cities' first, then by code), and within a district its
    subdistricts by frequency rank onto that kecamatan's desa/kelurahan (by code), wrapping
    around. Without regions, districts map by rank onto ``fallback`` (built-in places)."""
    districts = _frequency_rank(district for district, _sub in pairs)
    district_rank = {district: index for index, district in enumerate(districts)}
    structured = _region_places()
    mapping: dict[tuple[str, str], _Place] = {}
    if not structured:
        for district, sub in set(pairs):
            mapping[district, sub] = fallback[district_rank[district] % len(fallback)]
        return mapping
    subs: dict[str, list[str]] = {}
    for district, sub in pairs:
        subs.setdefault(district, []).append(sub)
    for district, names in subs.items():
        kecamatan, villages = structured[district_rank[district] % len(structured)]
        for rank, sub in enumerate(_frequency_rank(names)):
            mapping[district, sub] = villages[rank % len(villages)] if villages else kecamatan
    return mapping


class CsvTexts:
    """Texts, agency skew, places and response delays from a CSV of real complaints, mapped
    onto the configured instansi (see :func:`map_source_agencies`, :func:`map_source_places`).

    A draw picks a source row uniformly, so the frequencies of its agencies and places carry
    over. The title is the text's first sentence (greetings skipped), the description the text.
    A category is the first whose keywords occur in the text, else one routed to the mapped
    agency, else none.
    """

    def __init__(self, source: SourceData, instansi: _Instansi, builtin: BuiltinTexts) -> None:
        rows = source.rows
        self.builtin = builtin
        self.delays = source.delays
        agencies = map_source_agencies((row["agency"] for row in rows), instansi.agencies)
        places = map_source_places(
            [(row["district"], row["subdistrict"]) for row in rows], instansi.places
        )
        self.agency_map = {name: agency.pk for name, agency in agencies.items()}
        by_agency: dict[int, list[int]] = {}
        for category in instansi.categories:
            if category.default_agency_id:
                by_agency.setdefault(category.default_agency_id, []).append(category.pk)
        keywords = [
            (category.pk, [k.strip().lower() for k in category.keywords.split(",") if k.strip()])
            for category in instansi.categories
        ]
        self.drafts: list[_Draft] = []
        for row in rows:
            agency = agencies[row["agency"]]
            place = places[row["district"], row["subdistrict"]]
            lowered = row["text"].lower()
            category_id = next(
                (pk for pk, words in keywords if any(word in lowered for word in words)), None
            )
            if category_id is None and by_agency.get(agency.pk):
                choices = by_agency[agency.pk]
                category_id = choices[len(row["text"]) % len(choices)]
            self.drafts.append(
                _Draft(
                    title=_title_from(row["text"], row["topic"]),
                    description=row["text"][:10_000],
                    category_id=category_id,
                    agency_id=agency.pk,
                    address=place.text[:300],
                    region_id=place.region_id,
                )
            )

    def draw(self, rng: random.Random) -> _Draft:
        return self.drafts[rng.randrange(len(self.drafts))]

    def draw_supervisory(self, rng: random.Random) -> _Draft:
        return self.builtin.draw_supervisory(rng)

    def followup_delay(self, rng: random.Random) -> timedelta:
        """Dispatch → first follow-up: the source's response delays where it has them."""
        if self.delays:
            return self.delays[rng.randrange(len(self.delays))]
        return self.builtin.followup_delay(rng)


# --- one complaint's story -----------------------------------------------------------------


@dataclass
class _Plan:
    """The path a complaint takes; times decide how far along it is now."""

    hold: bool
    hold_completed: bool
    outcome: str  # "dispatch" | "archive" | "transfer"
    stall: str | None  # "verify" | "followup" | "resolution" | None
    rated: bool


@dataclass
class _Hop:
    """A dispatch and its first follow-up clock."""

    row: dict[str, Any]
    followup_at: datetime | None = None  # this hop's first published follow-up
    stopped_at: datetime | None = None  # declined or resolved: its clock stops


@dataclass
class _Generated:
    """One complaint's rows; ids are filled in when the batch is written."""

    complaint: dict[str, Any]
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    supports: list[dict[str, Any]] = field(default_factory=list)


class _Generator:
    """Draws complaints one at a time from a seeded random generator."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        instansi: _Instansi,
        texts: BuiltinTexts | CsvTexts,
        years: tuple[int, int],
        reporters: list[tuple[int, str, str, str]],
    ) -> None:
        self.rng = rng
        self.now = now
        self.instansi = instansi
        self.texts = texts
        today = _local(now).date()
        # Deadlines reach a few months past today at most (60 days, holds, auto-close).
        self.calendar = _Calendar(date(years[0], 1, 1), today + timedelta(days=730))
        self.days = _Days(years[0], years[1], today, self.calendar)
        self.channels = _Weighted.pairs(CHANNEL_WEIGHTS)
        self.kinds = _Weighted.pairs(KIND_WEIGHTS)
        self.ratings = _Weighted.pairs(RATING_WEIGHTS)
        self.reporters = reporters
        self.support_agencies = _Weighted.zipf(instansi.agencies, 1.0)
        self.agency_names = {a.pk: str(a) for a in [*instansi.agencies, *instansi.inspectorates]}
        self.auto_close_days = int(settings.ADUAN_DEADLINES["auto_close_working_days"])
        self.reopen_days = int(settings.ADUAN_DEADLINES["reopen_working_days"])
        self.hold_days = int(settings.ADUAN_DEADLINES["hold_working_days"])

    # The plan ---------------------------------------------------------------------------

    def _natural_plan(self, age: timedelta) -> _Plan:
        rng = self.rng
        roll = rng.random()
        outcome = (
            "archive"
            if roll < SHARE_ARCHIVED
            else "transfer"
            if roll < SHARE_ARCHIVED + SHARE_TRANSFERRED
            else "dispatch"
        )
        # Recent complaints are more often stuck than old ones (backlogs get cleared).
        boost = 1.0 + 3.0 * max(0.0, 1.0 - age.days / 365)
        stall_roll = rng.random()
        stall = None
        if stall_roll < STALL_VERIFY * boost:
            stall = "verify"
        elif stall_roll < (STALL_VERIFY + STALL_FOLLOWUP) * boost:
            stall = "followup"
        elif stall_roll < (STALL_VERIFY + STALL_FOLLOWUP + STALL_RESOLUTION) * boost:
            stall = "resolution"
        return _Plan(
            hold=rng.random() < SHARE_HOLD,
            hold_completed=rng.random() < SHARE_HOLD_COMPLETED,
            outcome=outcome,
            stall=stall,
            rated=rng.random() < SHARE_RATED,
        )

    def _forced(self, status: str) -> tuple[_Plan, timedelta]:
        """A plan that ends in ``status``, and how far back it may have been submitted."""
        plan = _Plan(hold=False, hold_completed=True, outcome="dispatch", stall=None, rated=False)
        window = timedelta(days=400)
        if status == Status.SUBMITTED:
            plan.stall, window = "verify", timedelta(days=20)
        elif status == Status.ON_HOLD:
            # Long enough to hold office hours even after a long holiday (Lebaran), short
            # enough that a hold begun then (10 working days) is still running.
            plan.hold, plan.hold_completed, window = True, False, timedelta(days=10)
        elif status == Status.DISPATCHED:
            plan.stall, window = "followup", timedelta(days=30)
        elif status == Status.IN_PROGRESS:
            plan.stall, window = "resolution", timedelta(days=60)
        elif status == Status.RESOLVED:
            window = timedelta(days=45)
        elif status == Status.CLOSED:
            plan.rated = True
        elif status == Status.ARCHIVED:
            plan.outcome = "archive"
        elif status == Status.TRANSFERRED:
            plan.outcome = "transfer"
        return plan, window

    def complaint(self, index: int) -> _Generated:
        """The ``index``-th complaint of the run (the first ones cover every state)."""
        if index < len(COVERAGE_ORDER):
            target = COVERAGE_ORDER[index]
            plan, window = self._forced(target)
            generated = None
            for _attempt in range(500):
                submitted_at = self.now - timedelta(
                    seconds=self.rng.uniform(3600, window.total_seconds())
                )
                generated = self._story(plan, submitted_at)
                if generated.complaint["status"] == target:
                    break
            assert generated is not None
            return generated
        submitted_at = self.days.draw(self.rng, self.now)
        return self._story(self._natural_plan(self.now - submitted_at), submitted_at)

    # The story --------------------------------------------------------------------------

    def _reporter(self, row: dict[str, Any]) -> None:
        rng = self.rng
        if self.reporters and rng.random() < SHARE_ACCOUNT:
            user_id, name, phone, email = rng.choice(self.reporters)
            row.update(
                reporter_id=user_id, reporter_name=name, reporter_phone=phone, reporter_email=email
            )
            return
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        has_phone = rng.random() < 0.9
        has_email = not has_phone or rng.random() < 0.3
        row.update(
            reporter_name=name,
            reporter_phone=_fake_phone(rng) if has_phone else "",
            reporter_email=_fake_email(rng, name) if has_email else "",
            guest_secret_hash=f"{rng.getrandbits(256):064x}",  # of a secret nobody holds
        )

    def _clock(
        self,
        generated: _Generated,
        kind: str,
        unit: str,
        length: int,
        started_at: datetime,
        due_at: datetime,
        stopped_at: datetime | None,
        *,
        dispatch: dict[str, Any] | None = None,
        paused_at: datetime | None = None,
        remaining: int | None = None,
    ) -> dict[str, Any]:
        """A clock as services leave it; ``stopped_at`` None means still running (or paused)."""
        if stopped_at is not None and stopped_at > self.now:
            stopped_at = None
        state = Clock.State.RUNNING
        if stopped_at is not None:
            state = Clock.State.STOPPED
        elif paused_at is not None:
            state = Clock.State.PAUSED
        breached_at = None
        if kind in Clock.STAFF_KINDS and paused_at is None:
            flagged = due_at + _sweep_delay(self.rng)
            if flagged <= (stopped_at or self.now):
                breached_at = flagged
        row = {
            "dispatch": dispatch,
            "kind": kind,
            "unit": unit,
            "length": length,
            "state": state,
            "started_at": started_at,
            "due_at": due_at,
            "paused_at": paused_at,
            "remaining": remaining,
            "stopped_at": stopped_at,
            "breached_at": breached_at,
        }
        generated.clocks.append(row)
        return row

    def _story(self, plan: _Plan, submitted_at: datetime) -> _Generated:
        rng, now, cal = self.rng, self.now, self.calendar
        supervisory = bool(self.instansi.inspectorates) and rng.random() < SHARE_SUPERVISORY
        draft = self.texts.draw_supervisory(rng) if supervisory else self.texts.draw(rng)
        row: dict[str, Any] = {
            "kind": self.kinds.draw(rng),
            "title": draft.title,
            "description": draft.description,
            "category_id": draft.category_id,
            "region_id": draft.region_id if rng.random() < 0.9 else None,
            "address_text": draft.address,
            "channel": self.channels.draw(rng),
            "is_anonymous": rng.random() < SHARE_ANONYMOUS,
            "is_confidential": rng.random() < SHARE_CONFIDENTIAL,
            "is_supervisory": supervisory,
            "status": Status.SUBMITTED,
            "submitted_at": submitted_at,
            "updated_at": submitted_at,
        }
        if rng.random() < 0.6:
            row["event_date"] = _local(submitted_at).date() - timedelta(days=rng.randrange(15))
        self._reporter(row)
        generated = _Generated(row)
        verify_days, followup_days, resolution_days = self.instansi.deadline(draft.category_id)

        def happened(moment: datetime) -> bool:
            if moment > now:
                return False
            row["updated_at"] = max(row["updated_at"], moment)
            return True

        # Verification, possibly after a hold. -------------------------------------------
        verify_due = cal.add_working_days(submitted_at, verify_days)
        verify_start = submitted_at
        ready_at = submitted_at  # when the coordinator can decide
        if plan.hold:
            held_at = cal.office(submitted_at + _lognormal_days(rng, 0.4, 0.8), rng)
            if held_at < verify_due and happened(held_at):
                row["status"] = Status.ON_HOLD
                left = cal.working_days_between(held_at, verify_due)
                hold_due = cal.add_working_days(held_at, self.hold_days)
                completed_at = held_at + _lognormal_days(rng, 2.0, 0.9)
                if plan.hold_completed and completed_at < hold_due and happened(completed_at):
                    self._clock(
                        generated,
                        Clock.Kind.HOLD,
                        Clock.Unit.WORKING_DAYS,
                        self.hold_days,
                        held_at,
                        hold_due,
                        completed_at,
                    )
                    row["status"] = Status.SUBMITTED
                    verify_due = max(verify_due, cal.add_working_days(completed_at, left))
                    ready_at = completed_at
                else:
                    expired_at = hold_due + _sweep_delay(rng)
                    expired = (not plan.hold_completed or completed_at >= hold_due) and happened(
                        expired_at
                    )
                    stop = expired_at if expired else None
                    self._clock(
                        generated,
                        Clock.Kind.HOLD,
                        Clock.Unit.WORKING_DAYS,
                        self.hold_days,
                        held_at,
                        hold_due,
                        stop,
                    )
                    self._clock(
                        generated,
                        Clock.Kind.VERIFY,
                        Clock.Unit.WORKING_DAYS,
                        verify_days,
                        verify_start,
                        verify_due,
                        stop,
                        paused_at=held_at,
                        remaining=left,
                    )
                    if expired:
                        row.update(
                            status=Status.ARCHIVED,
                            archive_reason=ArchiveReason.INCOMPLETE,
                            closed_at=expired_at,
                        )
                    return generated

        decided_at = cal.office(ready_at + _lognormal_days(rng, 0.6, 0.9), rng)
        decided = plan.stall != "verify" and happened(decided_at)
        self._clock(
            generated,
            Clock.Kind.VERIFY,
            Clock.Unit.WORKING_DAYS,
            verify_days,
            verify_start,
            verify_due,
            decided_at if decided else None,
        )
        if not decided:
            return generated
        if plan.outcome == "archive" and not supervisory:
            reason, note = rng.choice(ARCHIVE_CHOICES)
            row.update(
                status=Status.ARCHIVED,
                archive_reason=reason,
                archive_note=note,
                closed_at=decided_at,
            )
            return generated
        if plan.outcome == "transfer" and not supervisory:
            row.update(
                status=Status.TRANSFERRED,
                transfer_target=rng.choice(TRANSFER_TARGETS),
                closed_at=decided_at,
            )
            return generated

        # Dispatch. -----------------------------------------------------------------------
        row.update(status=Status.DISPATCHED, verified_at=decided_at, lead_agency_id=draft.agency_id)
        dispatched_by = (
            rng.choice(self.instansi.coordinators) if self.instansi.coordinators else None
        )
        hops = [self._hop(draft.agency_id, Dispatch.Role.LEAD, decided_at, dispatched_by)]
        if not supervisory:
            extra = 1 if rng.random() < 0.18 else 0
            extra += 1 if rng.random() < 0.05 else 0
            taken = {draft.agency_id}
            for _index in range(extra):
                agency = self.support_agencies.draw(rng)
                if agency.pk not in taken:
                    taken.add(agency.pk)
                    hops.append(
                        self._hop(agency.pk, Dispatch.Role.SUPPORT, decided_at, dispatched_by)
                    )
        lead = hops[0]
        resolution_due = cal.add_days(decided_at, resolution_days)
        followup_due = cal.add_working_days(decided_at, followup_days)

        # The lead's first follow-up; then, weeks later, the resolution. --------------------
        first_at = cal.office(decided_at + self.texts.followup_delay(rng), rng)
        answered = plan.stall != "followup" and happened(first_at)
        resolved_at = cal.office(first_at + _lognormal_days(rng, 12.0, 0.9), rng)
        resolved = answered and plan.stall != "resolution" and happened(resolved_at)
        end = resolved_at if resolved else now
        self._accept(lead, first_at if answered else now, probability=0.9)
        if answered:
            row.update(status=Status.IN_PROGRESS, first_followup_at=first_at)
            lead.followup_at = first_at
            self._followups(generated, lead, first_at, end, draft.agency_id)
        for hop in hops[1:]:
            self._support_hop(generated, hop, first_at if answered else None, end)
        for hop in hops:
            stop = hop.stopped_at or hop.followup_at or (resolved_at if resolved else None)
            self._clock(
                generated,
                Clock.Kind.FIRST_FOLLOWUP,
                Clock.Unit.WORKING_DAYS,
                followup_days,
                decided_at,
                followup_due,
                stop,
                dispatch=hop.row,
            )
            generated.dispatches.append(hop.row)
        self._clock(
            generated,
            Clock.Kind.RESOLUTION,
            Clock.Unit.DAYS,
            resolution_days,
            decided_at,
            resolution_due,
            resolved_at if resolved else None,
        )
        if not row["is_confidential"] and not row["is_supervisory"]:
            self._supports(generated, decided_at)
        if not resolved:
            return generated

        # Resolved: the reporter rates it, or it closes by itself. --------------------------
        auto_close_due = cal.add_working_days(resolved_at, self.auto_close_days)
        row.update(
            status=Status.RESOLVED,
            resolved_at=resolved_at,
            reopen_until=max(cal.add_working_days(resolved_at, self.reopen_days), auto_close_due),
        )
        rated_at = resolved_at + _lognormal_days(rng, 2.0, 1.0)
        if plan.rated and rated_at < auto_close_due:
            closed_at = rated_at
        else:
            closed_at = auto_close_due + _sweep_delay(rng)
        closed = happened(closed_at)
        self._clock(
            generated,
            Clock.Kind.AUTO_CLOSE,
            Clock.Unit.WORKING_DAYS,
            self.auto_close_days,
            resolved_at,
            auto_close_due,
            closed_at if closed else None,
        )
        if not closed:
            return generated
        row.update(status=Status.CLOSED, closed_at=closed_at)
        for dispatch in generated.dispatches:  # as services._close
            if dispatch["state"] in Dispatch.ACTIVE_STATES:
                dispatch["state"] = Dispatch.State.COMPLETED
        late_rating_at = closed_at + _lognormal_days(rng, 3.0, 1.0)
        if closed_at == rated_at or (rng.random() < SHARE_LATE_RATING and happened(late_rating_at)):
            score = self.ratings.draw(rng)
            row["rating"] = score
            if rng.random() < 0.5:
                row["rating_comment"] = rng.choice(RATING_COMMENTS[score])
        return generated

    def _hop(self, agency_id: int, role: str, at: datetime, dispatched_by: int | None) -> _Hop:
        return _Hop(
            {
                "agency_id": agency_id,
                "role": role,
                "state": Dispatch.State.PENDING,
                "dispatched_by_id": dispatched_by,
                "dispatched_at": at,
            }
        )

    def _accept(self, hop: _Hop, before: datetime, *, probability: float) -> None:
        """The liaison officer accepts the hop (usually within hours), if before ``before``."""
        accepted_at = self.calendar.office(
            hop.row["dispatched_at"] + _lognormal_days(self.rng, 0.2, 1.0), self.rng
        )
        if self.rng.random() < probability and accepted_at <= min(before, self.now):
            hop.row.update(state=Dispatch.State.ACCEPTED, responded_at=accepted_at)

    def _support_hop(
        self, generated: _Generated, hop: _Hop, lead_answered_at: datetime | None, end: datetime
    ) -> None:
        rng = self.rng
        declined_at = self.calendar.office(
            hop.row["dispatched_at"] + _lognormal_days(rng, 1.0, 0.8), rng
        )
        if rng.random() < 0.1 and declined_at < end:
            hop.row.update(
                state=Dispatch.State.DECLINED,
                responded_at=declined_at,
                decline_reason=rng.choice(DECLINE_REASONS),
            )
            hop.stopped_at = declined_at
            return
        self._accept(hop, end, probability=0.8)
        if lead_answered_at is None or rng.random() < 0.5:
            return
        # Only after the lead's, so the first published follow-up is always the lead's.
        answered_at = self.calendar.office(lead_answered_at + _lognormal_days(rng, 2.0, 0.8), rng)
        if answered_at < end:
            hop.followup_at = answered_at
            self._followup(generated, hop, answered_at, rng.choice(SUPPORT_FOLLOWUPS))

    def _followups(
        self, generated: _Generated, lead: _Hop, first_at: datetime, end: datetime, agency: int
    ) -> None:
        """The lead's first follow-up and sometimes progress updates before ``end``."""
        rng = self.rng
        self._followup(generated, lead, first_at, rng.choice(FOLLOWUP_FIRST))
        more = 0 if rng.random() < 0.65 else 1 if rng.random() < 0.7 else 2
        span = (end - first_at).total_seconds()
        for moment in sorted(
            first_at + timedelta(seconds=rng.uniform(0, span)) for _number in range(more)
        ):
            moment = self.calendar.office(moment, rng)
            if first_at < moment < end:
                self._followup(generated, lead, moment, rng.choice(FOLLOWUP_LATER))

    def _followup(
        self, generated: _Generated, hop: _Hop, published_at: datetime, text: str
    ) -> None:
        rng = self.rng
        agency_id = hop.row["agency_id"]
        operators = self.instansi.operators.get(agency_id)
        liaisons = self.instansi.liaisons.get(agency_id)
        created_at = published_at - _lognormal_days(rng, 0.1, 1.0)
        submitted_at = created_at + (published_at - created_at) * rng.uniform(0.05, 0.5)
        body = text.format(
            agency=self.agency_names.get(agency_id, "kami"),
            date=_indonesian_date(published_at + timedelta(days=rng.randint(0, 5))),
            days=rng.randint(3, 20),
        )
        generated.followups.append(
            {
                "dispatch": hop.row,
                "body": body,
                "state": FollowUp.State.PUBLISHED,
                "author_id": rng.choice(operators) if operators else self.instansi.fallback_staff,
                "created_at": created_at,
                "submitted_at": submitted_at,
                "reviewed_by_id": rng.choice(liaisons)
                if liaisons
                else self.instansi.fallback_staff,
                "published_at": published_at,
            }
        )

    def _supports(self, generated: _Generated, public_since: datetime) -> None:
        rng = self.rng
        if rng.random() >= SHARE_SUPPORTED:
            return
        count = min(400, int(rng.paretovariate(1.6)))
        span = max(1.0, (self.now - public_since).total_seconds())
        # Most support comes in the first weeks after a complaint is published.
        for number in range(count):
            offset = min(span, rng.expovariate(1 / min(span, 14 * 86400)))
            generated.supports.append(
                {
                    "supporter_key": f"loadgen:{number}",
                    "created_at": public_since + timedelta(seconds=offset),
                }
            )
        generated.complaint["support_count"] = count


def _fake_phone(rng: random.Random) -> str:
    """A made-up mobile number (+62 8xx), stored normalised as services store them."""
    return f"+628{rng.choice('1235789')}{rng.randrange(10**8, 10**9)}"


def _fake_email(rng: random.Random, name: str) -> str:
    local = re.sub(r"[^a-z]+", ".", name.lower()).strip(".")
    return f"{local}{rng.randrange(100, 10000)}@{DEMO_EMAIL_DOMAIN}"


# --- writing -------------------------------------------------------------------------------


class _Table:
    """A model's columns and their defaults; turns row dicts into tuples in column order."""

    def __init__(self, model: type[models.Model], *, with_id: bool) -> None:
        self.model = model
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if with_id or not getattr(f, "primary_key", False)
        ]
        self.names = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        # A required value missing from a row stays None, which the database refuses loudly.
        self.defaults: list[Any] = []
        for f in self.fields:
            if f.has_default():
                self.defaults.append(f.get_default())
            elif f.blank and not f.null and isinstance(f, models.CharField | models.TextField):
                self.defaults.append("")
            else:
                self.defaults.append(None)

    def tuples(self, rows: Iterable[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        names, defaults = self.names, self.defaults
        for row in rows:
            yield tuple(map(row.get, names, defaults))

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            objects = [
                self.model(**dict(zip(self.names, values, strict=True)))
                for values in self.tuples(rows)
            ]
            self.model._default_manager.bulk_create(objects, batch_size=500)

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL: COPY in the binary format (several times cheaper than text or INSERT)."""
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(c) for c in self.columns)
        # "varchar(24)" → "varchar": the type names psycopg dumps binary values for.
        types = [re.sub(r"\(.*\)", "", f.db_type(connection) or "").strip() for f in self.fields]
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for values in self.tuples(rows):
                    copy.write_row(values)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys nobody else will use, taken before the rows are written."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), count],
            )
            return [value for (value,) in cursor.fetchall()]
        # SQLite: inside this write transaction nobody else inserts.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        (highest,) = cursor.fetchone()
        return list(range(highest + 1, highest + 1 + count))


def draw_tracking_ids(count: int) -> list[str]:
    """``count`` distinct new tracking IDs (the services' format), none already stored.

    Drawn from ``os.urandom`` rather than the seeded generator, so repeating a run with the
    same seed does not repeat its IDs.
    """
    prefix = settings.ADUAN_TRACKING_PREFIX
    alphabet = TRACKING_ALPHABET
    base = len(alphabet)
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = count - len(chosen)
        fresh = set()
        entropy = os.urandom(6 * wanted)
        for offset in range(0, 6 * wanted, 6):
            number = int.from_bytes(entropy[offset : offset + 6], "big")
            symbols = []
            for _index in range(TRACKING_BODY_LENGTH):
                number, digit = divmod(number, base)
                symbols.append(alphabet[digit])
            fresh.add(f"{prefix}-{''.join(symbols[:4])}-{''.join(symbols[4:])}")
        fresh -= chosen
        taken = set(
            Complaint.objects.filter(tracking_id__in=fresh).values_list("tracking_id", flat=True)
        )
        chosen |= fresh - taken
    return list(chosen)[:count]


def _unique_phones(rng: random.Random, count: int) -> list[str]:
    """``count`` made-up phone numbers that no account has yet (an account's phone is unique).

    Drawn from the seeded generator; a number already taken (a repeated run with the same seed)
    is replaced by one from the operating system's random source.
    """
    phones = [_fake_phone(rng) for _number in range(count)]
    fallback = random.Random(os.urandom(16))  # noqa: S311 (made-up numbers, not secrets)
    while True:
        seen: set[str] = set()
        clashes = []
        for index, phone in enumerate(phones):
            if phone in seen:
                clashes.append(index)
            seen.add(phone)
        for start in range(0, count, 5000):
            chunk = phones[start : start + 5000]
            taken = set(User.objects.filter(phone__in=chunk).values_list("phone", flat=True))
            clashes += [start + i for i, phone in enumerate(chunk) if phone in taken]
        if not clashes:
            return phones
        for index in clashes:
            phones[index] = _fake_phone(fallback)


def _create_reporters(rng: random.Random, count: int) -> list[tuple[int, str, str, str]]:
    """Generated reporter accounts (unusable passwords, ``.invalid`` e-mail addresses)."""
    if count <= 0:
        return []
    run = os.urandom(3).hex()
    phones = _unique_phones(rng, count)
    users = []
    for number, phone in enumerate(phones):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"warga-{run}-{number:05d}"
        users.append(
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                phone=phone,
                password=make_password(None),
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=1000)
    stored = User.objects.filter(username__startswith=f"warga-{run}-").order_by("username")
    return [
        (pk, f"{first} {last}", phone, email)
        for pk, first, last, phone, email in stored.values_list(
            "pk", "first_name", "last_name", "phone", "email"
        )
    ]


# --- the run -------------------------------------------------------------------------------

TABLES = ("complaints", "dispatches", "clocks", "followups", "supports", "reporter accounts")


def run_loadgen(
    options: LoadgenOptions, *, progress: Callable[[LoadgenProgress], None] | None = None
) -> LoadgenProgress:
    """Generate ``options.complaints`` complaints; report after every committed batch."""
    if options.complaints < 1:
        raise LoadgenError(_("The number of complaints must be at least 1."))
    if options.batch < 1:
        raise LoadgenError(_("The batch size must be at least 1."))
    started = time.monotonic()
    # Read the source first: a bad file stops the run before anything is written.
    source = read_source(options.source_csv) if options.source_csv is not None else None
    rng = _Random(options.seed)
    now = clock.now()
    instansi = load_instansi(rng)
    builtin = BuiltinTexts(instansi, rng)
    texts: BuiltinTexts | CsvTexts = builtin
    if source is not None:
        texts = CsvTexts(source, instansi, builtin)
    rows: Counter[str] = Counter({name: 0 for name in TABLES})
    reporters = _create_reporters(rng, min(30_000, max(1, options.complaints // 30)))
    rows["reporter accounts"] = len(reporters)
    generator = _Generator(
        rng=rng,
        now=now,
        instansi=instansi,
        texts=texts,
        years=options.years,
        reporters=reporters,
    )
    tables = {
        "complaints": _Table(Complaint, with_id=True),
        "dispatches": _Table(Dispatch, with_id=True),
        "clocks": _Table(Clock, with_id=False),
        "followups": _Table(FollowUp, with_id=False),
        "supports": _Table(Support, with_id=False),
    }
    done = 0
    with _Prefetch(generator, options.complaints, options.batch) as batches:
        for batch in batches:
            for attempt in range(3):
                try:
                    with transaction.atomic():
                        written = _write_batch(batch, tables)
                        if done == 0:
                            _audit_run(options, first_id=batch[0].complaint["id"])
                    break
                except IntegrityError:
                    # A complaint submitted meanwhile took one of the tracking IDs: draw again.
                    if attempt == 2:
                        raise
            rows.update(written)
            done += len(batch)
            if progress is not None:
                progress(
                    LoadgenProgress(done, options.complaints, rows, time.monotonic() - started)
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Complaint, Dispatch, Clock, FollowUp, Support):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return LoadgenProgress(done, options.complaints, rows, time.monotonic() - started)


class _Prefetch:
    """Generates the next batches in a background thread while the caller writes the current
    one: the database works (and the driver waits for it, without the GIL) while Python draws.

    The generator touches no database, so the thread needs no connection; at most two batches
    wait, so memory stays constant. An error in the thread is raised in the caller.
    """

    def __init__(self, generator: _Generator, total: int, size: int) -> None:
        self.generator = generator
        self.total = total
        self.size = size
        self.queue: queue.Queue[list[_Generated] | BaseException | None] = queue.Queue(maxsize=2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="loadgen-generate", daemon=True)

    def __enter__(self) -> Iterator[list[_Generated]]:
        self.thread.start()
        return self._batches()

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        try:
            done = 0
            while done < self.total and not self.stop.is_set():
                count = min(self.size, self.total - done)
                self._put([self.generator.complaint(done + offset) for offset in range(count)])
                done += count
            self._put(None)
        except BaseException as error:  # handed to the caller, who raises it
            self._put(error)

    def _put(self, item: list[_Generated] | BaseException | None) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _batches(self) -> Iterator[list[_Generated]]:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def _write_batch(batch: list[_Generated], tables: dict[str, _Table]) -> Counter[str]:
    """Give the batch's rows their keys and write them (inside the caller's transaction)."""
    tracking_ids = draw_tracking_ids(len(batch))
    complaint_ids = _reserve_ids(Complaint, len(batch))
    dispatch_ids = iter(_reserve_ids(Dispatch, sum(len(g.dispatches) for g in batch)))
    complaints: list[dict[str, Any]] = []
    dispatches: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    followups: list[dict[str, Any]] = []
    supports: list[dict[str, Any]] = []
    for generated, complaint_id, tracking_id in zip(
        batch, complaint_ids, tracking_ids, strict=True
    ):
        generated.complaint.update(id=complaint_id, tracking_id=tracking_id)
        complaints.append(generated.complaint)
        for hop in generated.dispatches:
            hop.update(id=next(dispatch_ids), complaint_id=complaint_id)
            dispatches.append(hop)
        for child, target in (
            (generated.clocks, clocks),
            (generated.followups, followups),
            (generated.supports, supports),
        ):
            for item in child:
                # Rows keep their "dispatch" reference (ignored when written) so that a batch
                # retried after a collision can be keyed again.
                item["complaint_id"] = complaint_id
                if "dispatch" in item:
                    hop = item["dispatch"]
                    item["dispatch_id"] = hop["id"] if hop is not None else None
                target.append(item)
    for name, items in (
        ("complaints", complaints),
        ("dispatches", dispatches),
        ("clocks", clocks),
        ("followups", followups),
        ("supports", supports),
    ):
        tables[name].write(items)
    return Counter(
        complaints=len(complaints),
        dispatches=len(dispatches),
        clocks=len(clocks),
        followups=len(followups),
        supports=len(supports),
    )


def _audit_run(options: LoadgenOptions, *, first_id: int) -> None:
    """The one audit event of a run (generated complaints have no history of their own)."""
    audit_log(
        actor=None,
        actor_label="aduan loadgen",
        action=AUDIT_ACTION,
        target=ContentType.objects.get_for_model(Complaint),
        data={
            "complaints": options.complaints,
            "seed": options.seed,
            "years": f"{options.years[0]}-{options.years[1]}",
            "source": options.source_csv.name if options.source_csv else "built-in",
            "first_complaint_id": first_id,
        },
    )
