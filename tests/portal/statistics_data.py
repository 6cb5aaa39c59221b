"""Complaints for the public statistics tests (page and API), built through the services only,
with personal data and titles that must never appear in a public figure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.test.utils import CaptureQueriesContext

from aduan.agencies.models import Region
from aduan.complaints import services
from aduan.complaints.models import Channel, Complaint, Kind
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date
from aduan.monitoring import rollups
from tests.world import World, frozen_at, make

GUEST_NAME = "Budi Santoso"
GUEST_PHONE = "081299990000"
GUEST_EMAIL = "budi.santoso@example.org"
SECRET_TITLE = "Pungutan liar oleh pejabat Hendra Wijaya"
CONFIDENTIAL_TITLE = "Keluhan rahasia tentang tetangga Yusuf"
# Strings of the reporters and complaints that no public page or answer may carry.
PRIVATE = [
    GUEST_NAME,
    GUEST_PHONE,
    GUEST_EMAIL,
    "Rahmawati",  # world.reporter's last name
    "081234567890",  # world.reporter's phone
    "warga@example.org",
    SECRET_TITLE,
    CONFIDENTIAL_TITLE,
    "Jalan berlubang di depan pasar",  # the default title of tests.world.submit
    "Lubang besar di Jalan Sudirman",  # and its description
]


@dataclass
class Built:
    this_year: int
    last_year: int
    complaints: list[Complaint]
    last_year_complaints: list[Complaint]


def padang() -> Region:
    """Kota Padang (13.71) and a district in it (a complaint's region may be any level)."""
    province, _created = Region.objects.get_or_create(
        code="13", defaults={"name": "Sumatera Barat", "level": 1, "kind": "provinsi"}
    )
    city, _created = Region.objects.get_or_create(
        code="13.71",
        defaults={"name": "Kota Padang", "level": 2, "kind": "kota", "parent": province},
    )
    district, _created = Region.objects.get_or_create(
        code="13.71.01",
        defaults={
            "name": "Bungus Teluk Kabung",
            "level": 3,
            "kind": "kecamatan",
            "parent": city,
        },
    )
    return district


def build(world: World) -> Built:
    """Complaints of this year in many states and dimensions, two of last year; then the
    rollups catch up (the on-commit hook does not run inside a test's transaction)."""
    this_year = local_date(clock.now()).year
    district = padang()
    complaints = [make(world, state) for state in ("submitted", "dispatched", "in_progress")]
    complaints.append(
        make(
            world,
            "resolved",
            actor=AnonymousUser(),
            reporter_name=GUEST_NAME,
            reporter_phone=GUEST_PHONE,
            reporter_email=GUEST_EMAIL,
            idempotency_key=uuid.uuid4().hex,
            region=district,
            channel=Channel.WHATSAPP,
        )
    )
    rated = make(world, "resolved", kind=Kind.ASPIRATION)
    complaints.append(services.complaint_rate(actor=world.reporter, complaint=rated, score=5))
    complaints.append(make(world, "archived"))
    complaints.append(make(world, "in_progress", is_confidential=True, title=CONFIDENTIAL_TITLE))
    supervisory = make(world, "submitted", is_supervisory=True, title=SECRET_TITLE)
    complaints.append(
        services.complaint_dispatch(
            actor=world.coordinator, complaint=supervisory, lead_agency=world.inspectorate_agency
        )
    )
    last_year = this_year - 1
    with frozen_at(datetime(last_year, 6, 10, 9, 0, tzinfo=JAKARTA)):
        old = [make(world, "dispatched"), make(world, "submitted", channel=Channel.SMS)]
    rollups.catch_up()
    return Built(this_year, last_year, complaints, old)


def more(world: World, count: int) -> None:
    """More complaints of this year, in other agencies and states (for query-count tests)."""
    for index in range(count):
        make(world, ("submitted", "dispatched", "in_progress")[index % 3])
        if index % 2:
            services.complaint_dispatch(
                actor=world.coordinator,
                complaint=make(world, "submitted", channel=Channel.EMAIL),
                lead_agency=world.education,
            )
    rollups.catch_up()


COMPLAINT_TABLES = ("complaints_complaint", "complaints_clock")


def assert_no_complaint_table(captured: CaptureQueriesContext) -> None:
    """No query reads the complaints or their clocks: every public figure comes from the rollups
    (the few other queries, e.g. agency codes, do not touch them either)."""
    assert captured.captured_queries
    for query in captured.captured_queries:
        sql = query["sql"].lower()
        for table in COMPLAINT_TABLES:
            assert table not in sql, sql
