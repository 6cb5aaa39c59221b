"""A small instansi to run the lifecycle in (fixtures ``world`` and ``make_complaint`` are
registered in tests/conftest.py): agencies, a category, one user per role, and helpers
that drive a complaint into any state through the services (never by setting ``status``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.models import Membership, Role, User
from aduan.agencies.models import Agency, Category, Region
from aduan.complaints import services
from aduan.complaints.models import Complaint, Dispatch, FollowUp
from aduan.core import clock

STATES = [
    "submitted",
    "on_hold",
    "dispatched",
    "in_progress",
    "resolved",
    "closed",
    "archived",
    "transferred",
]


@dataclass
class World:
    setda: Agency
    public_works: Agency
    public_works_unit: Agency
    health: Agency
    education: Agency
    inspectorate_agency: Agency
    category: Category
    users: dict[str, User]

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


def _user(username: str, *memberships: tuple[str, Agency | None]) -> User:
    user = User(username=username, email=f"{username}@example.org")
    user.set_unusable_password()
    user.save()
    for role, agency in memberships:
        Membership.objects.create(user=user, role=role, agency=agency)
    return user


def build_world(settings: Any, tmp_path: Any) -> World:
    """Create the instansi; shared by ``world`` and fixtures that need a transactional database."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    setda = Agency.objects.create(
        code="SETDA", name="Sekretariat Daerah", kind=Agency.Kind.SECRETARIAT
    )
    public_works = Agency.objects.create(
        code="DPU", name="Dinas Pekerjaan Umum", kind=Agency.Kind.OFFICE
    )
    unit = Agency.objects.create(
        code="UPTD-JALAN", name="UPTD Jalan", kind=Agency.Kind.TECHNICAL_UNIT, parent=public_works
    )
    health = Agency.objects.create(code="DINKES", name="Dinas Kesehatan", kind=Agency.Kind.OFFICE)
    education = Agency.objects.create(
        code="DISDIK", name="Dinas Pendidikan", kind=Agency.Kind.OFFICE
    )
    inspectorate = Agency.objects.create(
        code="INSP", name="Inspektorat", kind=Agency.Kind.INSPECTORATE
    )
    category = Category.objects.create(
        code="jalan", name="Jalan rusak", default_agency=public_works
    )
    users = {
        "reporter": _user("warga"),
        "outsider": _user("warga2"),
        "coordinator": _user("koordinator", (Role.COORDINATOR, None)),
        "operator": _user("operator", (Role.OPERATOR, public_works)),
        "liaison": _user("penghubung", (Role.LIAISON, public_works)),
        "unit_operator": _user("operator_uptd", (Role.OPERATOR, unit)),
        "health_operator": _user("operator_kes", (Role.OPERATOR, health)),
        "health_liaison": _user("penghubung_kes", (Role.LIAISON, health)),
        "other_liaison": _user("penghubung_disdik", (Role.LIAISON, education)),
        "leadership": _user("pimpinan", (Role.LEADERSHIP, None)),
        "inspectorate": _user("inspektorat", (Role.INSPECTORATE, inspectorate)),
        "monitor": _user("pemantau", (Role.MONITOR, None)),
        "admin": _user("admin", (Role.ADMIN, None)),
    }
    users["reporter"].first_name = "Siti"
    users["reporter"].last_name = "Rahmawati"
    users["reporter"].phone = "081234567890"
    users["reporter"].save()
    return World(setda, public_works, unit, health, education, inspectorate, category, users)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Run services as if it were ``moment``."""
    with mock.patch.object(clock, "now", return_value=moment):
        yield


def later(days: int) -> Any:
    """A context that moves the service clock ``days`` calendar days ahead."""
    return frozen_at(clock.now() + timedelta(days=days))


def submit(world: World, **overrides: Any) -> Complaint:
    fields: dict[str, Any] = {
        "actor": world.reporter,
        "title": "Jalan berlubang di depan pasar",
        "description": "Lubang besar di Jalan Sudirman dekat pasar, dua bulan tidak diperbaiki.",
        "category": world.category,
    }
    fields.update(overrides)
    return services.complaint_submit(**fields).complaint


def lead_dispatch(complaint: Complaint) -> Dispatch:
    return complaint.dispatches.get(role=Dispatch.Role.LEAD, state__in=Dispatch.ACTIVE_STATES)


def publish_followup(
    world: World, complaint: Complaint, text: str = "Sudah dijadwalkan perbaikan."
) -> FollowUp:
    draft = services.followup_draft(actor=world.operator, complaint=complaint, body=text)
    services.followup_submit(actor=world.operator, followup=draft)
    return services.followup_approve(actor=world.liaison, followup=draft)


def make(world: World, state: str, **overrides: Any) -> Complaint:
    """A complaint in ``state``, reached through the services as people would."""
    complaint = submit(world, **overrides)
    if state == "submitted":
        return complaint
    coordinator = world.coordinator
    if state == "on_hold":
        return services.complaint_hold(
            actor=coordinator, complaint=complaint, reason="Mohon lengkapi lokasi."
        )
    if state == "archived":
        return services.complaint_archive(
            actor=coordinator,
            complaint=complaint,
            reason="not_a_complaint",
            note="Bukan pengaduan.",
        )
    if state == "transferred":
        return services.complaint_transfer(
            actor=coordinator, complaint=complaint, target="Pemerintah Kota Padang"
        )
    complaint = services.complaint_dispatch(
        actor=coordinator,
        complaint=complaint,
        lead_agency=world.public_works,
        supporting_agencies=[world.health],
    )
    if state == "dispatched":
        return complaint
    publish_followup(world, complaint)
    complaint.refresh_from_db()
    if state == "in_progress":
        return complaint
    complaint = services.complaint_resolve(actor=world.liaison, complaint=complaint)
    if state == "resolved":
        return complaint
    if state == "closed":
        with later(30):
            assert services.complaint_auto_close(complaint=complaint)
        complaint.refresh_from_db()
        return complaint
    raise ValueError(state)


def staff_login(client: Client, user: User) -> TOTPDevice:
    """Sign ``user`` in as if they had passed the TOTP step (staff pages require it)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@dataclass
class KotoBaru:
    """Two villages named Koto Baru (real Kemendagri codes), told apart only by their parents."""

    solok: Region  # a desa in Kecamatan Kubung, Kabupaten Solok
    payakumbuh: Region  # a kelurahan in Kecamatan Payakumbuh Timur, Kota Payakumbuh

    SOLOK = "Koto Baru, Kec. Kubung, Kab. Solok"
    SOLOK_FULL = "Koto Baru, Kecamatan Kubung, Kabupaten Solok"
    PAYAKUMBUH = "Koto Baru, Kec. Payakumbuh Timur, Kota Payakumbuh"
    PAYAKUMBUH_FULL = "Koto Baru, Kecamatan Payakumbuh Timur, Kota Payakumbuh"


def koto_baru() -> KotoBaru:
    """The two Koto Baru with their kecamatan, kabupaten/kota and province (kept if there)."""

    def region(code: str, name: str, kind: str) -> Region:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        found, _created = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": code.count(".") + 1,
                "kind": kind,
                "parent_id": parent,
            },
        )
        return found

    region("13", "Sumatera Barat", "provinsi")
    region("13.02", "Kabupaten Solok", "kabupaten")
    region("13.02.10", "Kubung", "kecamatan")
    region("13.76", "Kota Payakumbuh", "kota")
    region("13.76.03", "Payakumbuh Timur", "kecamatan")
    return KotoBaru(
        solok=region("13.02.10.2001", "Koto Baru", "desa"),
        payakumbuh=region("13.76.03.1011", "Koto Baru", "kelurahan"),
    )
