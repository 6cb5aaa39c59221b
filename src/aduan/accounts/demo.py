"""Demo accounts: one user per staff role plus a reporter, for trying the system out.

Never run this against a live instansi: every demo account shares one password, and every
staff account has an authenticator whose codes ``aduan otp code USERNAME`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.models import Membership, Role, User
from aduan.agencies.models import Agency

# The operator and liaison officer work in the public-works office when it exists.
OPERATOR_AGENCY_CODES = ("BMCKTR", "SDABK", "PERKIM")
INSPECTORATE_AGENCY_CODES = ("INSP",)
DEMO_EMAIL_DOMAIN = "demo.invalid"  # reserved TLD (RFC 2606): mail to it can never be delivered
DEMO_DEVICE_NAME = "demo"
# The staff account whose code the load_demo hint shows how to get.
DEMO_TWO_FACTOR_EXAMPLE = "koordinator"


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account: its username, display name and (for staff) role."""

    username: str
    first_name: str
    role: Role | None
    agency: Agency | None = None


def _first_agency(codes: tuple[str, ...], kind: str) -> Agency:
    """The first agency found by code, else the first of ``kind``."""
    by_code = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
    for code in codes:
        if code in by_code:
            return by_code[code]
    agency = Agency.objects.filter(kind=kind, is_active=True).order_by("path").first()
    if agency is None:
        raise LookupError(f"no agency of kind {kind!r}; load the agencies first")
    return agency


def _demo_users() -> list[DemoUser]:
    operator_agency = _first_agency(OPERATOR_AGENCY_CODES, Agency.Kind.OFFICE)
    inspectorate = _first_agency(INSPECTORATE_AGENCY_CODES, Agency.Kind.INSPECTORATE)
    return [
        DemoUser("koordinator", "Admin Koordinator", Role.COORDINATOR),
        DemoUser("operator", "Operator OPD", Role.OPERATOR, operator_agency),
        DemoUser("penghubung", "Pejabat Penghubung", Role.LIAISON, operator_agency),
        DemoUser("pimpinan", "Pimpinan", Role.LEADERSHIP),
        DemoUser("inspektorat", "Inspektorat", Role.INSPECTORATE, inspectorate),
        DemoUser("pemantau", "Pemantau", Role.MONITOR),
        DemoUser("admin", "Admin Sistem", Role.ADMIN),
        DemoUser("pelapor", "Pelapor", None),
    ]


def _sync_membership(user: User, role: Role | None, agency: Agency | None) -> None:
    """Leave the user with exactly one active membership (or none for a reporter)."""
    keep: Membership | None = None
    if role is not None:
        keep = Membership.objects.filter(user=user, role=role, agency=agency).first()
        if keep is None:
            keep = Membership.objects.create(user=user, role=role, agency=agency)
        elif not keep.is_active:
            keep.is_active = True
            keep.save(update_fields=["is_active"])
    others = Membership.objects.filter(user=user)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    others.delete()


def _ensure_demo_authenticator(user: User) -> None:
    """A confirmed TOTP device, so the staff two-step sign-in works in the demo at once (codes
    from ``aduan otp code``). An existing confirmed device is kept: a phone already set up for
    it keeps working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)


@transaction.atomic
def create_demo_users(password: str) -> list[tuple[str, str, str]]:
    """Create or refresh the demo accounts, all with ``password``.

    Idempotent: existing demo accounts get the password, flags and membership again. Only
    ``admin`` may use the Django admin (``is_staff`` and ``is_superuser``). Every staff account
    gets a confirmed authenticator (see ``_ensure_demo_authenticator``). Returns rows of
    (username, role label, agency name); the reporter's role label is "Reporter".
    """
    # Hashed once: the accounts share the password anyway, and each hash costs ~0.3 s.
    password_hash = make_password(password)
    rows: list[tuple[str, str, str]] = []
    for demo in _demo_users():
        is_admin = demo.role == Role.ADMIN
        user = User.objects.filter(username=demo.username).first() or User(username=demo.username)
        user.first_name = demo.first_name
        user.last_name = "(demo)"
        user.email = f"{demo.username}@{DEMO_EMAIL_DOMAIN}"
        user.is_active = True
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.password = password_hash
        user.save()
        _sync_membership(user, demo.role, demo.agency)
        if demo.role is not None:
            _ensure_demo_authenticator(user)
        role_label = str(demo.role.label) if demo.role is not None else gettext("Reporter")
        rows.append((demo.username, role_label, demo.agency.name if demo.agency else ""))
    return rows
