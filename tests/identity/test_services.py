"""Putting a NIK on an account (registration, profile), the queued online check, its record
and the retries; the NIK never leaves the account row."""

from __future__ import annotations

import json
import logging
from typing import Any
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from aduan.accounts import services as account_services
from aduan.accounts.models import NikStatus, User
from aduan.core.errors import InvalidInput
from aduan.core.models import AuditEvent
from aduan.identity import services, tasks
from aduan.identity.models import NikCheck
from aduan.identity.nik import nik_fingerprint
from tests.identity.conftest import BUDI_NIK, SITI_NAME, SITI_NIK
from tests.identity.simulator import DukcapilSimulator
from tests.world import later

pytestmark = pytest.mark.django_db
TASK = "aduan.identity.tasks.verify_account_nik"


def register(nik: str = SITI_NIK, name: str = SITI_NAME, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "name": name,
        "email": "siti@example.org",
        "phone": "",
        "password": "kata-sandi-rahasia-9",
        "language": "en",
        "site_url": "http://testserver",
        "nik": nik,
    }
    fields.update(overrides)
    return account_services.account_register(**fields)


def update(user: User, **overrides: Any) -> account_services.ProfileChange:
    fields: dict[str, Any] = {
        "user": user,
        "name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "site_url": "http://testserver",
    }
    fields.update(overrides)
    return account_services.account_update(**fields)


def queued() -> list[list[Any]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path=TASK)]


def everything_stored() -> str:
    """Audit data, check records and queued task arguments, as one text to search."""
    rows = [
        *AuditEvent.objects.values_list("data", flat=True),
        *NikCheck.objects.values("fields", "reason", "response_code", "nik_fingerprint"),
        *DBTaskResult.objects.values_list("args_kwargs", flat=True),
    ]
    return json.dumps(rows, default=str)


# --- offline only -----------------------------------------------------------------------------


def test_registration_without_online_check_keeps_an_offline_checked_nik(
    offline_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = register(nik="1371 0141 0199 0001")

    user.refresh_from_db()
    assert user.nik == SITI_NIK and user.nik_status == NikStatus.OFFLINE
    assert user.nik_status_at is not None
    assert queued() == []
    event = AuditEvent.objects.get(action="account.registered")
    assert event.data["nik"] is True


def test_registration_without_nik(offline_only: None) -> None:
    user = register(nik="")
    user.refresh_from_db()
    assert (user.nik, user.nik_status, user.nik_status_at) == ("", "", None)
    # Callers that know nothing of NIKs (e.g. another sign-in) keep working.
    other = account_services.account_register(
        name="Budi",
        email="budi@example.org",
        phone="",
        password="kata-sandi-rahasia-9",
        language="id",
        site_url="http://testserver",
    )
    assert other.nik == ""


def test_an_invalid_nik_refuses_registration_with_every_reason(offline_only: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(nik="1371993102990000")

    assert str(refused.value) == (
        "District code 13.71.99 does not exist. Birth date 31-02 is not valid. "
        "Serial number 0000 is not valid: serial numbers start at 0001."
    )
    assert not User.objects.exists()


def test_profile_keeps_the_nik_unless_given(offline_only: None) -> None:
    user = register()
    assert update(user, phone="081234567890").changed == ["phone", "phone_verified_at"]
    user.refresh_from_db()
    assert user.nik == SITI_NIK  # nik=None: left alone

    change = update(user, nik=BUDI_NIK)
    user.refresh_from_db()
    assert "nik" in change.changed and user.nik == BUDI_NIK
    assert user.nik_status == NikStatus.OFFLINE

    change = update(user, nik="")
    user.refresh_from_db()
    assert (user.nik, user.nik_status, user.nik_status_at) == ("", "", None)
    event = AuditEvent.objects.filter(action="account.updated").latest("seq")
    assert "nik" in event.data["fields"]
    assert SITI_NIK not in everything_stored() and BUDI_NIK not in everything_stored()


def test_profile_refuses_an_invalid_nik_and_changes_nothing(offline_only: None) -> None:
    user = register()
    with pytest.raises(InvalidInput, match="Province code 99 does not exist"):
        update(user, name="Siti R.", nik="9901014101990001")
    user.refresh_from_db()
    assert user.nik == SITI_NIK and user.get_full_name() == SITI_NAME


def test_a_new_name_beside_an_offline_nik_changes_nothing_about_it(offline_only: None) -> None:
    user = register()
    user.refresh_from_db()
    before = user.nik_status_at
    change = update(user, name="Siti Rahma")
    user.refresh_from_db()
    assert "nik_status" not in change.changed and user.nik_status_at == before


def test_the_database_refuses_a_nik_without_status(offline_only: None) -> None:
    from django.db import IntegrityError, transaction

    user = register(nik="")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(nik=SITI_NIK)


# --- online: queued after commit --------------------------------------------------------------


def test_registration_queues_the_online_check_after_commit(
    dukcapil: DukcapilSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = register()
    user.refresh_from_db()
    assert user.nik_status == NikStatus.PENDING
    assert queued() == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued() == [[user.pk, "registration"]]
    assert dukcapil.received == []  # the request waits for the worker


def test_the_task_verifies_a_matching_nik(dukcapil: DukcapilSimulator) -> None:
    user = register()
    result = tasks.verify_account_nik.call(user.pk, "registration")

    assert result == {"account": user.pk, "status": "matched", "reason": "ok"}
    user.refresh_from_db()
    assert user.nik_status == NikStatus.VERIFIED and user.nik_status_at is not None
    check = NikCheck.objects.get()
    assert (check.user, check.requested_by, check.trigger) == (user, None, "registration")
    assert check.result == "matched" and check.fields == {"NIK": True, "NAMA_LGKP": True}
    assert check.nik_fingerprint == nik_fingerprint(SITI_NIK)
    assert AuditEvent.objects.filter(
        action="account.nik_checked", target_id=str(user.pk)
    ).get().data == {
        "result": "matched",
        "reason": "ok",
    }
    assert AuditEvent.objects.filter(action="identity.nik_checked").count() == 1
    assert SITI_NIK not in everything_stored()


def test_a_name_that_does_not_match_marks_a_mismatch(dukcapil: DukcapilSimulator) -> None:
    user = register(name="Budi Santoso")
    tasks.verify_account_nik.call(user.pk)

    user.refresh_from_db()
    assert user.nik_status == NikStatus.MISMATCH
    assert NikCheck.objects.get().reason == "name_mismatch"


@pytest.mark.parametrize("trouble", ["timeout", "5xx", "malformed"])
def test_dukcapil_trouble_leaves_the_nik_unavailable_not_refused(
    dukcapil: DukcapilSimulator, settings: Any, trouble: str
) -> None:
    user = register()
    release = None
    if trouble == "timeout":
        settings.ADUAN_DUKCAPIL_TIMEOUT_SECONDS = 0.2
        release = dukcapil.hang_next()
    elif trouble == "5xx":
        dukcapil.fail_next(503)
    else:
        dukcapil.answer_next(b"not json")
    try:
        result = tasks.verify_account_nik.call(user.pk)
    finally:
        if release is not None:
            release.set()

    assert result["status"] == "unavailable"
    user.refresh_from_db()
    # The offline verdict stands: the NIK stays on the account, the person is not blocked.
    assert user.nik == SITI_NIK and user.nik_status == NikStatus.UNAVAILABLE
    assert user.is_active


def test_changing_the_name_asks_again(
    dukcapil: DukcapilSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    user = register()
    tasks.verify_account_nik.call(user.pk)
    user.refresh_from_db()
    assert user.nik_status == NikStatus.VERIFIED

    with django_capture_on_commit_callbacks(execute=True):
        change = update(user, name="Budi Santoso")
    user.refresh_from_db()
    assert user.nik_status == NikStatus.PENDING and "nik" not in change.changed
    assert queued()[-1] == [user.pk, "profile"]
    tasks.verify_account_nik.call(user.pk)
    user.refresh_from_db()
    assert user.nik_status == NikStatus.MISMATCH


def test_an_answer_for_an_older_nik_or_name_does_not_set_the_status(
    dukcapil: DukcapilSimulator,
) -> None:
    user = register()

    def change_meanwhile(self: Any, **kwargs: Any) -> Any:
        # The person saves another NIK while Dukcapil is answering about the first.
        User.objects.filter(pk=user.pk).update(nik=BUDI_NIK, nik_status=NikStatus.PENDING)
        return original(self, **kwargs)

    from aduan.identity.dukcapil import DukcapilAdapter

    original = DukcapilAdapter.verify
    with mock.patch.object(DukcapilAdapter, "verify", change_meanwhile):
        record = services.account_nik_verify(user_id=user.pk)

    assert record is not None and record.result == "matched"
    user.refresh_from_db()
    assert user.nik == BUDI_NIK and user.nik_status == NikStatus.PENDING


def test_the_task_skips_accounts_with_nothing_to_check(dukcapil: DukcapilSimulator) -> None:
    user = register(nik="")
    assert tasks.verify_account_nik.call(user.pk)["status"] == "skipped"
    assert tasks.verify_account_nik.call(0)["status"] == "skipped"
    other = register(email="b@example.org")
    tasks.verify_account_nik.call(other.pk)
    assert tasks.verify_account_nik.call(other.pk)["status"] == "skipped"  # already verified
    assert NikCheck.objects.count() == 1


def test_a_waiting_nik_becomes_offline_when_the_online_check_is_switched_off(
    dukcapil: DukcapilSimulator, settings: Any
) -> None:
    user = register()
    settings.ADUAN_DUKCAPIL_URL = ""
    assert tasks.verify_account_nik.call(user.pk)["status"] == "skipped"
    user.refresh_from_db()
    assert user.nik_status == NikStatus.OFFLINE
    assert not NikCheck.objects.exists()


def test_a_queue_failure_is_logged_and_left_to_the_retry(
    dukcapil: DukcapilSimulator,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    broken = mock.Mock()
    broken.enqueue.side_effect = RuntimeError("queue down")
    with (
        mock.patch("aduan.identity.tasks.verify_account_nik", broken),
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
    ):
        user = register()
    assert "could not queue the NIK check" in caplog.text and SITI_NIK not in caplog.text
    user.refresh_from_db()
    assert user.nik_status == NikStatus.PENDING
    with later(1):
        assert services.retry_due_accounts() == [user.pk]


# --- retries ----------------------------------------------------------------------------------


def test_unavailable_checks_are_retried_after_the_interval_up_to_the_limit(
    dukcapil: DukcapilSimulator, settings: Any
) -> None:
    settings.ADUAN_NIK_ONLINE_RETRY_MINUTES = 60
    settings.ADUAN_NIK_ONLINE_MAX_ATTEMPTS = 2
    user = register()
    verified = register(email="b@example.org", nik=SITI_NIK)
    tasks.verify_account_nik.call(verified.pk)
    dukcapil.fail_next(500)
    tasks.verify_account_nik.call(user.pk)

    assert services.retry_due_accounts() == []  # too soon
    with later(1):
        assert tasks.retry_nik_checks.call() == {"queued": 1}
        assert queued()[-1] == [user.pk, "retry"]
        dukcapil.fail_next(500)
        tasks.verify_account_nik.call(user.pk, "retry")
    with later(2):
        assert services.retry_due_accounts() == []  # two unavailable answers: give up
        # A new NIK starts a new count.
        update(User.objects.get(pk=user.pk), nik=BUDI_NIK)
        dukcapil.fail_next(500)
        tasks.verify_account_nik.call(user.pk)
    with later(3):
        assert services.retry_due_accounts() == [user.pk]
    assert NikCheck.objects.filter(trigger="retry").count() == 1


def test_nik_check_online_for_the_command_line(dukcapil: DukcapilSimulator) -> None:
    check = services.nik_check_online(nik=SITI_NIK, name=SITI_NAME)

    assert check is not None and check.answer.matched
    assert (check.record.user, check.record.trigger) == (None, "command")
    event = AuditEvent.objects.get(action="identity.nik_checked")
    assert event.actor_label == "system" and event.data["trigger"] == "command"


def test_nik_check_online_without_configuration(offline_only: None) -> None:
    assert services.nik_check_online(nik=SITI_NIK, name=SITI_NAME) is None
    assert not NikCheck.objects.exists()


def test_nik_clean() -> None:
    assert services.nik_clean("  ") == ""
    assert services.nik_clean("1371-0141-0199-0001") == SITI_NIK
    with pytest.raises(InvalidInput, match="16 digits"):
        services.nik_clean("12345")
