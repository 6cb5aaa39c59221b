"""``aduan loadgen``: generated complaints are as consistent as ones made through the services."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from aduan.accounts.models import User
from aduan.agencies.models import Agency, Category, Region
from aduan.complaints.loadgen import (
    AUDIT_ACTION,
    BUILTIN_PLACES,
    map_source_agencies,
    map_source_places,
    rank_agencies,
    read_source,
)
from aduan.complaints.models import (
    OPEN_STATUSES,
    Clock,
    Complaint,
    Dispatch,
    FollowUp,
    Status,
    Support,
)
from aduan.core import clock
from aduan.core.audit import audit_verify
from aduan.core.calendar import JAKARTA
from aduan.core.models import AuditEvent
from tests.world import World, frozen_at

TRACKING_ID = re.compile(r"^SB-[3479ACDEFGHJKMNPQRTUVWXY]{4}-[3479ACDEFGHJKMNPQRTUVWXY]{4}$")
DISPATCHED_OR_LATER = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
FINISHED = (Status.CLOSED, Status.ARCHIVED, Status.TRANSFERRED)
LIVE = (Clock.State.RUNNING, Clock.State.PAUSED)


def loadgen(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("loadgen", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def generated(world: World) -> World:
    loadgen("--complaints", "300", "--seed", "7", "--batch", "120")
    return world


def test_creates_the_complaints_in_every_state(generated: World) -> None:
    assert Complaint.objects.count() == 300
    statuses = Counter(Complaint.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    # Realistic proportions: most are closed.
    assert statuses[Status.CLOSED] > 150
    assert statuses[Status.CLOSED] == max(statuses.values())


def test_tracking_ids_are_unique_and_well_formed(generated: World) -> None:
    ids = list(Complaint.objects.values_list("tracking_id", flat=True))
    assert len(set(ids)) == len(ids) == 300
    assert all(TRACKING_ID.match(tracking_id) for tracking_id in ids)


def test_timings_are_in_order_and_not_in_the_future(generated: World) -> None:
    now = clock.now()
    for complaint in Complaint.objects.all():
        steps = [
            complaint.submitted_at,
            complaint.verified_at,
            complaint.first_followup_at,
            complaint.resolved_at,
            complaint.closed_at,
        ]
        present = [moment for moment in steps if moment is not None]
        assert present == sorted(present), complaint.status
        assert max(present) <= complaint.updated_at <= now
        assert (complaint.closed_at is not None) == (complaint.status in FINISHED)
        assert (complaint.verified_at is not None) == (complaint.status in DISPATCHED_OR_LATER)
        assert (complaint.first_followup_at is not None) == (
            complaint.status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
        )
        assert (complaint.resolved_at is not None) == (
            complaint.status in (Status.RESOLVED, Status.CLOSED)
        )


def test_dispatches_match_the_status(generated: World) -> None:
    for complaint in Complaint.objects.prefetch_related("dispatches__agency"):
        hops = list(complaint.dispatches.all())
        if complaint.status not in DISPATCHED_OR_LATER:
            assert hops == []
            assert complaint.lead_agency_id is None
            continue
        leads = [hop for hop in hops if hop.role == Dispatch.Role.LEAD]
        assert len(leads) == 1
        (lead,) = leads
        if complaint.status == Status.CLOSED:  # closing completes the hops still active
            assert lead.state == Dispatch.State.COMPLETED
            assert {hop.state for hop in hops} <= {
                Dispatch.State.COMPLETED,
                Dispatch.State.DECLINED,
            }
        else:
            assert lead.state in Dispatch.ACTIVE_STATES
        assert lead.agency_id == complaint.lead_agency_id
        assert lead.dispatched_at == complaint.verified_at
        if lead.responded_at is not None:
            assert lead.dispatched_at <= lead.responded_at
        if complaint.is_supervisory:
            assert lead.agency.kind == Agency.Kind.INSPECTORATE
            assert len(hops) == 1
        for hop in hops:
            if hop.state == Dispatch.State.DECLINED:
                assert hop.role == Dispatch.Role.SUPPORT and hop.decline_reason
    states = Counter(Dispatch.objects.values_list("state", flat=True))
    assert states[Dispatch.State.ACCEPTED] > states[Dispatch.State.PENDING] > 0
    assert states[Dispatch.State.COMPLETED] > 0


def test_clocks_match_the_status(generated: World) -> None:
    clocks: dict[int, list[Clock]] = defaultdict(list)
    for item in Clock.objects.all():
        clocks[item.complaint_id].append(item)
    for complaint in Complaint.objects.all():
        mine = clocks[complaint.pk]
        live = {(c.kind, c.state) for c in mine if c.state in LIVE}
        kinds = Counter(c.kind for c in mine)
        assert kinds[Clock.Kind.VERIFY] == 1
        if complaint.status in FINISHED:
            assert live == set(), complaint.status
        else:
            # An open complaint always has a running clock (architecture.md, "Deadlines").
            assert any(state == Clock.State.RUNNING for _kind, state in live), complaint.status
        expected_live = {
            Status.SUBMITTED: {(Clock.Kind.VERIFY, Clock.State.RUNNING)},
            Status.ON_HOLD: {
                (Clock.Kind.VERIFY, Clock.State.PAUSED),
                (Clock.Kind.HOLD, Clock.State.RUNNING),
            },
            Status.RESOLVED: {(Clock.Kind.AUTO_CLOSE, Clock.State.RUNNING)},
        }.get(complaint.status)
        if expected_live is not None:
            assert live == expected_live, complaint.status
        if complaint.status in (Status.DISPATCHED, Status.IN_PROGRESS):
            assert (Clock.Kind.RESOLUTION, Clock.State.RUNNING) in live
        if complaint.status == Status.DISPATCHED:
            assert (Clock.Kind.FIRST_FOLLOWUP, Clock.State.RUNNING) in live
        if complaint.status in DISPATCHED_OR_LATER:
            # One first-follow-up clock per hop, one resolution clock.
            assert kinds[Clock.Kind.FIRST_FOLLOWUP] == complaint.dispatches.count()
            assert kinds[Clock.Kind.RESOLUTION] == 1
        for item in mine:
            assert item.started_at <= item.due_at
            assert (item.state == Clock.State.STOPPED) == (item.stopped_at is not None)
            if item.state == Clock.State.PAUSED:
                assert item.remaining is not None and item.paused_at is not None
            # _stop_clocks keeps what a paused clock remembered (e.g. an expired hold).
            assert (item.remaining is None) == (item.paused_at is None)
            assert (item.kind == Clock.Kind.FIRST_FOLLOWUP) == (item.dispatch_id is not None)
            if item.breached_at is not None:
                assert item.kind in Clock.STAFF_KINDS
                assert item.due_at < item.breached_at <= (item.stopped_at or clock.now())
    breached = Clock.objects.filter(breached_at__isnull=False)
    assert breached.filter(state=Clock.State.STOPPED).exists()  # late, but done
    assert breached.filter(state=Clock.State.RUNNING).exists()  # overdue now


def test_followups_are_published_by_the_lead_first(generated: World) -> None:
    answered = (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
    for complaint in Complaint.objects.prefetch_related("followups__dispatch"):
        followups = sorted(complaint.followups.all(), key=lambda f: f.published_at)
        if complaint.status not in answered:
            assert followups == []
            continue
        assert followups, complaint.status
        first = followups[0]
        assert first.dispatch.role == Dispatch.Role.LEAD
        assert first.published_at == complaint.first_followup_at
        for followup in followups:
            assert followup.state == FollowUp.State.PUBLISHED
            assert followup.created_at <= followup.submitted_at <= followup.published_at
            assert followup.dispatch.complaint_id == complaint.pk
            assert followup.body
    # The operator of the agency writes its follow-ups when it has one.
    assert FollowUp.objects.filter(author=generated.operator).exists() or not (
        Dispatch.objects.filter(agency=generated.public_works, followups__isnull=False).exists()
    )


def test_reporters_ratings_and_support(generated: World) -> None:
    complaints = Complaint.objects.all()
    assert all(c.reporter_name for c in complaints)
    assert all(c.reporter_phone or c.reporter_email for c in complaints)
    guests = complaints.filter(reporter__isnull=True)
    assert guests.count() > complaints.filter(reporter__isnull=False).count() > 0
    assert all(len(c.guest_secret_hash) == 64 for c in guests)
    assert all(
        e.endswith(".invalid") for e in complaints.values_list("reporter_email", flat=True) if e
    )
    rated = complaints.filter(rating__isnull=False)
    assert rated.exists()
    assert set(rated.values_list("status", flat=True)) == {Status.CLOSED}
    assert complaints.filter(is_anonymous=True).exists()
    counted = dict(
        Support.objects.values("complaint").annotate(n=Count("id")).values_list("complaint", "n")
    )
    for complaint in complaints:
        assert complaint.support_count == counted.get(complaint.pk, 0)
        if complaint.support_count:
            assert complaint.is_public
    assert max(counted.values()) > 1


def test_one_audit_event_per_run_and_the_chain_holds(generated: World) -> None:
    events = AuditEvent.objects.filter(action=AUDIT_ACTION)
    assert events.count() == 1
    assert events.get().data["complaints"] == 300
    # No history per generated complaint.
    assert not AuditEvent.objects.filter(target_type="complaints.complaint").exists()
    assert audit_verify()[1] is None
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "1" in out.getvalue()


def test_running_twice_adds_more_without_collisions(world: World) -> None:
    # The seed repeats the complaints for the same "now": a forced state (the first complaints
    # cover every state) is redrawn until it holds at that moment, so both runs use one clock.
    with frozen_at(clock.now()):
        loadgen("--complaints", "300", "--seed", "7", "--batch", "120")
        first_titles = list(Complaint.objects.order_by("id").values_list("title", flat=True))
        loadgen("--complaints", "300", "--seed", "7", "--batch", "120")
    assert Complaint.objects.count() == 600
    assert Complaint.objects.values("tracking_id").distinct().count() == 600
    # The same seed gives the same complaints (but new tracking IDs).
    second_titles = list(Complaint.objects.order_by("id").values_list("title", flat=True))[300:]
    assert second_titles == first_titles
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 2
    assert audit_verify()[1] is None


def test_reports_progress_on_stderr_and_a_summary(world: World) -> None:
    out, err = loadgen("--complaints", "50", "--seed", "1", "--batch", "20")
    assert err.count("loadgen:") == 3  # batches of 20, 20 and 10
    assert "50/50" in err
    # Commands speak the default language (Bahasa Indonesia): "baris/detik" is rows per second.
    assert "complaints" in out and ("rows/s" in out or "baris/detik" in out)


def test_refuses_in_production(world: World, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        loadgen("--complaints", "5")
    assert not Complaint.objects.exists()


def test_needs_the_configuration(db: Any) -> None:
    with pytest.raises(CommandError, match="load_demo"):
        loadgen("--complaints", "5")


@pytest.mark.parametrize("years", ["next year", "2026-2021", "abc"])
def test_rejects_bad_years(world: World, years: str) -> None:
    if years == "next year":  # a year that has not begun
        years = str(clock.now().astimezone(JAKARTA).year + 1)
    with pytest.raises(CommandError):
        loadgen("--complaints", "5", "--years", years)


def test_years_bound_the_submission_dates(world: World) -> None:
    year = clock.now().year - 2
    loadgen("--complaints", "40", "--seed", "3", "--years", str(year))
    years = {c.submitted_at.year for c in Complaint.objects.all()[8:]}  # after the first eight
    assert years <= {year, year + 1}  # a late-December evening in Jakarta is still UTC that year


SOURCE_ROWS = [
    # (text, agency, district) - "Dinas A" is the most frequent agency, then B, then C.
    ("Lampu jalan di gang kami padam sudah seminggu.", "Dinas A", "Tegalsari"),
    ("Saluran air depan rumah tersumbat sampah.", "Dinas A", "Tegalsari"),
    ("Pohon tumbang menutup jalan kampung kami.", "Dinas A", "Gubeng"),
    ("Mohon pengangkutan sampah hasil kerja bakti.", "Dinas A", "Gubeng"),
    ("Bantuan sosial untuk lansia belum diterima.", "Dinas B", "Tegalsari"),
    ("Pendaftaran sekolah online gagal terus.", "Dinas B", "Rungkut"),
    ("ok", "Dinas C", "Rungkut"),  # too short: skipped
    ("Pelayanan KTP di kelurahan lambat sekali.", "Dinas C", "Rungkut"),
]


def test_source_csv_supplies_texts_agencies_and_places(world: World, tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "text", "submitted_at", "responded_at", "topic", "agency", "district",
             "subdistrict"]
        )  # fmt: skip
        for number, (text, agency, district) in enumerate(SOURCE_ROWS):
            writer.writerow(
                [number, text, "2022-01-01T08:00:00", "", "Topik", agency, district, "Kel"]
            )
    loadgen("--complaints", "80", "--seed", "4", "--source-csv", str(path))
    texts = {text: agency for text, agency, _district in SOURCE_ROWS if len(text) >= 10}
    ordinary = Complaint.objects.filter(is_supervisory=False)
    assert {c.description for c in ordinary} <= set(texts)
    assert len({c.description for c in ordinary}) == len(texts)
    ranked = rank_agencies(
        [a for a in Agency.objects.all() if a.kind != Agency.Kind.INSPECTORATE],
        list(Category.objects.all()),
    )
    expected = {"Dinas A": ranked[0], "Dinas B": ranked[1], "Dinas C": ranked[2]}
    dispatched = ordinary.filter(status__in=DISPATCHED_OR_LATER)
    assert dispatched.exists()
    for complaint in dispatched:
        assert complaint.lead_agency == expected[texts[complaint.description]]
    assert all("Kecamatan" in c.address_text for c in ordinary)
    assert audit_verify()[1] is None


def test_source_csv_without_the_columns_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,body\n1,Jalan rusak parah sekali\n", encoding="utf-8")
    with pytest.raises(CommandError, match="text"):
        loadgen("--complaints", "5", "--source-csv", str(path))
    assert not Complaint.objects.exists()


SOURCE_HEADER = [
    "id", "text", "submitted_at", "responded_at", "topic", "agency", "district", "subdistrict"
]  # fmt: skip


def write_source(path: Path, rows: list[list[str]], header: list[str] = SOURCE_HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def handling_agencies() -> list[Agency]:
    return rank_agencies(
        [a for a in Agency.objects.all() if a.kind != Agency.Kind.INSPECTORATE],
        list(Category.objects.all()),
    )


def test_source_agencies_map_by_name_then_by_frequency_rank(world: World) -> None:
    ranked = handling_agencies()
    names = (
        ["Dinas Kebersihan"] * 5  # no configured agency of that name: the first by rank
        + ["Dinas Kesehatan Kota Surabaya"] * 3  # same name as the configured one
        + ["Badan Pendidikan"] * 2  # "Badan", not "Dinas": no name match
        + ["Dinas Pendidikan dan Kebudayaan"]  # half its words: Dinas Pendidikan
    )
    mapping = map_source_agencies(names, ranked)
    assert mapping["Dinas Kesehatan Kota Surabaya"] == world.health
    assert mapping["Dinas Pendidikan dan Kebudayaan"] == world.education
    rest = [a for a in ranked if a not in (world.health, world.education)]
    assert mapping["Dinas Kebersihan"] == rest[0]
    assert mapping["Badan Pendidikan"] == rest[1]
    # Deterministic: the order of the rows does not matter.
    assert map_source_agencies(list(reversed(names)), ranked) == mapping


def test_more_source_agencies_than_configured_ones_wrap_around(world: World) -> None:
    ranked = handling_agencies()
    names = [f"Kantor {number:03d}" for number in range(len(ranked) * 2 + 1)]
    mapping = map_source_agencies(names, ranked)
    assert [mapping[name] for name in names] == [
        ranked[index % len(ranked)] for index in range(len(names))
    ]


def test_source_places_keep_the_skew_on_the_configured_regions(world: World) -> None:
    for code, name, level, kind in (
        ("13", "Sumatera Barat", 1, "provinsi"),
        ("13.01", "Kabupaten Agam", 2, "kabupaten"),
        ("13.71", "Kota Padang", 2, "kota"),
        ("13.01.01", "Tanjung Raya", 3, "kecamatan"),
        ("13.71.01", "Koto Tangah", 3, "kecamatan"),
        ("13.71.02", "Kuranji", 3, "kecamatan"),
        ("13.71.01.1001", "Lubuk Buaya", 4, "kelurahan"),
        ("13.71.01.1002", "Air Tawar", 4, "kelurahan"),
    ):
        parent = code.rsplit(".", 1)[0] if "." in code else None
        Region.objects.create(code=code, name=name, level=level, kind=kind, parent_id=parent)
    pairs = (
        [("Tambaksari", "Ploso")] * 4
        + [("Tambaksari", "Gading")] * 2
        + [("Gubeng", "Airlangga")] * 3
        + [("Rungkut", "Medokan")]
        + [("Wonokromo", "Darmo")]
    )  # fmt: skip
    mapping = map_source_places(pairs, [])
    # The busiest district → the first kecamatan of a city, its busiest kelurahan → the first.
    assert mapping["Tambaksari", "Ploso"].region_id == "13.71.01.1001"
    assert mapping["Tambaksari", "Gading"].region_id == "13.71.01.1002"
    assert (
        mapping["Tambaksari", "Ploso"].text
        == "Kelurahan Lubuk Buaya, Kecamatan Koto Tangah, Kota Padang"
    )
    # A kecamatan without villages stands for itself; cities' kecamatan come first.
    assert mapping["Gubeng", "Airlangga"].region_id == "13.71.02"
    assert mapping["Gubeng", "Airlangga"].text == "Kecamatan Kuranji, Kota Padang"
    assert mapping["Rungkut", "Medokan"].region_id == "13.01.01"
    assert mapping["Wonokromo", "Darmo"].region_id == "13.71.01.1001"  # wraps around
    assert map_source_places(list(reversed(pairs)), []) == mapping


def test_source_places_without_regions_use_the_builtin_places(world: World) -> None:
    from aduan.complaints.loadgen import _Place

    fallback = [_Place(None, f"Kecamatan {d}, {c}", f"Kecamatan {d}") for d, c in BUILTIN_PLACES]
    mapping = map_source_places([("B", "x"), ("A", "y"), ("A", "z")], fallback)
    assert mapping["A", "y"] == mapping["A", "z"] == fallback[0]
    assert mapping["B", "x"] == fallback[1]


def test_source_response_delays_time_the_first_followups(world: World, tmp_path: Path) -> None:
    rows = [
        [str(n), f"Keluhan nomor {n} tentang jalan rusak.", "2022-03-01T09:00:00",
         "2022-03-01T09:01:00", "Jalan", "Dinas Pekerjaan Umum", "Gubeng", "Airlangga"]
        for n in range(20)
    ]  # fmt: skip
    rows.append(["99", "Tanpa jawaban sama sekali dari dinas.", "2022-03-01T09:00:00", "",
                 "Jalan", "Dinas Pekerjaan Umum", "Gubeng", "Airlangga"])  # fmt: skip
    rows.append(["98", "Jawaban tercatat sebelum laporan masuk.", "2022-03-01T09:00:00",
                 "2022-02-01", "Jalan", "Dinas Pekerjaan Umum", "Gubeng", "Airlangga"])  # fmt: skip
    path = write_source(tmp_path / "timed.csv", rows)
    source = read_source(path)
    assert len(source.rows) == 22
    assert source.delays == [timedelta(minutes=1)] * 20  # empty and negative ones skipped
    loadgen("--complaints", "120", "--seed", "5", "--source-csv", str(path))
    answered = Complaint.objects.filter(first_followup_at__isnull=False, is_supervisory=False)
    gaps = [c.first_followup_at - c.verified_at for c in answered]
    assert gaps
    # Verified in office hours, answered a minute later (unless that is after closing time).
    assert sum(gap == timedelta(minutes=1) for gap in gaps) >= 0.8 * len(gaps)
    assert all(c.lead_agency == world.public_works for c in answered)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read|Tidak dapat membaca|missing"),
        ("", "empty|kosong"),
        ("id,text,topic,agency,district,subdistrict\n", "usable|dapat digunakan"),
        ("id,text,agency\n1,Jalan rusak parah sekali,Dinas A\n", "topic"),
        (b"text,topic,agency,district,subdistrict\n\xff\xfe bad,x,y,z,w\n", "Cannot read|Tidak"),
    ],
)
def test_bad_source_csv_is_refused_before_anything_is_written(
    world: World, tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "source.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    users = User.objects.count()
    with pytest.raises(CommandError, match=message):
        loadgen("--complaints", "5", "--source-csv", str(path))
    assert not Complaint.objects.exists()
    assert User.objects.count() == users  # not even the fallback staff account
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


REAL_SOURCE = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "complaints-surabaya-2022.csv"
)


@pytest.mark.skipif(not REAL_SOURCE.exists(), reason="shared/data is not next to the checkout")
def test_real_source_csv(world: World) -> None:
    loadgen("--complaints", "300", "--seed", "9", "--source-csv", str(REAL_SOURCE))
    assert Complaint.objects.count() == 300
    ordinary = Complaint.objects.filter(is_supervisory=False)
    assert all(c.title and len(c.title) <= 200 and c.description for c in ordinary)
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Status.values)
    assert audit_verify()[1] is None


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-30T04:45:00+07:00",  # Monday before office hours
        "2027-01-03T20:00:00+07:00",  # Sunday evening, after the New Year holiday
        "2027-03-10T09:00:00+07:00",  # inside the Nyepi and Lebaran holidays of 2027
    ],
)
def test_every_state_is_covered_whenever_it_runs(world: World, moment: str) -> None:
    with frozen_at(datetime.fromisoformat(moment)):
        loadgen("--complaints", "10", "--seed", "3")
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Status.values)


def test_open_statuses_are_covered(generated: World) -> None:
    assert set(OPEN_STATUSES) <= set(Complaint.objects.values_list("status", flat=True))
