"""Background work of the identity app (django-tasks; ``aduan worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from aduan.identity import services
from aduan.identity.models import NikCheck


@task()
def verify_account_nik(user_id: int, trigger: str = NikCheck.Trigger.PROFILE) -> dict[str, object]:
    """Check an account's NIK online and set its status (queued when the NIK or name is saved).

    The arguments are the account id and what asked: a task row never holds the NIK."""
    record = services.account_nik_verify(user_id=user_id, trigger=trigger)
    if record is None:
        return {"account": user_id, "status": "skipped"}
    return {"account": user_id, "status": record.result, "reason": record.reason}


@task()
def retry_nik_checks() -> dict[str, int]:
    """Periodic (``ADUAN_PERIODIC_TASKS``): queue again the checks that found Dukcapil
    unavailable, or were never run, a while ago (at most ``ADUAN_NIK_ONLINE_MAX_ATTEMPTS``)."""
    due = services.retry_due_accounts()
    for user_id in due:
        verify_account_nik.enqueue(user_id, NikCheck.Trigger.RETRY.value)
    return {"queued": len(due)}
