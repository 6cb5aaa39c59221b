"""Periodic reports, press-release drafts and reprimand-letter drafts (issue 5).

Everything here reads the rollups through ``aduan.monitoring.selectors`` (never the complaints),
so a report for any period is a handful of small queries and is built while the person waits.

The documents are official correspondence of the provincial government, so they are written in
Bahasa Indonesia whatever language the person uses the back office in, with Indonesian number
formatting (``1.234``; ``87,5%``). The texts are therefore plain Indonesian strings here, not
gettext messages: translating them would produce an English letter nobody may send.

PDFs are drawn with fpdf2 and the DejaVu fonts that matplotlib ships (full Unicode, no download).
``compress=False`` leaves the page streams readable, which the tests use to check the text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from aduan.agencies.models import Agency
from aduan.complaints.models import Clock
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.knowledge.loaders import PERMENPANRB_2025
from aduan.monitoring import charts, selectors
from aduan.monitoring.chart_cache import render_cached
from aduan.monitoring.selectors import (
    AgencyCompliance,
    BreakdownRow,
    Compliance,
    Period,
    Summary,
    TrendPoint,
    YearRow,
)

DASH = "—"
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ROMAN = ("I", "II", "III", "IV")
CHANNELS = {
    "web": "Portal web",
    "superapp": "Super-App Sumbar Madani",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "email": "Surel",
    "lapor": "SP4N-LAPOR! nasional",
    "api": "API",
    "open311": "Open311",
    "counter": "Loket layanan",
}
# The deadlines an agency owes (the coordinators' verification deadline is not an agency's).
AGENCY_STAGES = (
    (Clock.Kind.FIRST_FOLLOWUP, "Tindak lanjut pertama (5 hari kerja sejak disposisi)"),
    (Clock.Kind.FOLLOWUP, "Tindak lanjut setelah pengaduan dibuka kembali (5 hari kerja)"),
    (Clock.Kind.RESOLUTION, "Penyelesaian (60 hari sejak verifikasi)"),
)
REGULATIONS = (
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;",
    "Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan Pelayanan Publik;",
    # The one in force (it replaced Nomor 62 Tahun 2018; DESIGN §3, the knowledge library).
    f"{PERMENPANRB_2025}.",
)


# --- Indonesian formatting -----------------------------------------------------------------


def format_number(value: int | float | None, digits: int = 0) -> str:
    """``1234`` → ``1.234``; ``1234.5`` with one digit → ``1.234,5`` (dot groups, comma decimal)."""
    if value is None:
        return DASH
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float | None, digits: int = 1) -> str:
    """``87.5`` → ``87,5%``; whole numbers without decimals (``99%``); ``None`` → ``—``."""
    if value is None:
        return DASH
    rounded = round(float(value), digits)
    if rounded == int(rounded):
        return f"{format_number(int(rounded))}%"
    return f"{format_number(rounded, digits)}%"


def format_hours(hours: float | None) -> str:
    """A median duration: hours under two days, days beyond (``5,2 jam``; ``3,5 hari``)."""
    if hours is None:
        return DASH
    if hours < 48:
        return f"{format_number(hours, 1)} jam"
    return f"{format_number(hours / 24, 1)} hari"


_UNITS = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def spelled(number: int) -> str:
    """Indonesian words for 0 to 999 (``terbilang``), as letters write day counts: ``7 (tujuh)``."""
    if number == 0:
        return "nol"
    if number < 12:
        return _UNITS[number]
    if number < 20:
        return f"{_UNITS[number - 10]} belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return f"{_UNITS[tens]} puluh" + (f" {_UNITS[rest]}" if rest else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = "seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus"
        return head + (f" {spelled(rest)}" if rest else "")
    return format_number(number)


def format_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# --- Periods -------------------------------------------------------------------------------


def period_title(period: Period) -> str:
    """``Triwulan II 2024``, ``Maret 2024``, ``Tahun 2024``."""
    if period.month:
        return f"{MONTHS[period.month - 1]} {period.year}"
    if period.quarter:
        return f"Triwulan {ROMAN[period.quarter - 1]} {period.year}"
    return f"Tahun {period.year}"


def period_phrase(period: Period) -> str:
    """The period inside a sentence: ``bulan Maret 2024``, ``triwulan II 2024``, ``tahun 2024``."""
    if period.month:
        return f"bulan {MONTHS[period.month - 1]} {period.year}"
    if period.quarter:
        return f"triwulan {ROMAN[period.quarter - 1]} {period.year}"
    return f"tahun {period.year}"


def period_slug(period: Period) -> str:
    """For file names: ``2024-03``, ``2024-q2``, ``2024``."""
    if period.month:
        return f"{period.year}-{period.month:02d}"
    if period.quarter:
        return f"{period.year}-q{period.quarter}"
    return str(period.year)


def previous_period(period: Period) -> Period:
    """The period of the same length just before ``period``."""
    if period.month:
        if period.month == 1:
            return Period(period.year - 1, month=12)
        return Period(period.year, month=period.month - 1)
    if period.quarter:
        if period.quarter == 1:
            return Period(period.year - 1, quarter=4)
        return Period(period.year, quarter=period.quarter - 1)
    return Period(period.year - 1)


def agency_slug(agency: Agency | None) -> str:
    return slugify(agency.code) if agency is not None else "provinsi"


def report_filename(period: Period, agency: Agency | None) -> str:
    return f"laporan-pengaduan-{period_slug(period)}-{agency_slug(agency)}.pdf"


def press_release_filename(period: Period, agency: Agency | None) -> str:
    return f"siaran-pers-pengaduan-{period_slug(period)}-{agency_slug(agency)}.txt"


def letter_filename(period: Period, agency: Agency) -> str:
    return f"draf-surat-teguran-{period_slug(period)}-{agency_slug(agency)}.pdf"


def instansi_name() -> str:
    return str(settings.ADUAN_INSTANSI_NAME)


def region_name() -> str:
    """``Sumatera Barat`` out of ``Pemerintah Provinsi Sumatera Barat``."""
    name = instansi_name()
    for prefix in ("Pemerintah Provinsi ", "Pemerintah Kabupaten ", "Pemerintah Kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# --- The figures of one report ----------------------------------------------------------------


@dataclass
class AgencyRow:
    """One line of the province's per-agency table."""

    breakdown: BreakdownRow
    compliance: AgencyCompliance | None

    @property
    def score(self) -> float | None:
        return self.compliance.score if self.compliance is not None else None


@dataclass
class ReportData:
    """Everything a period report, its narrative and its press release say, read once."""

    period: Period
    agency: Agency | None
    summary: Summary
    trend: list[TrendPoint]
    channels: list[BreakdownRow]
    categories: list[BreakdownRow]
    regions: list[BreakdownRow]
    agencies: list[AgencyRow] = field(default_factory=list)
    years: list[YearRow] = field(default_factory=list)
    generated_at: date | None = None

    @property
    def scope(self) -> str:
        if self.agency is None:
            return f"{instansi_name()} (seluruh perangkat daerah)"
        return self.agency.name

    @property
    def target_percent(self) -> float | None:
        target = self.summary.target
        return float(target.resolved_percent) if target is not None else None


def _relabel(rows: list[BreakdownRow], dim: str) -> list[BreakdownRow]:
    """Indonesian labels for the rows the selectors label through gettext."""
    for row in rows:
        if dim == "channel":
            row.label = CHANNELS.get(row.value, row.label)
        elif dim == "category" and row.value in ("", "0"):
            row.label = "Tanpa kategori"
        elif dim == "region" and not row.value:
            row.label = "Wilayah tidak disebutkan"
        elif dim == "agency" and row.value in ("", "0"):
            row.label = "Belum didisposisikan"
    return rows


def collect(period: Period, agency: Agency | None = None) -> ReportData:
    """Read the figures of the report for ``period`` and ``agency`` (None: the province)."""
    data = ReportData(
        period=period,
        agency=agency,
        summary=selectors.summary(period, agency),
        trend=selectors.monthly(period, agency),
        channels=_relabel(selectors.breakdown(period, "channel", agency), "channel"),
        categories=_relabel(selectors.breakdown(period, "category", agency), "category"),
        regions=_relabel(selectors.breakdown(period, "region", agency), "region"),
        generated_at=local_date(clock.now()),
    )
    if agency is None:
        scores = {row.agency.pk: row for row in selectors.compliance_by_agency(period)}
        data.agencies = [
            AgencyRow(row, scores.get(int(row.value)) if row.value.lstrip("-").isdigit() else None)
            for row in _relabel(selectors.breakdown(period, "agency"), "agency")
        ]
        data.years = selectors.yearly(None, last=period.year)
    return data


def narrative(data: ReportData) -> str:
    """A short paragraph in Bahasa Indonesia written from the figures."""
    summary = data.summary
    where = "" if data.agency is None else f" oleh {data.agency.name}"
    if not summary.received:
        return (
            f"Pada {period_phrase(data.period)} belum ada pengaduan yang diterima{where}, "
            "sehingga belum ada capaian yang dapat diukur."
        )
    sentences = []
    first = (
        f"Pada {period_phrase(data.period)} diterima {format_number(summary.received)} "
        f"pengaduan{where}, {format_percent(summary.resolved_percent)} telah diselesaikan"
    )
    target = data.target_percent
    if target is not None and summary.resolved_percent is not None:
        if summary.resolved_percent >= target:
            first += f", memenuhi target {format_percent(target)}"
        else:
            first += f", di bawah target {format_percent(target)}"
    sentences.append(first + ".")
    timeliness = []
    if summary.verified_on_time_percent is not None:
        timeliness.append(
            f"{format_percent(summary.verified_on_time_percent)} diverifikasi dalam 3 hari kerja"
        )
    if summary.first_followup_on_time_percent is not None:
        timeliness.append(
            f"{format_percent(summary.first_followup_on_time_percent)} mendapat tindak lanjut "
            "pertama dalam 5 hari kerja"
        )
    if summary.resolved_on_time_percent is not None:
        timeliness.append(
            f"{format_percent(summary.resolved_on_time_percent)} diselesaikan dalam 60 hari"
        )
    if timeliness:
        sentences.append("Dari sisi ketepatan waktu, " + _join(timeliness) + ".")
    backlog = (
        f"Saat laporan ini disusun masih terdapat {format_number(summary.backlog)} pengaduan "
        "yang belum selesai"
    )
    if summary.overdue:
        backlog += f", {format_number(summary.overdue)} di antaranya telah melewati batas waktu"
    sentences.append(backlog + ".")
    if summary.rated:
        sentences.append(
            f"Sebanyak {format_number(summary.rated)} pelapor memberi penilaian, "
            f"{format_percent(summary.satisfied_percent)} menyatakan puas."
        )
    if data.channels:
        top = data.channels[0]
        sentences.append(
            f"Kanal yang paling banyak digunakan adalah {top.label} "
            f"({format_number(top.counts['received'])} pengaduan)."
        )
    return " ".join(sentences)


def _join(parts: list[str]) -> str:
    if len(parts) <= 2:
        return " dan ".join(parts)
    return ", ".join(parts[:-1]) + ", dan " + parts[-1]


def headline_rows(data: ReportData) -> list[tuple[str, str]]:
    summary = data.summary
    rows = [
        ("Pengaduan diterima", format_number(summary.received)),
        ("Telah diselesaikan", format_number(summary.resolved)),
        ("Persentase diselesaikan", format_percent(summary.resolved_percent)),
    ]
    if data.target_percent is not None:
        rows.append(
            ("Target persentase diselesaikan (Renaksi)", format_percent(data.target_percent))
        )
    if data.agency is None:  # verification is the coordinators' deadline, not an agency's
        rows.append(
            ("Diverifikasi dalam 3 hari kerja", format_percent(summary.verified_on_time_percent))
        )
    rows += [
        (
            "Tindak lanjut pertama dalam 5 hari kerja",
            format_percent(summary.first_followup_on_time_percent),
        ),
        ("Diselesaikan dalam 60 hari", format_percent(summary.resolved_on_time_percent)),
        ("Belum selesai (tunggakan)", format_number(summary.backlog)),
        ("Melewati batas waktu", format_number(summary.overdue)),
        ("Dibuka kembali oleh pelapor", format_percent(summary.reopen_percent)),
        ("Pelapor puas (nilai 4 dan 5)", format_percent(summary.satisfied_percent)),
        (
            "Rata-rata penilaian (1 sampai 5)",
            format_number(summary.average_rating, 1) if summary.average_rating else DASH,
        ),
        ("Median waktu verifikasi", format_hours(summary.medians.get("verify"))),
        ("Median waktu tindak lanjut pertama", format_hours(summary.medians.get("followup"))),
        ("Median waktu penyelesaian", format_hours(summary.medians.get("resolution"))),
    ]
    return rows


def _month_label(day: date, with_year: bool) -> str:
    short = MONTHS[day.month - 1][:3]
    return f"{short} {day.year}" if with_year else short


def trend_chart(data: ReportData) -> charts.Chart:
    return charts.Chart(
        kind=charts.BAR,
        title="Pengaduan diterima dan diselesaikan per bulan",
        labels=[_month_label(point.month, False) for point in data.trend],
        series={
            "Diterima": [float(point.received) for point in data.trend],
            "Diselesaikan": [float(point.resolved) for point in data.trend],
        },
        ylabel="Pengaduan",
    )


def second_chart(data: ReportData, limit: int = 15) -> charts.Chart | None:
    """The province: agencies' compliance (worst first); an agency: its channels."""
    if data.agency is None:
        scored = [row for row in data.agencies if row.score is not None]
        scored.sort(key=lambda row: (row.score or 0.0, row.breakdown.label))
        scored = scored[:limit]
        if not scored:
            return None
        return charts.Chart(
            kind=charts.HBAR,
            title="Kepatuhan batas waktu per perangkat daerah",
            labels=[row.breakdown.label for row in scored],
            series={"Tepat waktu": [row.score for row in scored]},
            ylabel="% batas waktu dipenuhi",
            percent=True,
        )
    if not data.channels:
        return None
    return charts.Chart(
        kind=charts.HBAR,
        title="Pengaduan per kanal",
        labels=[row.label for row in data.channels],
        series={"Diterima": [float(row.counts["received"]) for row in data.channels]},
        ylabel="Pengaduan",
    )


# --- PDF drawing ---------------------------------------------------------------------------


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def new_pdf(
    *,
    compress: bool,
    title: str,
    footer: str = "",
    landscape: bool = False,
    margins: tuple[float, float, float] = (20, 18, 20),
    bottom_margin: float = 20,
    footer_y: float = -14,
) -> Any:
    """An A4 PDF in DejaVu with a footer line (``footer`` left, "Halaman N dari M" right); the
    reports here and the action plan's report (aduan.renaksi.report) use it."""
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(footer_y)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(110, 110, 110)
            self.cell(self.epw - 32, 5, footer, align="L")
            self.cell(32, 5, f"Halaman {self.page_no()} dari {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = Document(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_compression(compress)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(*margins)
    pdf.set_auto_page_break(True, margin=bottom_margin)
    pdf.set_title(title)
    pdf.set_author(instansi_name())
    pdf.set_creator("Aduan")
    pdf.set_lang("id")
    pdf.set_font("DejaVu", "", 10)
    return pdf


def _heading(pdf: Any, text: str) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(1)


def _paragraph(pdf: Any, text: str, height: float = 5.5, align: str = "J") -> None:
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: tuple[int, ...],
    font_size: float = 9,
) -> None:
    from fpdf.fonts import FontFace

    if not rows:
        _paragraph(pdf, "Belum ada data untuk periode ini.")
        return
    pdf.set_font("DejaVu", "", font_size)
    aligns = ("LEFT",) + ("RIGHT",) * (len(header) - 1)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=5.2,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 240)),
        cell_fill_color=(246, 248, 250),
        cell_fill_mode="ROWS",
        first_row_as_headings=True,
    ) as table:
        for values in (header, *rows):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(2)


def _chart(pdf: Any, chart: charts.Chart | None) -> None:
    if chart is None:
        return
    png = render_cached(chart, "png", width=7.0, dpi=120)
    width = pdf.epw
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        height = width * image.height / image.width
    if pdf.will_page_break(height + 4):
        pdf.add_page()
    pdf.image(io.BytesIO(png), w=width, h=height)
    pdf.ln(3)


def _breakdown_rows(rows: list[BreakdownRow]) -> list[tuple[str, ...]]:
    return [
        (
            row.label,
            format_number(row.counts["received"]),
            format_number(row.counts["resolved"]),
            format_percent(row.resolved_percent),
            format_number(row.counts["backlog"]),
            format_number(row.counts["overdue"]),
        )
        for row in rows
    ]


BREAKDOWN_HEADER = ("", "Diterima", "Selesai", "% selesai", "Tunggakan", "Terlambat")
BREAKDOWN_WIDTHS = (62, 20, 20, 20, 22, 22)


def report_pdf(data: ReportData, *, compress: bool = True) -> bytes:
    """The period report as a PDF (title page, figures, tables, two charts, narrative)."""
    title = f"Laporan Pengelolaan Pengaduan {period_title(data.period)}"
    short = "Provinsi" if data.agency is None else str(data.agency)
    pdf = new_pdf(compress=compress, title=title, footer=f"{title} — {short}")
    pdf.add_page()
    pdf.ln(40)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, instansi_name().upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(
        0,
        8,
        "LAPORAN PENGELOLAAN PENGADUAN PELAYANAN PUBLIK",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(0, 8, period_title(data.period), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, data.scope, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(50)
    pdf.set_font("DejaVu", "", 9)
    first, last = data.period.first_month, data.period.last_month
    period_range = f"{MONTHS[first.month - 1]} s.d. {MONTHS[last.month - 1]} {last.year}"
    if first == last:
        period_range = f"{MONTHS[first.month - 1]} {first.year}"
    for line in (
        f"Periode: {period_range} (pengaduan yang diterima dalam periode ini)",
        f"Disusun: {format_date(data.generated_at or local_date(clock.now()))}",
        "Sumber data: Aduan — simpul SP4N-LAPOR! daerah",
    ):
        pdf.multi_cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    _heading(pdf, "1. Ringkasan")
    _paragraph(pdf, narrative(data))
    _heading(pdf, "2. Angka utama")
    _table(pdf, ("Indikator", "Nilai"), headline_rows(data), (120, 50))
    if data.agency is None and data.years:
        _heading(pdf, "3. Target dan realisasi (Rencana Aksi)")
        rows = []
        for year in data.years:
            target = year.target
            rows.append(
                (
                    str(year.year) + (" (baseline)" if target and target.is_baseline else ""),
                    format_number(target.complaints) if target else DASH,
                    format_number(year.received),
                    format_percent(year.received_vs_target),
                    format_percent(float(target.resolved_percent)) if target else DASH,
                    format_percent(year.resolved_percent),
                )
            )
        _table(
            pdf,
            ("Tahun", "Target aduan", "Diterima", "% target", "Target % selesai", "% selesai"),
            rows,
            (30, 28, 26, 26, 32, 28),
        )
        _paragraph(
            pdf,
            "Catatan: angka tahun berjalan adalah realisasi sampai tanggal laporan disusun.",
            height=4.5,
            align="L",
        )
    number = 4 if data.agency is None else 3
    _heading(pdf, f"{number}. Tren bulanan")
    _table(
        pdf,
        ("Bulan", "Diterima", "Diselesaikan"),
        [
            (
                _month_label(point.month, True),
                format_number(point.received),
                format_number(point.resolved),
            )
            for point in data.trend
        ],
        (70, 50, 50),
    )
    _chart(pdf, trend_chart(data))
    number += 1
    _heading(pdf, f"{number}. Menurut kanal")
    _table(pdf, ("Kanal", *BREAKDOWN_HEADER[1:]), _breakdown_rows(data.channels), BREAKDOWN_WIDTHS)
    if data.agency is not None:
        _chart(pdf, second_chart(data))
    number += 1
    _heading(pdf, f"{number}. Menurut kategori")
    _table(
        pdf, ("Kategori", *BREAKDOWN_HEADER[1:]), _breakdown_rows(data.categories), BREAKDOWN_WIDTHS
    )
    number += 1
    _heading(pdf, f"{number}. Menurut kabupaten/kota")
    _table(
        pdf,
        ("Kabupaten/kota", *BREAKDOWN_HEADER[1:]),
        _breakdown_rows(data.regions),
        BREAKDOWN_WIDTHS,
    )
    if data.agency is None:
        number += 1
        _heading(pdf, f"{number}. Menurut perangkat daerah")
        _paragraph(
            pdf,
            "Skor kepatuhan: persentase batas waktu tindak lanjut dan penyelesaian yang dipenuhi "
            "perangkat daerah (batas waktu yang masih berjalan tidak dihitung).",
            height=4.5,
            align="L",
        )
        rows = [
            (
                row.breakdown.label,
                format_number(row.breakdown.counts["received"]),
                format_percent(row.breakdown.resolved_percent),
                format_number(row.breakdown.counts["backlog"]),
                format_number(row.breakdown.counts["overdue"]),
                format_percent(row.score),
            )
            for row in data.agencies
        ]
        _table(
            pdf,
            ("Perangkat daerah", "Diterima", "% selesai", "Tunggakan", "Terlambat", "Kepatuhan"),
            rows,
            (62, 20, 20, 22, 20, 22),
            font_size=8.5,
        )
        _chart(pdf, second_chart(data))
    return bytes(pdf.output())


# --- Press release -------------------------------------------------------------------------


@dataclass(frozen=True)
class PressRelease:
    headline: str
    lead: str
    quote: str
    figures: list[str]
    how_to_report: list[str]
    contact: str

    def as_text(self) -> str:
        lines = [
            "SIARAN PERS",
            instansi_name(),
            "",
            self.headline,
            "",
            self.lead,
            "",
            self.quote,
            "",
            "Capaian utama:",
            *(f"- {line}" for line in self.figures),
            "",
            "Cara menyampaikan pengaduan:",
            *(f"- {line}" for line in self.how_to_report),
            "",
            "Narahubung:",
            self.contact,
            "",
            "###",
        ]
        return "\n".join(lines) + "\n"


def press_release(data: ReportData) -> PressRelease:
    """A press-release draft from the report's figures, with placeholders to fill in."""
    summary = data.summary
    who = "Pemprov " + region_name() if data.agency is None else data.agency.name
    headline = (
        f"{period_title(data.period)}: {who} Terima {format_number(summary.received)} "
        f"Pengaduan, {format_percent(summary.resolved_percent)} Telah Diselesaikan"
    )
    lead = f"[Padang, tanggal] — {narrative(data)}"
    quote = (
        "“[Kutipan Gubernur " + region_name() + " atau Kepala Dinas Komunikasi, Informatika dan "
        "Statistik tentang capaian dan komitmen pengelolaan pengaduan]”, ujar [nama dan jabatan]."
    )
    figures = [
        f"Pengaduan diterima: {format_number(summary.received)}",
        f"Telah diselesaikan: {format_number(summary.resolved)} "
        f"({format_percent(summary.resolved_percent)})",
    ]
    if data.target_percent is not None:
        figures.append(f"Target Rencana Aksi: {format_percent(data.target_percent)} diselesaikan")
    figures += [
        "Tindak lanjut pertama dalam 5 hari kerja: "
        + format_percent(summary.first_followup_on_time_percent),
        "Diselesaikan dalam 60 hari: " + format_percent(summary.resolved_on_time_percent),
        "Pelapor yang menyatakan puas: " + format_percent(summary.satisfied_percent),
    ]
    if data.channels:
        figures.append(
            "Kanal terbanyak: "
            + ", ".join(
                f"{row.label} ({format_number(row.counts['received'])})"
                for row in data.channels[:3]
            )
        )
    how_to_report = [
        f"Portal web: {settings.ADUAN_SITE_URL}",
        "WhatsApp: [nomor WhatsApp pengaduan]",
        "SMS: [nomor SMS pengaduan]",
        "Surel: [alamat surel pengaduan]",
        "Aplikasi Super-App Sumbar Madani",
        "SP4N-LAPOR!: www.lapor.go.id atau aplikasi LAPOR!",
    ]
    contact = "[Nama], [jabatan], Dinas Komunikasi, Informatika dan Statistik — [telepon], [surel]"
    return PressRelease(headline, lead, quote, figures, how_to_report, contact)


# --- Reprimand letters ---------------------------------------------------------------------


def reprimand_threshold() -> float:
    return float(getattr(settings, "ADUAN_REPRIMAND_THRESHOLD_PERCENT", 80))


def reprimand_min_missed() -> int:
    return int(getattr(settings, "ADUAN_REPRIMAND_MIN_MISSED", 3))


def reprimand_response_days() -> int:
    return int(getattr(settings, "ADUAN_REPRIMAND_RESPONSE_WORKING_DAYS", 7))


@dataclass(frozen=True)
class Reprimand:
    """An agency that kept missing deadlines: its figures in the period and the one before."""

    period: Period
    current: AgencyCompliance
    previous: AgencyCompliance

    @property
    def agency(self) -> Agency:
        return self.current.agency

    @property
    def missed(self) -> int:
        total = self.current.total
        return total.missed + total.overdue

    def stage(self, kind: str) -> Compliance:
        return self.current.by_kind.get(kind, Compliance())


def _below(row: AgencyCompliance | None, threshold: float) -> bool:
    return row is not None and row.score is not None and row.score < threshold


def reprimands(period: Period) -> list[Reprimand]:
    """Agencies that qualify for a reprimand letter in ``period``, worst first.

    The rule (docs/monitoring.md "Reports and letters"): the agency's compliance score (share of
    its follow-up and resolution deadlines kept) is below ``ADUAN_REPRIMAND_THRESHOLD_PERCENT``
    in ``period`` and was below it in the period of the same length just before; and in
    ``period`` it missed, or is still past, at least ``ADUAN_REPRIMAND_MIN_MISSED`` deadlines.
    """
    threshold = reprimand_threshold()
    minimum = reprimand_min_missed()
    before = {row.agency.pk: row for row in selectors.compliance_by_agency(previous_period(period))}
    out = []
    for row in selectors.compliance_by_agency(period):
        previous = before.get(row.agency.pk)
        if not _below(row, threshold) or not _below(previous, threshold):
            continue
        assert previous is not None
        candidate = Reprimand(period, row, previous)
        if candidate.missed >= minimum:
            out.append(candidate)
    return out


def reprimand_for(period: Period, agency: Agency) -> Reprimand | None:
    return next((r for r in reprimands(period) if r.agency.pk == agency.pk), None)


def letter_pdf(reprimand: Reprimand, *, compress: bool = True) -> bytes:
    """A draft reprimand letter (surat teguran) in the form of an Indonesian official letter."""
    period = reprimand.period
    agency = reprimand.agency
    threshold = reprimand_threshold()
    days = reprimand_response_days()
    region = region_name()
    pdf = new_pdf(
        compress=compress,
        title=f"Draf surat teguran — {agency.name} — {period_title(period)}",
        footer="DRAF — nomor, tanggal dan tanda tangan diisi sebelum surat dikirim",
    )
    pdf.add_page()
    # Kop surat.
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, instansi_name().upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 6, "SEKRETARIAT DAERAH", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        "[Alamat kantor, telepon, faksimile, laman dan surel]",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_y(y + 5)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, "Padang, [tanggal]", align="R", new_x="LMARGIN", new_y="NEXT")
    for label, value in (
        ("Nomor", f"…/…/…/{local_date(clock.now()).year}"),
        ("Sifat", "Penting"),
        ("Lampiran", "1 (satu) lembar"),
        ("Perihal", "Teguran atas keterlambatan tindak lanjut pengaduan"),
    ):
        pdf.cell(25, 6, label)
        pdf.cell(4, 6, ":")
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in ("Yth. Kepala " + agency.name, "di", "    Tempat"):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    previous = reprimand.previous
    total = reprimand.current.total
    stages = []
    for kind, label in AGENCY_STAGES:
        stage = reprimand.stage(kind)
        if stage.missed or stage.overdue:
            stages.append(
                f"{label}: {format_number(stage.missed)} terlambat dipenuhi dan "
                f"{format_number(stage.overdue)} masih melewati batas waktu"
            )
    indent = 8.0

    def numbered(number: str, text: str, left: float = 0.0) -> None:
        pdf.set_x(pdf.l_margin + left + (0 if number else indent))
        if number:
            pdf.cell(indent, 5.0, number)
        pdf.multi_cell(0, 5.0, text, align="J", new_x="LMARGIN", new_y="NEXT")

    numbered("1.", "Dasar:")
    for letter, regulation in zip("abc", REGULATIONS, strict=True):
        numbered(f"{letter}.", regulation, indent)
    pdf.ln(1)
    numbered(
        "2.",
        f"Berdasarkan hasil pemantauan pengelolaan pengaduan pada {period_phrase(period)}, "
        f"{agency.name} hanya memenuhi {format_percent(reprimand.current.score)} dari "
        f"{format_number(total.decided)} batas waktu tindak lanjut dan penyelesaian pengaduan, "
        f"di bawah batas minimal {format_percent(threshold)}. Sebanyak "
        f"{format_number(reprimand.missed)} batas waktu tidak dipenuhi, dengan rincian:",
    )
    for letter, text in zip("abcdefgh", stages, strict=False):
        numbered(f"{letter}.", text + ";", indent)
    numbered(
        "",
        f"Capaian pada {period_phrase(previous_period(period))} juga berada di bawah batas "
        f"tersebut ({format_percent(previous.score)}), sehingga keterlambatan ini berulang.",
    )
    pdf.ln(1)
    numbered(
        "3.",
        f"Sehubungan dengan hal tersebut, Saudara diminta untuk dalam waktu paling lambat "
        f"{days} ({spelled(days)}) hari kerja sejak surat ini diterima:",
    )
    for letter, text in zip(
        "abc",
        (
            "menindaklanjuti seluruh pengaduan yang telah melewati batas waktu dan "
            "mempublikasikan tindak lanjutnya kepada pelapor;",
            "memastikan admin/operator dan pejabat penghubung pengaduan telah ditetapkan dan "
            "aktif menindaklanjuti disposisi sesuai batas waktu;",
            "menyampaikan laporan tertulis atas langkah perbaikan yang telah dilakukan kepada "
            "Gubernur " + region + " melalui Sekretaris Daerah.",
        ),
        strict=True,
    ):
        numbered(f"{letter}.", text, indent)
    pdf.ln(1)
    numbered("4.", "Demikian disampaikan, atas perhatian Saudara diucapkan terima kasih.")
    pdf.ln(4)
    left = pdf.l_margin + pdf.epw * 0.5
    if pdf.will_page_break(8 * 5.2 + 1):
        pdf.add_page()  # keep the signature block together
    for line, bold in (
        (f"a.n. GUBERNUR {region.upper()}", False),
        ("SEKRETARIS DAERAH,", False),
        ("", False),
        ("[tanda tangan]", False),
        ("", False),
        ("[NAMA SEKRETARIS DAERAH]", True),
        ("[Pangkat/Golongan]", False),
        ("NIP. [……………………]", False),
    ):
        pdf.set_x(left)
        pdf.set_font("DejaVu", "B" if bold else "", 10)
        pdf.cell(0, 5.2, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    pdf.ln(4)
    if pdf.will_page_break(3 * 5):
        pdf.add_page()  # keep the copy list together
    pdf.cell(0, 5, "Tembusan:", new_x="LMARGIN", new_y="NEXT")
    for index, line in enumerate(
        (f"Gubernur {region} (sebagai laporan);", f"Inspektur Provinsi {region}."), start=1
    ):
        pdf.cell(0, 5, f"{index}. {line}", new_x="LMARGIN", new_y="NEXT")

    # Lampiran: the figures behind the letter.
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9.5)
    for line in (
        "Lampiran surat Sekretaris Daerah",
        "Nomor   : …/…/…",
        "Tanggal : [tanggal]",
    ):
        pdf.set_x(left)
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _heading(pdf, f"Pemenuhan batas waktu pengaduan — {agency.name}")
    rows = []
    for kind, label in AGENCY_STAGES:
        stage = reprimand.stage(kind)
        rows.append(
            (
                label,
                format_number(stage.met),
                format_number(stage.missed),
                format_number(stage.overdue),
                format_percent(stage.percent),
            )
        )
    rows.append(
        (
            "Jumlah",
            format_number(total.met),
            format_number(total.missed),
            format_number(total.overdue),
            format_percent(reprimand.current.score),
        )
    )
    _table(
        pdf,
        (period_title(period), "Tepat waktu", "Terlambat", "Masih lewat", "Kepatuhan"),
        rows,
        (74, 24, 24, 24, 24),
    )
    previous_total = previous.total
    _paragraph(
        pdf,
        f"{period_title(previous_period(period))}: {format_number(previous_total.met)} tepat "
        f"waktu, {format_number(previous_total.missed)} terlambat, "
        f"{format_number(previous_total.overdue)} masih lewat batas waktu; kepatuhan "
        f"{format_percent(previous.score)}.",
        align="L",
    )
    pdf.ln(2)
    _paragraph(
        pdf,
        "Batas waktu menurut SP4N-LAPOR! dan Perpres 76/2013: tindak lanjut pertama 5 hari kerja "
        "sejak disposisi, penyelesaian 60 hari sejak verifikasi. Angka dihitung atas pengaduan "
        "yang diterima dalam periode tersebut, sampai tanggal draf ini disusun "
        f"({format_date(local_date(clock.now()))}).",
        height=4.8,
        align="L",
    )
    return bytes(pdf.output())
