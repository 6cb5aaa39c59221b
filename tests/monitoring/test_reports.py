"""Periodic PDF reports, press-release drafts and reprimand letters (/staf/laporan-berkala/)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.agencies.models import Agency
from aduan.complaints import services
from aduan.complaints.models import Channel, Clock, Complaint
from aduan.complaints.sweep import sweep
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date
from aduan.monitoring import reports, rollups, selectors
from aduan.monitoring.periods import max_year
from aduan.monitoring.selectors import Compliance, Period, Summary
from tests.world import World, frozen_at, later, make, staff_login, submit

# --- Reading the text back out of an uncompressed fpdf2 PDF ----------------------------------


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == 0x5C:  # backslash
            nxt = raw[index + 1 : index + 2]
            simple = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12}
            if nxt in simple:
                out.append(simple[nxt])
                index += 2
            elif nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[index + 1 : index + 4])
                assert digits is not None
                out.append(int(digits.group(), 8))
                index += 1 + len(digits.group())
            else:
                out += nxt
                index += 2
        else:
            out.append(byte)
            index += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text drawn in ``pdf`` (written with ``compress=False``), whitespace collapsed."""
    objects = {
        int(number): body
        for number, body in re.findall(rb"(\d+) 0 obj\n(.*?)\nendobj", pdf, flags=re.DOTALL)
    }
    cmaps: dict[bytes, dict[int, str]] = {}
    resources = re.findall(rb"/(F\d+) (\d+) 0 R", pdf)
    for name, number in resources:
        font = objects[int(number)]
        found = re.search(rb"/ToUnicode (\d+) 0 R", font)
        if not found:
            continue
        cmap = objects[int(found.group(1))]
        mapping = {
            int(code, 16): chr(int(uni, 16))
            for code, uni in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)
        }
        cmaps[name] = mapping
    parts: list[str] = []
    current: dict[int, str] = {}
    token = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", flags=re.DOTALL)
    for stream in re.findall(rb"stream\n(.*?)\nendstream", pdf, flags=re.DOTALL):
        for block in re.findall(rb"BT (.*?) ET", stream, flags=re.DOTALL):
            for match in token.finditer(block):
                if match.group(1):
                    current = cmaps.get(match.group(1), {})
                    continue
                raw = _unescape(match.group(2))
                parts.append(
                    "".join(
                        current.get(int.from_bytes(raw[i : i + 2], "big"), "?")
                        for i in range(0, len(raw), 2)
                    )
                )
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts))


# --- Formatting --------------------------------------------------------------------------


def test_numbers_are_formatted_the_indonesian_way() -> None:
    assert reports.format_number(1234) == "1.234"
    assert reports.format_number(1234567) == "1.234.567"
    assert reports.format_number(12) == "12"
    assert reports.format_number(1234.56, 1) == "1.234,6"
    assert reports.format_percent(87.5) == "87,5%"
    assert reports.format_percent(99) == "99%"
    assert reports.format_percent(100.0) == "100%"
    assert reports.format_percent(33.333) == "33,3%"
    assert reports.format_percent(None) == "—"
    assert reports.format_hours(5.25) == "5,2 jam" or reports.format_hours(5.25) == "5,3 jam"
    assert reports.format_hours(84) == "3,5 hari"
    assert reports.spelled(7) == "tujuh"
    assert reports.spelled(14) == "empat belas"
    assert reports.spelled(21) == "dua puluh satu"
    assert reports.spelled(160) == "seratus enam puluh"


def test_periods_have_indonesian_titles_slugs_and_predecessors() -> None:
    assert reports.period_title(Period(2024, quarter=2)) == "Triwulan II 2024"
    assert reports.period_title(Period(2024, month=3)) == "Maret 2024"
    assert reports.period_title(Period(2024)) == "Tahun 2024"
    assert reports.period_slug(Period(2024, quarter=2)) == "2024-q2"
    assert reports.period_slug(Period(2024, month=3)) == "2024-03"
    assert reports.previous_period(Period(2024, quarter=1)) == Period(2023, quarter=4)
    assert reports.previous_period(Period(2024, month=1)) == Period(2023, month=12)
    assert reports.previous_period(Period(2024, month=5)) == Period(2024, month=4)
    assert reports.previous_period(Period(2024)) == Period(2023)


def _summary(**counts: int) -> Summary:
    base = {name: 0 for name in selectors.Rollup.COUNTERS}
    base.update(counts)
    return Summary(
        period=Period(2024, quarter=2),
        agency=None,
        counts=base,
        compliance={
            Clock.Kind.VERIFY: Compliance(met=90, missed=10),
            Clock.Kind.FIRST_FOLLOWUP: Compliance(met=3, missed=1),
            Clock.Kind.FOLLOWUP: Compliance(),
            Clock.Kind.RESOLUTION: Compliance(),
        },
        medians={"verify": 5.0, "followup": None, "resolution": None},
        active_officers=0,
        target=None,
    )


def test_narrative_uses_the_figures_and_the_target(db: Any) -> None:
    summary = _summary(
        received=1234, resolved=1080, backlog=154, overdue=12, rated=40, satisfied=30
    )
    target = selectors.Target(year=2024, complaints=1000, resolved_percent=99)
    summary = Summary(**{**summary.__dict__, "target": target})
    data = reports.ReportData(
        period=summary.period,
        agency=None,
        summary=summary,
        trend=[],
        channels=[selectors.BreakdownRow("web", "Portal web", {"received": 700})],
        categories=[],
        regions=[],
    )
    text = reports.narrative(data)
    assert text.startswith(
        "Pada triwulan II 2024 diterima 1.234 pengaduan, 87,5% telah diselesaikan"
    )
    assert "di bawah target 99%" in text
    assert "90% diverifikasi dalam 3 hari kerja" in text
    assert "75% mendapat tindak lanjut pertama dalam 5 hari kerja" in text
    assert "154 pengaduan yang belum selesai, 12 di antaranya telah melewati batas waktu" in text
    assert "75% menyatakan puas" in text
    assert "Portal web (700 pengaduan)" in text
    empty = reports.ReportData(
        period=Period(2024, month=1),
        agency=None,
        summary=_summary(),
        trend=[],
        channels=[],
        categories=[],
        regions=[],
    )
    assert "bulan Januari 2024 belum ada pengaduan" in reports.narrative(empty)


# --- The period report -----------------------------------------------------------------------


def _this_period() -> Period:
    today = local_date(clock.now())
    return Period(today.year, quarter=(today.month - 1) // 3 + 1)


def test_province_report_pdf_carries_the_figures(world: World) -> None:
    make(world, "resolved")
    make(world, "in_progress")
    submit(world, channel=Channel.WHATSAPP)
    rollups.catch_up()
    period = _this_period()
    data = reports.collect(period)
    assert data.summary.received == 3
    pdf = reports.report_pdf(data, compress=False)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "PEMERINTAH PROVINSI SUMATERA BARAT" in text
    assert reports.period_title(period) in text
    assert "LAPORAN PENGELOLAAN PENGADUAN PELAYANAN PUBLIK" in text
    assert f"Pada {reports.period_phrase(period)} diterima 3 pengaduan, 33,3% telah" in text
    assert "Angka utama" in text and "Persentase diselesaikan" in text
    assert "Target dan realisasi" in text
    assert "Menurut perangkat daerah" in text and "Dinas Pekerjaan Umum" in text
    assert "WhatsApp" in text and "Portal web" in text
    assert text.count("Halaman") >= 2
    assert pdf.count(b"/Subtype /Image") == 2  # the two charts
    compressed = reports.report_pdf(data)
    assert compressed.startswith(b"%PDF") and len(compressed) < len(pdf)


def test_agency_report_covers_the_agency_only(world: World) -> None:
    make(world, "in_progress")
    services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.health
    )
    rollups.catch_up()
    data = reports.collect(_this_period(), world.public_works)
    assert data.summary.received == 1
    assert data.agencies == [] and data.years == []
    text = pdf_text(reports.report_pdf(data, compress=False))
    assert "Dinas Pekerjaan Umum" in text
    assert "diterima 1 pengaduan oleh Dinas Pekerjaan Umum" in text
    assert "Menurut perangkat daerah" not in text


def test_press_release_is_written_from_the_same_figures(world: World) -> None:
    make(world, "resolved")
    make(world, "dispatched")
    rollups.catch_up()
    period = _this_period()
    release = reports.press_release(reports.collect(period))
    text = release.as_text()
    assert release.headline.startswith(reports.period_title(period))
    assert "Terima 2 Pengaduan, 50% Telah Diselesaikan" in release.headline
    assert "Gubernur Sumatera Barat" in release.quote
    assert "Pengaduan diterima: 2" in text
    assert "Cara menyampaikan pengaduan:" in text and "WhatsApp" in text
    assert "Narahubung:" in text


# --- Reprimands ------------------------------------------------------------------------------


def _moment(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=JAKARTA)


def _late_dispatches(world: World, agency: Agency, count: int) -> list[Complaint]:
    """``count`` complaints dispatched to ``agency`` whose first follow-up then runs overdue."""
    done = [
        services.complaint_dispatch(
            actor=world.coordinator, complaint=submit(world), lead_agency=agency
        )
        for _ in range(count)
    ]
    return done


def _answered_on_time(world: World) -> None:
    complaint = services.complaint_dispatch(
        actor=world.coordinator, complaint=submit(world), lead_agency=world.health
    )
    draft = services.followup_draft(actor=world.health_operator, complaint=complaint, body="Ok.")
    services.followup_submit(actor=world.health_operator, followup=draft)
    services.followup_approve(actor=world.health_liaison, followup=draft)


@pytest.fixture
def repeated_misses(world: World) -> World:
    """DPU misses its first follow-ups in February and March 2024; Disdik only in March;
    Dinkes answers on time in both months."""
    with frozen_at(_moment(2024, 2, 5)):
        _late_dispatches(world, world.public_works, 3)
        _answered_on_time(world)
        with later(20):
            sweep()
    with frozen_at(_moment(2024, 3, 4)):
        _late_dispatches(world, world.public_works, 3)
        _late_dispatches(world, world.education, 4)
        _answered_on_time(world)
        with later(20):
            sweep()
    rollups.catch_up()
    return world


MARCH = Period(2024, month=3)


def test_only_agencies_that_keep_missing_deadlines_qualify(repeated_misses: World) -> None:
    world = repeated_misses
    scores = {row.agency.code: row for row in selectors.compliance_by_agency(MARCH)}
    assert scores["DPU"].score == 0 and scores["DISDIK"].score == 0
    assert scores["DINKES"].score == 100
    found = reports.reprimands(MARCH)
    assert [r.agency.code for r in found] == ["DPU"]  # Disdik: first bad month only
    reprimand = found[0]
    assert reprimand.missed == 3
    assert reprimand.stage(Clock.Kind.FIRST_FOLLOWUP).overdue == 3
    assert reprimand.previous.score == 0
    assert reports.reprimand_for(MARCH, world.health) is None
    # February has no predecessor with data, so nobody qualifies there.
    assert reports.reprimands(Period(2024, month=2)) == []


def test_reprimand_settings_move_the_line(repeated_misses: World, settings: Any) -> None:
    settings.ADUAN_REPRIMAND_MIN_MISSED = 4
    assert reports.reprimands(MARCH) == []
    settings.ADUAN_REPRIMAND_MIN_MISSED = 3
    settings.ADUAN_REPRIMAND_THRESHOLD_PERCENT = 0
    assert reports.reprimands(MARCH) == []  # a score of 0 is not below 0


def test_the_letter_names_the_agency_and_its_figures(repeated_misses: World) -> None:
    reprimand = reports.reprimand_for(MARCH, repeated_misses.public_works)
    assert reprimand is not None
    pdf = reports.letter_pdf(reprimand, compress=False)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Yth. Kepala Dinas Pekerjaan Umum" in text
    assert "Teguran atas keterlambatan tindak lanjut pengaduan" in text
    assert "Nomor" in text and "…/…/…/" in text
    assert "Undang-Undang Nomor 25 Tahun 2009" in text
    assert "Peraturan Presiden Nomor 76 Tahun 2013" in text
    assert "Nomor 5 Tahun 2025" in text and "Nomor 62 Tahun 2018" not in text
    assert "bulan Maret 2024" in text and "bulan Februari 2024" in text
    assert "hanya memenuhi 0% dari 3 batas waktu" in text
    assert "0 terlambat dipenuhi dan 3 masih melewati batas waktu" in text
    assert "7 (tujuh) hari kerja" in text
    assert "SEKRETARIS DAERAH" in text and "NIP." in text


# --- Pages and who may use them ----------------------------------------------------------


def _client(world: World, role: str) -> Client:
    client = Client()
    staff_login(client, getattr(world, role))
    return client


QUARTER = "?period_type=quarter&year=2024&quarter=1"


def _url(name: str, query: str = QUARTER) -> str:
    return reverse(f"monitoring_reports:{name}") + query


def test_guests_are_sent_to_sign_in(world: World) -> None:
    for name in ("index", "report_pdf", "press_release", "reprimand_letter"):
        response = Client().get(_url(name))
        assert response.status_code == 302
        assert "/akun/" in response["Location"], name


@pytest.mark.parametrize("role", ["leadership", "coordinator", "admin", "monitor"])
def test_wide_roles_get_province_and_any_agency_reports(world: World, role: str) -> None:
    client = _client(world, role)
    page = client.get(_url("index"))
    assert page.status_code == 200
    response = client.get(_url("report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        'attachment; filename="laporan-pengaduan-2024-q1-provinsi.pdf"'
    )
    other = client.get(_url("report_pdf", QUARTER + "&agency=DINKES"))
    assert other.status_code == 200
    assert 'filename="laporan-pengaduan-2024-q1-dinkes.pdf"' in other["Content-Disposition"]
    assert client.get(_url("press_release")).status_code == 200


@pytest.mark.parametrize(
    ("role", "own", "sub_unit", "others"),
    [
        ("operator", "DPU", "UPTD-JALAN", ("DINKES", "INSP")),
        ("liaison", "DPU", "UPTD-JALAN", ("DINKES", "INSP")),
        # The Inspectorate, like on its dashboard: its own agency only.
        ("inspectorate", "INSP", None, ("DPU", "UPTD-JALAN", "DINKES")),
    ],
)
def test_agency_officers_get_their_own_agency_only(
    world: World, role: str, own: str, sub_unit: str | None, others: tuple[str, ...]
) -> None:
    client = _client(world, role)
    index = client.get(_url("index", ""))
    assert index.status_code == 200
    assert f"agency={own}" in index.content.decode()  # starts on their own agency
    menu = client.get("/staf/").content.decode()
    assert reverse("monitoring_reports:index") in menu
    report = client.get(_url("report_pdf", QUARTER + f"&agency={own}"))
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    assert f"-2024-q1-{own.lower()}.pdf" in report["Content-Disposition"]
    if sub_unit is not None:
        assert client.get(_url("report_pdf", QUARTER + f"&agency={sub_unit}")).status_code == 200
    for other in others:
        assert client.get(_url("report_pdf", QUARTER + f"&agency={other}")).status_code == 403
        assert client.get(_url("press_release", QUARTER + f"&agency={other}")).status_code == 403
    province = client.get(_url("report_pdf"))
    assert province.status_code == 400  # must choose their agency
    assert client.get(_url("press_release", QUARTER + f"&agency={own}")).status_code == 200
    assert client.get(_url("reprimand_letter", QUARTER + f"&agency={own}")).status_code == 403


def test_reporters_are_refused(world: World) -> None:
    client = Client()
    client.force_login(world.reporter)
    for name in ("index", "report_pdf", "press_release", "reprimand_letter"):
        assert client.get(_url(name)).status_code == 403, name


def test_monitors_may_not_produce_letters(repeated_misses: World) -> None:
    client = _client(repeated_misses, "monitor")
    page = client.get(_url("index", "?period_type=month&year=2024&month=3"))
    assert b"surat-teguran.pdf" not in page.content
    letter = client.get(_url("reprimand_letter", "?period_type=month&year=2024&month=3&agency=DPU"))
    assert letter.status_code == 403


@pytest.mark.parametrize("role", ["leadership", "coordinator", "admin"])
def test_reprimand_list_and_letter_download(repeated_misses: World, role: str) -> None:
    client = _client(repeated_misses, role)
    march = "?period_type=month&year=2024&month=3"
    page = client.get(_url("index", march))
    assert page.status_code == 200
    content = page.content.decode()
    assert "surat-teguran.pdf?period_type=month&amp;year=2024&amp;month=3&amp;agency=DPU" in content
    assert "agency=DISDIK" not in content
    letter = client.get(_url("reprimand_letter", march + "&agency=DPU"))
    assert letter.status_code == 200
    assert letter.content.startswith(b"%PDF")
    assert letter["Content-Disposition"] == (
        'attachment; filename="draf-surat-teguran-2024-03-dpu.pdf"'
    )
    assert client.get(_url("reprimand_letter", march + "&agency=DINKES")).status_code == 404


def test_press_release_page_and_text_download(world: World) -> None:
    make(world, "resolved")
    rollups.catch_up()
    client = _client(world, "coordinator")
    today = local_date(clock.now())
    query = f"?period_type=year&year={today.year}"
    page = client.get(_url("press_release", query))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<textarea" in content and "Terima 1 Pengaduan, 100% Telah Diselesaikan" in content
    text = client.get(_url("press_release", query + "&format=txt"))
    assert text.status_code == 200
    assert text["Content-Type"].startswith("text/plain")
    assert (
        f'filename="siaran-pers-pengaduan-{today.year}-provinsi.txt"'
        in (text["Content-Disposition"])
    )
    assert "SIARAN PERS" in text.content.decode()


def test_a_bad_period_is_explained(world: World) -> None:
    client = _client(world, "coordinator")
    response = client.get(_url("report_pdf", "?period_type=quarter&year=2024"))
    assert response.status_code == 400
    assert b"quarter" in response.content.lower() or b"triwulan" in response.content.lower()
    # The page of the documents answers the same parameters the same way.
    page = client.get(_url("index", "?period_type=year&year=abc"))
    assert page.status_code == 400 and 'aria-invalid="true"' in page.content.decode()
    assert client.get(_url("index", "")).status_code == 200


@pytest.mark.parametrize("name", ["report_pdf", "press_release"])
def test_the_year_runs_from_2000_to_next_year(world: World, name: str) -> None:
    client = _client(world, "coordinator")
    last = max_year()
    assert last == local_date(clock.now()).year + 1
    assert client.get(_url(name, f"?period_type=year&year={last}")).status_code == 200
    assert client.get(_url(name, "?period_type=year&year=2000")).status_code == 200
    late = client.get(_url(name, f"?period_type=year&year={last + 1}"))
    assert late.status_code == 400
    assert f"Pilih tahun paling lambat {last}." in late.content.decode()
    early = client.get(_url(name, "?period_type=year&year=1999"))
    assert early.status_code == 400
    assert "Pilih tahun mulai 2000." in early.content.decode()
    client.cookies["aduan_language"] = "en"
    english = client.get(_url(name, f"?period_type=year&year={last + 1}"))
    assert english.status_code == 400
    assert f"Choose a year up to {last}." in english.content.decode()


@pytest.mark.parametrize(("role", "agency"), [("coordinator", ""), ("operator", "&agency=DPU")])
def test_the_report_reads_the_rollups_not_the_complaints(
    world: World, role: str, agency: str
) -> None:
    """A fixed number of queries, none on the complaints or their clocks, however many there
    are (the session, user and membership queries do not read them either)."""
    client = _client(world, role)
    year = local_date(clock.now()).year
    url = _url("report_pdf", f"?period_type=year&year={year}{agency}")
    make(world, "in_progress")
    rollups.catch_up()
    assert client.get(url).status_code == 200  # the first request also stores the session

    def captured() -> CaptureQueriesContext:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert queries.captured_queries
        for query in queries.captured_queries:
            sql = query["sql"].lower()
            assert "complaints_complaint" not in sql, sql
            assert "complaints_clock" not in sql, sql
        return queries

    few = captured()
    for state in ("submitted", "dispatched", "resolved", "closed"):
        make(world, state)
    submit(world, channel=Channel.SMS)
    rollups.catch_up()
    assert len(captured().captured_queries) == len(few.captured_queries)


def test_the_page_starts_on_the_current_quarter_and_the_officers_own_agency(world: World) -> None:
    page = _client(world, "operator").get(reverse("monitoring_reports:index"))
    assert page.status_code == 200
    content = page.content.decode()
    today = local_date(clock.now())
    assert f"quarter={(today.month - 1) // 3 + 1}" in content
    assert "agency=DPU" in content
    assert "errorlist" not in content
    assert "surat-teguran" not in content  # officers do not see the reprimand list
