"""Writes of the connector that people (administrators) or the system ask for: the system
accounts national changes are made as, and the administrators' actions on parked messages and
reports that could not be taken in. Each is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Membership, Role, User
from aduan.complaints import policies
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.lapor.models import NationalFile, NationalLink, OutboundMessage


def may_administer(user: Any) -> bool:
    """System administrators (an instansi-wide role) look after the connector."""
    return policies.is_system_admin(user)


def _ensure_admin(actor: Any) -> None:
    # ``None`` is the system itself (the command line run by an operator of the server).
    if actor is not None and not may_administer(actor):
        raise PermissionDenied(
            _("Only system administrators may manage the SP4N-LAPOR! connector.")
        )


def _system_account(username: str, first_name: str, last_name: str) -> User:
    """An account that cannot sign in (``is_active=False`` also keeps it out of every
    notification); refuses an existing account of that name that can sign in."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.is_active or user.has_usable_password():
        raise ImproperlyConfigured(
            f"The account {user.username!r} can sign in, so it cannot be a SP4N-LAPOR! system "
            "account: choose a name no one uses (ADUAN_LAPOR_REPORTER_USERNAME, "
            "ADUAN_LAPOR_SYSTEM_USERNAME)."
        )
    return user


def reporter_account() -> User:
    """The reporter of every complaint received from SP4N-LAPOR!: the citizen reports, replies,
    rates and reopens there, and their actions reach us as this account's."""
    return _system_account(settings.ADUAN_LAPOR_REPORTER_USERNAME, "Pelapor", "SP4N-LAPOR!")


def system_account() -> User:
    """A coordinator account for what national administrators decide (archive a report, give it
    to another instansi)."""
    user = _system_account(settings.ADUAN_LAPOR_SYSTEM_USERNAME, "Sistem", "SP4N-LAPOR!")
    Membership.objects.get_or_create(user=user, role=Role.COORDINATOR, agency=None)
    policies.forget_roles(user)
    return user


@transaction.atomic
def message_retry(*, actor: Any, messages: Iterable[OutboundMessage]) -> int:
    """Send parked messages again from the first attempt (after the cause was fixed)."""
    _ensure_admin(actor)
    now = clock.now()
    count = 0
    for message in messages:
        updated = OutboundMessage.objects.filter(
            pk=message.pk, state=OutboundMessage.State.PARKED
        ).update(state=OutboundMessage.State.PENDING, attempts=0, next_attempt_at=now)
        if updated:
            audit_log(
                actor=actor,
                action="lapor.message_retried",
                target=message,
                data={"kind": message.kind, "key": message.idempotency_key},
            )
            count += 1
    return count


@transaction.atomic
def national_file_retry(*, actor: Any, file: NationalFile) -> bool:
    """Try a refused national file again from the first attempt (the complaint was reopened,
    the cause was fixed): the next sync downloads it. ``False`` if it is no longer refused."""
    _ensure_admin(actor)
    updated = NationalFile.objects.filter(pk=file.pk, state=NationalFile.State.REFUSED).update(
        state=NationalFile.State.PENDING, attempts=0, problem={}, updated_at=clock.now()
    )
    if updated:
        audit_log(
            actor=actor,
            action="lapor.file_retried",
            target=file,
            data={
                "reference": file.reference,
                "national_id": file.link.national_id,
                "problem": file.problem,
            },
        )
    return bool(updated)


@transaction.atomic
def message_discard(*, actor: Any, message: OutboundMessage, reason: str) -> bool:
    """Give up on a parked message: the complaint's later messages go on. Reconcile will show
    what SP4N-LAPOR! misses because of it."""
    _ensure_admin(actor)
    reason = (reason or "").strip()[:1000]
    if not reason:
        raise InvalidInput(_("Say why the message is discarded: the audit log keeps it."))
    updated = OutboundMessage.objects.filter(
        pk=message.pk, state=OutboundMessage.State.PARKED
    ).update(state=OutboundMessage.State.DISCARDED)
    if updated:
        audit_log(
            actor=actor,
            action="lapor.message_discarded",
            target=message,
            data={"kind": message.kind, "key": message.idempotency_key, "reason": reason},
        )
    return bool(updated)


def report_retry(*, actor: Any, link: NationalLink) -> str:
    """Take in again a national report that could not be taken in (its stored snapshot)."""
    from aduan.lapor.config import load_config
    from aduan.lapor.inbound import apply_report_isolated, parse_report

    _ensure_admin(actor)
    config = load_config()
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="lapor.report_retried",
            target=link,
            data={"national_id": link.national_id},
        )
    if not link.snapshot:
        return "nothing"
    report = parse_report(link.snapshot, config.mapping)
    return apply_report_isolated(report, config=config, force=True)


@transaction.atomic
def sync_request(*, actor: Any) -> None:
    """Ask a worker to run a sync now (the periodic job runs it anyway)."""
    from aduan.lapor.sync import sync_state
    from aduan.lapor.tasks import lapor_sync

    _ensure_admin(actor)
    audit_log(actor=actor, action="lapor.sync_requested", target=sync_state())
    transaction.on_commit(lapor_sync.enqueue)
