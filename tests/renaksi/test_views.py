"""The action-plan pages: per role, the forms end to end, the public page, the report, and
the number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aduan.complaints.models import Status
from aduan.core.models import AuditEvent
from aduan.renaksi import report, selectors, services
from aduan.renaksi.loaders import LoadResult
from aduan.renaksi.models import (
    Activity,
    ActivityStatus,
    ActivityYear,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    PlanYear,
    Program,
)
from tests.monitoring.test_reports import pdf_text
from tests.world import World

from .conftest import png_bytes

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
VIEWERS = ["admin", "leadership", "monitor"]
OTHER_STAFF = ["coordinator", "operator", "liaison", "inspectorate"]
NOTE = "Catatan internal: anggaran belum cair, hubungi Pak Budi."
SCORE_NOTE = "Skor dibahas dalam rapat tim tanggal 3 Maret."


def _record_progress(world: World) -> ActivityYear:
    """I.1.1 done in 2021 with an internal note and a link, by an administrator named Rudi
    Hartono; I.1.2 in progress."""
    world.admin.first_name, world.admin.last_name = "Rudi", "Hartono"
    world.admin.save(update_fields=["first_name", "last_name"])
    row = ActivityYear.objects.get(activity__code="I.1.1", year=2021)
    services.activity_year_update(
        actor=world.admin, activity_year=row, status=ActivityStatus.DONE, note=NOTE
    )
    services.evidence_add(
        actor=world.admin,
        activity_year=row,
        title="Daftar hadir pelatihan",
        url="https://example.org/daftar-hadir",
    )
    services.activity_year_update(
        actor=world.admin,
        activity_year=ActivityYear.objects.get(activity__code="I.1.2", year=2021),
        status=ActivityStatus.IN_PROGRESS,
    )
    services.assessment_set(
        actor=world.admin,
        year=2021,
        scores={
            AssessmentIndicator.objects.get(code="2.1"): services.ScoreInput(
                Decimal("2.2"), SCORE_NOTE
            )
        },
        priorities={},
    )
    return row


# --- who may open what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_viewers_see_the_progress_page(plan: LoadResult, client_for: ClientFor, role: str) -> None:
    response = client_for(role).get(reverse("renaksi:progress"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pelatihan bagi pimpinan OPD di lingkup Pemerintah Provinsi Sumatera Barat" in html
    assert "Sudah ada SK Gubernur terkait unit pengelola pengaduan" in html
    assert response["Cache-Control"] == "private, no-store"
    # The menu entry, marked as the current page.
    assert f'href="{reverse("renaksi:progress")}" aria-current="page"' in html
    edit_link = reverse("renaksi:activity_add")
    assert (edit_link in html) is (role == "admin")


@pytest.mark.parametrize("role", [*OTHER_STAFF, "reporter"])
def test_other_people_are_refused(plan: LoadResult, client_for: ClientFor, role: str) -> None:
    client = client_for(role)
    activity = Activity.objects.get(code="I.1.1")
    for url in (
        reverse("renaksi:progress"),
        reverse("renaksi:report_pdf"),
        reverse("renaksi:activity", args=[activity.pk]),
        reverse("renaksi:activity_add"),
    ):
        assert client.get(url).status_code == 403, url
    if role != "reporter":
        home = client.get(reverse("backoffice:home")).content.decode()
        assert reverse("renaksi:progress") not in home


def test_guests_are_sent_to_sign_in(plan: LoadResult) -> None:
    response = Client().get(reverse("renaksi:progress"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", ["leadership", "monitor"])
def test_viewers_cannot_change_anything(
    plan: LoadResult, world: World, client_for: ClientFor, role: str
) -> None:
    client = client_for(role)
    activity = Activity.objects.get(code="I.1.1")
    for url in (
        reverse("renaksi:activity_add"),
        reverse("renaksi:activity_edit", args=[activity.pk]),
        reverse("renaksi:program_add"),
        reverse("renaksi:indicator_add"),
        reverse("renaksi:year_add"),
        reverse("renaksi:assessment"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("renaksi:activity_year", args=[activity.pk, 2021]),
        {"y2021-status": "done", "y2021-note": ""},
    )
    assert response.status_code == 403
    assert ActivityYear.objects.get(activity=activity, year=2021).status == "planned"
    evidence = services.evidence_add(
        actor=world.admin,
        activity_year=ActivityYear.objects.get(activity=activity, year=2021),
        url="https://example.org/x",
    )
    assert client.post(reverse("renaksi:evidence_remove", args=[evidence.pk])).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_monitors_see_notes_and_evidence_but_not_who(
    plan: LoadResult, world: World, client_for: ClientFor
) -> None:
    row = _record_progress(world)
    url = reverse("renaksi:activity", args=[row.activity_id])
    monitor = client_for("monitor").get(url).content.decode()
    assert NOTE in monitor
    assert SCORE_NOTE in client_for("monitor").get(reverse("renaksi:progress")).content.decode()
    assert "Daftar hadir pelatihan" in monitor
    assert "Hartono" not in monitor
    leadership = client_for("leadership").get(url).content.decode()
    assert "Rudi Hartono" in leadership
    assert 'name="y2021-status"' not in leadership
    assert 'name="y2021-status"' in client_for("admin").get(url).content.decode()


# --- changing through the pages ------------------------------------------------------------


def test_an_administrator_sets_a_status_and_adds_evidence(
    plan: LoadResult, world: World, client_for: ClientFor
) -> None:
    client = client_for("admin")
    activity = Activity.objects.get(code="III.2.1")
    response = client.post(
        reverse("renaksi:activity_year", args=[activity.pk, 2023]),
        {"y2023-status": "in_progress", "y2023-note": "Rilis pers triwulan I sudah terbit."},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#tahun-2023")
    row = ActivityYear.objects.get(activity=activity, year=2023)
    assert (row.status, row.updated_by) == ("in_progress", world.admin)
    # An activity in progress is "sedang berjalan"; a complaint in progress "ditindaklanjuti".
    with translation.override("id"):
        assert str(ActivityStatus.IN_PROGRESS.label) == "Sedang berjalan"
        assert str(Status.IN_PROGRESS.label) == "Ditindaklanjuti"

    upload = SimpleUploadedFile("rilis.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("renaksi:evidence_add", args=[activity.pk, 2023]),
        {"e2023-title": "Rilis pers", "e2023-file": upload},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(activity_year=row)
    download = client_for("monitor").get(reverse("renaksi:evidence_file", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == png_bytes()
    assert (
        client_for("operator").get(reverse("renaksi:evidence_file", args=[evidence.pk])).status_code
        == 403
    )

    # A refused upload comes back as a form error, not a server error.
    response = client.post(
        reverse("renaksi:evidence_add", args=[activity.pk, 2023]),
        {"e2023-file": SimpleUploadedFile("x.png", b"not a picture")},
    )
    assert response.status_code == 400
    assert "not an allowed type" in response.content.decode()
    assert Evidence.objects.count() == 1
    # A link that is not one is said so, and only that.
    response = client.post(
        reverse("renaksi:evidence_add", args=[activity.pk, 2023]),
        {"e2023-title": "Tautan", "e2023-url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert "Give either a file or a link." not in response.content.decode()
    # The same form sent twice (a retry on a slow line) adds the evidence once.
    page = client.get(reverse("renaksi:activity", args=[activity.pk])).content.decode()
    token = re.search(r'name="e2023-once" value="([0-9a-f]{32})"', page)
    assert token is not None
    link = {
        "e2023-title": "Berita",
        "e2023-url": "https://sumbarprov.go.id/berita",
        "e2023-once": token.group(1),
    }
    for _attempt in range(2):
        response = client.post(reverse("renaksi:evidence_add", args=[activity.pk, 2023]), link)
        assert response.status_code == 302
    assert Evidence.objects.filter(url="https://sumbarprov.go.id/berita").count() == 1
    Evidence.objects.filter(url="https://sumbarprov.go.id/berita").delete()

    response = client.post(reverse("renaksi:evidence_remove", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_an_administrator_adds_a_program_and_an_activity(
    plan: LoadResult, world: World, client_for: ClientFor
) -> None:
    client = client_for("admin")
    group_id = Program.objects.get(code="I.1").group_id
    response = client.post(
        reverse("renaksi:program_add"),
        {"group": group_id, "code": "I.2", "title": "Bimbingan teknis", "description": ""},
    )
    assert response.status_code == 302
    program = Program.objects.get(code="I.2")
    form = client.get(reverse("renaksi:activity_add") + f"?program={program.pk}")
    assert form.status_code == 200
    response = client.post(
        reverse("renaksi:activity_add"),
        {
            "program": program.pk,
            "code": "I.2.1",
            "title": "Bimtek admin OPD",
            "description": "",
            "parties": "Biro Organisasi\nDPU",
            "years": ["2023", "2024"],
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(code="I.2.1")
    assert [(p.name, p.agency_id) for p in activity.parties.all()] == [
        ("Biro Organisasi", None),
        ("DPU", world.public_works.pk),
    ]
    assert list(activity.years.values_list("year", flat=True)) == [2023, 2024]
    # A duplicate code is a form error.
    response = client.post(
        reverse("renaksi:activity_add"),
        {"program": program.pk, "code": "I.2.1", "title": "Lagi", "years": ["2024"]},
    )
    assert response.status_code == 400
    assert "Another activity has the code I.2.1" in response.content.decode()
    # In any case: "i.2.1" is the same code.
    response = client.post(
        reverse("renaksi:activity_add"),
        {"program": program.pk, "code": "i.2.1", "title": "Lagi", "years": ["2024"]},
    )
    assert response.status_code == 400
    # Editing shows the current values.
    edit = client.get(reverse("renaksi:activity_edit", args=[activity.pk])).content.decode()
    assert "Bimtek admin OPD" in edit and "DPU" in edit


def test_adding_2025_from_the_form(plan: LoadResult, client_for: ClientFor) -> None:
    client = client_for("admin")
    page = client.get(reverse("renaksi:year_add"))
    assert 'value="2025"' in page.content.decode()
    chosen = list(
        Activity.objects.filter(program__code__startswith="V.").values_list("pk", flat=True)
    )
    response = client.post(
        reverse("renaksi:year_add"), {"year": "2025", "activities": [str(pk) for pk in chosen]}
    )
    assert response.status_code == 302
    assert PlanYear.objects.filter(year=2025).exists()
    assert ActivityYear.objects.filter(year=2025).count() == len(chosen) == 6
    html = client.get(reverse("renaksi:progress")).content.decode()
    assert '<th scope="col" class="number">2025</th>' in html


def test_entering_a_new_years_self_assessment(plan: LoadResult, client_for: ClientFor) -> None:
    client = client_for("admin")
    page = client.get(reverse("renaksi:assessment") + "?tahun=2024")
    assert page.status_code == 200
    indicators = {i.aspect.code: i for i in AssessmentIndicator.objects.select_related("aspect")}
    data = {}
    scores = {
        "sdm": "2.9",
        "kelembagaan": "3.1",
        "data-aplikasi": "2.8",
        "koordinasi-monev": "3.0",
        "partisipasi": "3.3",
    }
    for code, value in scores.items():
        indicator = indicators[code]
        data[f"score_{indicator.pk}"] = value
        data[f"note_{indicator.pk}"] = ""
        data[f"rank_{indicator.aspect_id}"] = ""
        data[f"reason_{indicator.aspect_id}"] = ""
    # Ranks left empty are saved as no order; then the form proposes lowest score first.
    response = client.post(reverse("renaksi:assessment") + "?tahun=2024", data)
    assert response.status_code == 302
    assert AssessmentScore.objects.filter(year=2024).count() == 5
    page = client.get(reverse("renaksi:assessment") + "?tahun=2024").content.decode()
    lowest = indicators["data-aplikasi"].aspect_id
    assert (
        '<option value="1" selected>1</option>'
        in page.split(f'name="rank_{lowest}"')[1].split("</select>")[0]
    )

    for rank, code in enumerate(
        ["data-aplikasi", "sdm", "koordinasi-monev", "kelembagaan", "partisipasi"], 1
    ):
        data[f"rank_{indicators[code].aspect_id}"] = str(rank)
        data[f"reason_{indicators[code].aspect_id}"] = f"Alasan {rank}"
    assert client.post(reverse("renaksi:assessment") + "?tahun=2024", data).status_code == 302
    assert AspectPriority.objects.filter(year=2024).count() == 5
    html = client.get(reverse("renaksi:progress")).content.decode()
    assert "Priority order 2024" in html and "Priority order 2021" in html

    # A year that is not one of the plan's is refused, not added to every page.
    response = client.post(reverse("renaksi:assessment") + "?tahun=2030", data)
    assert response.status_code == 400
    assert not AssessmentScore.objects.filter(year=2030).exists()

    # Two aspects with the same rank: a form error, nothing saved.
    data[f"rank_{indicators['sdm'].aspect_id}"] = "1"
    response = client.post(reverse("renaksi:assessment") + "?tahun=2024", data)
    assert response.status_code == 400
    assert "Two aspects cannot share priority 1" in response.content.decode()


def test_an_indicator_is_added_and_edited(plan: LoadResult, client_for: ClientFor) -> None:
    client = client_for("admin")
    aspect_id = AssessmentIndicator.objects.get(code="2.1").aspect_id
    response = client.post(
        reverse("renaksi:indicator_add"),
        {"aspect": aspect_id, "code": "2.2", "title": "Kompetensi admin", "is_active": "on"},
    )
    assert response.status_code == 302
    indicator = AssessmentIndicator.objects.get(code="2.2")
    response = client.post(
        reverse("renaksi:indicator_edit", args=[indicator.pk]),
        {"aspect": aspect_id, "code": "2.2", "title": "Kompetensi admin OPD"},
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.title, indicator.is_active) == ("Kompetensi admin OPD", False)
    assert AuditEvent.objects.filter(action="renaksi.indicator_changed").count() == 1


# --- the public page -----------------------------------------------------------------------


def test_the_public_summary_has_no_internal_notes_evidence_or_names(
    plan: LoadResult, world: World
) -> None:
    _record_progress(world)
    response = Client().get("/renaksi/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pelatihan bagi pimpinan OPD" in html
    assert "Telah adanya Group WhatsApp SP4N LAPOR! Sumbar" in html
    assert "Kemenpan &amp; RB" in html
    for secret in (NOTE, SCORE_NOTE, "Pak Budi", "Daftar hadir", "example.org", "Hartono"):
        assert secret not in html, secret
    assert "public" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_the_public_summary_shows_progress_and_scores(plan: LoadResult, world: World) -> None:
    _record_progress(world)
    client = Client()
    client.cookies["aduan_language"] = "en"
    html = client.get("/renaksi/").content.decode()
    # 2021: 1 of 23 done, and sdm 1 of 3.
    assert "1 of 23 done" in html
    assert "1 of 3 done" in html
    for score in ("2.2", "2.5", "2.6", "3.0"):
        assert f'<span class="renaksi-score">{score}</span>' in html
    client.cookies["aduan_language"] = "id"
    html = client.get("/renaksi/").content.decode()
    assert '<span class="renaksi-score">2,2</span>' in html


def test_the_portal_links_to_the_public_summary(plan: LoadResult) -> None:
    html = Client().get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("renaksi_public:summary")}"' in html


def test_the_public_summary_before_the_plan_is_loaded(db: None) -> None:
    response = Client().get("/renaksi/")
    assert response.status_code == 200


# --- the report ----------------------------------------------------------------------------


def test_the_pdf_report_downloads(plan: LoadResult, world: World, client_for: ClientFor) -> None:
    _record_progress(world)
    response = client_for("leadership").get(reverse("renaksi:report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "laporan-renaksi-" in response["Content-Disposition"]


def test_the_pdf_report_says_what_the_page_says(plan: LoadResult, world: World) -> None:
    from datetime import date

    _record_progress(world)
    text = pdf_text(
        report.progress_pdf(selectors.plan_overview(), today=date(2024, 5, 2), compress=False)
    )
    assert "LAPORAN KEMAJUAN RENCANA AKSI" in text
    assert "2 Mei 2024" in text
    assert "1/3 (33,3%)" in text  # sdm, 2021
    assert "1/23 (4,3%)" in text  # all aspects, 2021
    for score in ("2,2 #1", "2,5 #2", "2,6 #3", "2,6 #4", "3,0 #5"):
        assert score in text
    assert "Pelatihan bagi pimpinan OPD" in text
    assert "Selesai" in text and "Sedang berjalan" in text
    assert NOTE not in text and "Pak Budi" not in text and SCORE_NOTE not in text
    assert "Hartono" not in text


def test_the_page_prints_without_the_menu(plan: LoadResult, client_for: ClientFor) -> None:
    html = client_for("leadership").get(reverse("renaksi:progress")).content.decode()
    assert "renaksi/renaksi.css" in html
    assert "data-print" in html


# --- query counts --------------------------------------------------------------------------


def _grow(world: World, count: int) -> None:
    program = Program.objects.get(code="V.3")
    for index in range(count):
        activity = services.activity_save(
            actor=world.admin,
            program=program,
            code=f"V.3.{10 + index}",
            title=f"Kegiatan {index}",
            parties=[
                services.PartyInput("Seluruh OPD"),
                services.PartyInput("DPU", world.public_works),
            ],
            years=[2021, 2022, 2023, 2024],
        )
        row = activity.years.get(year=2022)
        services.activity_year_update(actor=world.admin, activity_year=row, status="done", note="x")
        services.evidence_add(
            actor=world.admin, activity_year=row, url=f"https://example.org/{index}"
        )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "role"),
    [("/staf/renaksi/", "leadership"), ("/staf/renaksi/", "admin"), ("/renaksi/", None)],
)
def test_pages_take_the_same_queries_however_large_the_plan(
    plan: LoadResult, world: World, client_for: ClientFor, url: str, role: str | None
) -> None:
    client = client_for(role) if role else Client()
    client.get(url)  # warm the session and the caches
    small = _queries(client, url)
    _grow(world, 12)
    assert _queries(client, url) == small
    assert small <= (16 if role else 11)


def test_the_overview_is_eleven_queries(
    plan: LoadResult, world: World, django_assert_num_queries: Callable
) -> None:
    _grow(world, 3)
    with django_assert_num_queries(11):
        overview = selectors.plan_overview()
    assert overview.activity_count == 26
