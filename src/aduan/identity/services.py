"""Every change that concerns a NIK: putting it on an account (called from
``aduan.accounts.services`` inside their transaction), the online check and its record.

The NIK is personal data (UU 27/2022 PDP). It is stored only on the account; the audit log,
``NikCheck`` rows, task arguments and log lines carry a keyed fingerprint, an account id or
nothing at all, never the number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import NikStatus, User
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.calendar import local_date
from aduan.core.errors import InvalidInput
from aduan.identity.dukcapil import OnlineAnswer, OnlineResult, online_verifier
from aduan.identity.models import NikCheck
from aduan.identity.nik import nik_fingerprint, normalize_nik, validate_nik

logger = logging.getLogger(__name__)

_STATUS_FOR = {
    OnlineResult.MATCHED: NikStatus.VERIFIED,
    OnlineResult.NOT_MATCHED: NikStatus.MISMATCH,
    OnlineResult.UNAVAILABLE: NikStatus.UNAVAILABLE,
}


def nik_clean(value: str) -> str:
    """The 16 digits of a NIK someone typed, or "" for none; ``InvalidInput`` with every reason
    (in the reader's language) when the number cannot be a NIK."""
    if not normalize_nik(value):
        return ""
    today = local_date(clock.now())
    verdict = validate_nik(value, today=today)
    if not verdict.valid:
        # The reasons are worded when the error is read, in the reader's language, not in the
        # language active now (``validate_nik`` words them as it finds them).
        reasons = lazy(lambda: " ".join(validate_nik(value, today=today).reasons), str)()
        raise InvalidInput("%(reasons)s", reasons=reasons)
    return verdict.nik


def account_nik_apply(
    *,
    user: User,
    nik: str,
    name_changed: bool = False,
    trigger: str = NikCheck.Trigger.PROFILE,
) -> list[str]:
    """Put ``nik`` (already cleaned by ``nik_clean``) on ``user`` without saving; returns the
    fields to save. Call it inside the transaction that saves the account.

    A new NIK, or a new name beside a NIK, needs a new online check when one is configured: the
    status becomes "waiting for Dukcapil" and the check is queued when the transaction commits.
    Without an online check the status is "checked offline". An empty ``nik`` removes it.
    """
    nik_changed = nik != user.nik
    if not nik_changed and not (name_changed and user.nik):
        return []
    if not nik:
        user.nik, user.nik_status, user.nik_status_at = "", NikStatus.NONE, None
        return ["nik", "nik_status", "nik_status_at"]
    online = online_verifier() is not None and bool(user.get_full_name().strip())
    if not nik_changed and not online and user.nik_status == NikStatus.OFFLINE:
        return []  # a new name changes nothing that was checked
    now = clock.now()
    user.nik = nik
    user.nik_status = NikStatus.PENDING if online else NikStatus.OFFLINE
    user.nik_status_at = now
    if online:
        user_id, reason = user.pk, str(trigger)
        transaction.on_commit(lambda: enqueue_verification(user_id, reason))
    return (
        ["nik", "nik_status", "nik_status_at"] if nik_changed else ["nik_status", "nik_status_at"]
    )


def enqueue_verification(user_id: int, trigger: str = NikCheck.Trigger.PROFILE) -> None:
    """Queue the online check of an account's NIK (after the commit that set it). A failure to
    queue leaves the account waiting; ``retry_nik_checks`` picks it up later."""
    from aduan.identity.tasks import verify_account_nik

    try:
        verify_account_nik.enqueue(user_id, str(trigger))
    except Exception:  # the queue's own error types depend on its backend
        logger.exception("identity: could not queue the NIK check of account %s", user_id)


@dataclass(frozen=True)
class OnlineCheck:
    """An online answer and the row that records it."""

    answer: OnlineAnswer
    record: NikCheck


def nik_check_online(
    *,
    nik: str,
    name: str,
    birth_date: date | None = None,
    user: User | None = None,
    requested_by: User | None = None,
    trigger: str = NikCheck.Trigger.COMMAND,
    actor_label: str = "",
) -> OnlineCheck | None:
    """Ask the configured online check about ``nik`` and record the answer; None when no online
    check is configured. Never raises on network trouble (the answer is then ``unavailable``).

    The network call runs outside any transaction; only the record is written in one.
    """
    verifier = online_verifier()
    if verifier is None:
        return None
    answer = verifier.verify(nik=nik, name=name, birth_date=birth_date)
    with transaction.atomic():
        record = _record(
            answer,
            nik=nik,
            user=user,
            requested_by=requested_by,
            trigger=trigger,
            actor_label=actor_label,
        )
    return OnlineCheck(answer, record)


def _record(
    answer: OnlineAnswer,
    *,
    nik: str,
    user: User | None,
    requested_by: User | None,
    trigger: str,
    actor_label: str = "",
) -> NikCheck:
    record = NikCheck.objects.create(
        user=user,
        requested_by=requested_by,
        trigger=trigger,
        created_at=clock.now(),
        nik_fingerprint=nik_fingerprint(nik),
        result=answer.result.value,
        reason=answer.reason,
        fields=dict(answer.fields),
        http_status=answer.http_status,
        response_code=answer.response_code,
        duration_ms=answer.duration_ms,
    )
    audit_log(
        actor=requested_by,
        action="identity.nik_checked",
        target=record,
        data={"result": answer.result.value, "reason": answer.reason, "trigger": trigger},
        actor_label=actor_label or ("" if requested_by else "system"),
    )
    return record


def account_nik_verify(*, user_id: int, trigger: str = NikCheck.Trigger.PROFILE) -> NikCheck | None:
    """Check an account's NIK online and set its status from the answer (the queued task).

    Skipped (None) when the account has no NIK, it is not waiting for a check, or no online
    check is configured. When the NIK or the name changed while the check ran, the answer is
    recorded but the status is left to the check queued by that change.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.nik:
        return None
    if user.nik_status not in (NikStatus.PENDING, NikStatus.UNAVAILABLE):
        return None
    nik, name = user.nik, user.get_full_name().strip()
    if not name:
        return None
    verifier = online_verifier()
    if verifier is None:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user_id)
            if locked.nik == nik and locked.nik_status == NikStatus.PENDING:
                locked.nik_status, locked.nik_status_at = NikStatus.OFFLINE, clock.now()
                locked.save(update_fields=["nik_status", "nik_status_at"])
        return None
    answer = verifier.verify(nik=nik, name=name)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user_id)
        record = _record(answer, nik=nik, user=locked, requested_by=None, trigger=trigger)
        if locked.nik != nik or locked.get_full_name().strip() != name:
            return record
        locked.nik_status = _STATUS_FOR[answer.result]
        locked.nik_status_at = clock.now()
        locked.save(update_fields=["nik_status", "nik_status_at"])
        audit_log(
            actor=None,
            action="account.nik_checked",
            target=locked,
            data={"result": answer.result.value, "reason": answer.reason},
            actor_label="system",
        )
    return record


def retry_due_accounts(*, limit: int = 100) -> list[int]:
    """Accounts whose online check should run again: waiting (a check that was never queued or
    whose worker stopped) or unavailable, since at least ``ADUAN_NIK_ONLINE_RETRY_MINUTES``, with
    fewer than ``ADUAN_NIK_ONLINE_MAX_ATTEMPTS`` unavailable answers for their current NIK."""
    minutes = int(getattr(settings, "ADUAN_NIK_ONLINE_RETRY_MINUTES", 60))
    attempts = int(getattr(settings, "ADUAN_NIK_ONLINE_MAX_ATTEMPTS", 5))
    cutoff = clock.now() - timedelta(minutes=minutes)
    candidates = (
        User.objects.filter(
            nik_status__in=[NikStatus.PENDING, NikStatus.UNAVAILABLE], nik_status_at__lte=cutoff
        )
        .exclude(nik="")
        .annotate(
            failures=Count("nik_checks", filter=Q(nik_checks__result=NikCheck.Result.UNAVAILABLE))
        )
        .order_by("nik_status_at")
        .values_list("pk", "nik", "failures")[: limit * 2]
    )
    due: list[int] = []
    for pk, nik, failures in candidates:
        if failures >= attempts and _failures_for(pk, nik) >= attempts:
            continue
        due.append(pk)
        if len(due) >= limit:
            break
    return due


def _failures_for(user_id: int, nik: str) -> int:
    """Unavailable answers for this account's current NIK (earlier NIKs do not count)."""
    return NikCheck.objects.filter(
        user_id=user_id,
        nik_fingerprint=nik_fingerprint(nik),
        result=NikCheck.Result.UNAVAILABLE,
    ).count()


NIK_STATUS_HELP: dict[str, Promise] = {
    NikStatus.OFFLINE: _("The number is well formed. It was not checked with Dukcapil."),
    NikStatus.PENDING: _("We are asking Dukcapil; this page shows the answer when it comes."),
    NikStatus.VERIFIED: _("Dukcapil confirmed that this NIK belongs to the name on your account."),
    NikStatus.MISMATCH: _(
        "Dukcapil did not confirm this NIK with the name on your account. Check both: the name "
        "must be written as on your KTP."
    ),
    NikStatus.UNAVAILABLE: _(
        "Dukcapil could not be reached. Your NIK is kept and we will try again later."
    ),
}
