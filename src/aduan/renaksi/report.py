"""The action plan's progress report as a PDF (``/staf/renaksi/laporan.pdf``).

Like the periodic reports (``aduan.monitoring.reports``) it is a document of the provincial
government, so it is written in Bahasa Indonesia whatever language the reader uses the back
office in, with Indonesian number formatting (``2,2``; ``62,5%``), in plain strings rather than
gettext messages. It carries no internal notes and no names of officers: the progress per
aspect and year, the self-assessment with the priority order and reasons, and every activity
with its parties and status per year.

Drawn with fpdf2 and the DejaVu fonts that matplotlib ships (full Unicode, no download), on
landscape A4 so the years fit beside the activities. ``compress=False`` leaves the page streams
readable for the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from aduan.monitoring.reports import DASH, format_date, new_pdf
from aduan.renaksi.models import ActivityStatus
from aduan.renaksi.selectors import Overview, StatusCounts

STATUS_LABELS: dict[str, str] = {
    ActivityStatus.PLANNED: "Direncanakan",
    ActivityStatus.IN_PROGRESS: "Sedang berjalan",
    ActivityStatus.DONE: "Selesai",
    ActivityStatus.NOT_DONE: "Tidak terlaksana",
}


def filename(today: date) -> str:
    return f"laporan-renaksi-{today:%Y-%m-%d}.pdf"


def format_score(value: Decimal | None) -> str:
    """2.20 → "2,2", 3.00 → "3,0", 2.25 → "2,25"."""
    if value is None:
        return DASH
    text = f"{value:.2f}"
    if text.endswith("0"):
        text = text[:-1]
    return text.replace(".", ",")


def format_change(value: Decimal | None) -> str:
    if value is None or value == 0:
        return ""
    sign = "+" if value > 0 else "-"
    return f" ({sign}{format_score(abs(value))})"


def format_percent(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:.1f}".replace(".", ",") + "%"


def progress_cell(counts: StatusCounts) -> str:
    if not counts.total:
        return DASH
    return f"{counts.done}/{counts.total} ({format_percent(counts.done_percent)})"


def years_label(years: Sequence[int]) -> str:
    if not years:
        return DASH
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _heading(pdf: Any, text: str, size: float = 12) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(1)


def _paragraph(pdf: Any, text: str, size: float = 9.5) -> None:
    pdf.set_font("DejaVu", "", size)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)


def _table(
    pdf: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    align: Sequence[str] | None = None,
    font_size: float = 8.5,
) -> None:
    from fpdf.fonts import FontFace

    if not rows:
        _paragraph(pdf, "Belum ada data.")
        return
    pdf.set_font("DejaVu", "", font_size)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(align or ("LEFT",) * len(header)),
        line_height=4.6,
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
    pdf.ln(3)


def progress_pdf(overview: Overview, *, today: date, compress: bool = True) -> bytes:
    """The report: progress per aspect and year, self-assessment and priorities, activities."""
    plan_title = overview.plan.title if overview.plan else "Rencana Aksi"
    title = f"Laporan Kemajuan Renaksi — {format_date(today)}"
    pdf = new_pdf(
        compress=compress,
        title=title,
        footer=title,
        landscape=True,
        margins=(15, 15, 15),
        bottom_margin=16,
        footer_y=-12,
    )
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(
        0, 8, settings.ADUAN_INSTANSI_NAME.upper(), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(
        0,
        7,
        "LAPORAN KEMAJUAN RENCANA AKSI (RENAKSI) PENGELOLAAN PENGADUAN PELAYANAN PUBLIK",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, plan_title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        f"Tahun {years_label(overview.years)} · {overview.activity_count} kegiatan · "
        f"Disusun {format_date(today)}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    years = overview.years
    year_width = min(32.0, 150.0 / max(len(years), 1))
    first = pdf.epw - year_width * len(years)
    _heading(pdf, "1. Kemajuan per aspek dan tahun")
    _paragraph(
        pdf,
        "Kegiatan selesai dari kegiatan yang direncanakan pada tahun itu, dan persentasenya.",
    )
    rows = [
        [f"{view.aspect.number}. {view.aspect.name}", *(progress_cell(c) for c in view.progress)]
        for view in overview.aspects
    ]
    rows.append(["Seluruh aspek", *(progress_cell(c) for c in overview.totals)])
    _table(
        pdf,
        ["Aspek", *(str(y) for y in years)],
        rows,
        [first, *([year_width] * len(years))],
        align=["LEFT", *(["RIGHT"] * len(years))],
    )
    status_rows = [
        [
            str(counts.year),
            str(counts.done),
            str(counts.in_progress),
            str(counts.planned),
            str(counts.not_done),
            format_percent(counts.done_percent),
        ]
        for counts in overview.totals
    ]
    _table(
        pdf,
        ["Tahun", "Selesai", "Sedang berjalan", "Direncanakan", "Tidak terlaksana", "% selesai"],
        status_rows,
        [30, 36, 40, 40, 40, 36],
        align=["LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
    )

    _heading(pdf, "2. Asesmen mandiri dan prioritas")
    assessed = overview.assessment_years
    if assessed:
        _paragraph(
            pdf,
            "Nilai aspek per tahun (rata-rata nilai indikatornya; dalam kurung perubahan dari "
            "asesmen sebelumnya) dan urutan prioritasnya (#).",
        )
        score_width = min(34.0, 150.0 / len(assessed))
        score_rows = []
        for view in overview.aspects:
            cells = []
            for cell in view.assessment:
                text = format_score(cell.score) + format_change(cell.change)
                if cell.rank is not None:
                    text += f" #{cell.rank}"
                cells.append(text)
            score_rows.append([f"{view.aspect.number}. {view.aspect.name}", *cells])
        _table(
            pdf,
            ["Aspek", *(str(y) for y in assessed)],
            score_rows,
            [pdf.epw - score_width * len(assessed), *([score_width] * len(assessed))],
            align=["LEFT", *(["RIGHT"] * len(assessed))],
        )
        for year, order in overview.priority_orders:
            _heading(pdf, f"Urutan prioritas {year}", size=10.5)
            _table(
                pdf,
                ["Prioritas", "Aspek", "Nilai", "Alasan"],
                [
                    [str(entry.rank), entry.aspect.name, format_score(entry.score), entry.reason]
                    for entry in order
                ],
                [20, 70, 18, pdf.epw - 108],
                align=["RIGHT", "LEFT", "RIGHT", "LEFT"],
            )
    else:
        _paragraph(pdf, "Belum ada asesmen mandiri.")

    _heading(pdf, "3. Kegiatan")
    status_width = min(27.0, 120.0 / max(len(years), 1))
    for view in overview.aspects:
        for block in view.groups:
            _heading(
                pdf,
                f"Aspek {view.aspect.name} — Kelompok Program {block.group.number}. "
                f"{block.group.title}",
                size=10,
            )
            rows = []
            for program in block.programs:
                for row in program.rows:
                    rows.append(
                        [
                            row.activity.code,
                            row.activity.title,
                            ", ".join(party.name for party in row.parties) or DASH,
                            *(
                                STATUS_LABELS.get(cell.status, cell.status) if cell else DASH
                                for cell in row.cells
                            ),
                        ]
                    )
            remaining = pdf.epw - 18 - status_width * len(years)
            _table(
                pdf,
                ["Kode", "Kegiatan", "Pihak terlibat", *(str(y) for y in years)],
                rows,
                [18, remaining * 0.62, remaining * 0.38, *([status_width] * len(years))],
            )
    output: bytes = bytes(pdf.output())
    return output
