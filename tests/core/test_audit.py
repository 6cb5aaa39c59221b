"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from aduan.core.audit import GENESIS_HASH, _event_hash, audit_log, audit_verify
from aduan.core.context import request_id_var
from aduan.core.models import AppendOnlyError, AuditChainHead, AuditEvent, CalendarOverride


@pytest.fixture
def target(db: None) -> CalendarOverride:
    return CalendarOverride.objects.create(date=date(2026, 8, 17), name="Proklamasi")


@pytest.fixture
def three_events(target: CalendarOverride) -> list[AuditEvent]:
    return [
        audit_log(actor=None, action=f"calendar.test_{n}", target=target, data={"n": n})
        for n in range(1, 4)
    ]


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_form_a_chain(three_events: list[AuditEvent]) -> None:
    first, second, third = three_events
    assert [event.seq for event in three_events] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, third.hash)


def test_event_records_actor_target_data_and_request_id(
    target: CalendarOverride, django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user(username="koordinator", password="x" * 12)
    token = request_id_var.set("req-123")
    try:
        event = audit_log(
            actor=user, action="calendar.changed", target=target, data={"on": date(2026, 8, 17)}
        )
    finally:
        request_id_var.reset(token)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == user.pk
    assert event.actor_label == "koordinator"
    assert (event.target_type, event.target_id) == ("core.calendaroverride", str(target.pk))
    assert event.data == {"on": "2026-08-17"}
    assert event.request_id == "req-123"


def test_event_without_actor_is_labelled_system(target: CalendarOverride) -> None:
    event = audit_log(actor=None, action="calendar.changed", target=target)
    assert event.actor_id is None
    assert event.actor_label == "system"


def test_verify_an_empty_chain(db: None) -> None:
    assert audit_verify() == (0, None)


def test_verify_an_intact_chain(three_events: list[AuditEvent]) -> None:
    assert audit_verify() == (3, None)


def test_altered_row_is_detected(three_events: list[AuditEvent]) -> None:
    _raw("UPDATE core_auditevent SET action = %s WHERE seq = %s", ["calendar.forged", 2])
    checked, problem = audit_verify()
    assert checked == 1
    assert problem is not None
    assert problem.seq == 2
    assert "altered" in problem.reason


def test_altered_row_with_recomputed_hash_breaks_the_next_link(
    three_events: list[AuditEvent],
) -> None:
    forged = AuditEvent.objects.get(seq=2)
    forged_hash = _forged_hash(forged, actor_label="someone else")
    _raw(
        "UPDATE core_auditevent SET actor_label = %s, hash = %s WHERE seq = %s",
        ["someone else", forged_hash, 2],
    )
    checked, problem = audit_verify()
    assert checked == 2
    assert problem is not None
    assert problem.seq == 3
    assert "previous hash" in problem.reason


def test_rewritten_last_event_is_detected_by_the_chain_head(
    three_events: list[AuditEvent],
) -> None:
    # No later event links to the last one; only the chain head still holds its true hash.
    last = AuditEvent.objects.get(seq=3)
    _raw(
        "UPDATE core_auditevent SET actor_label = %s, hash = %s WHERE seq = %s",
        ["someone else", _forged_hash(last, actor_label="someone else"), 3],
    )
    _checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == 3


def test_deleted_row_is_detected(three_events: list[AuditEvent]) -> None:
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [2])
    checked, problem = audit_verify()
    assert checked == 1
    assert problem is not None
    assert problem.seq == 2
    assert "missing" in problem.reason


def test_deleted_last_row_is_detected(three_events: list[AuditEvent]) -> None:
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [3])
    checked, problem = audit_verify()
    assert checked == 2
    assert problem is not None
    assert problem.seq == 3
    assert "missing" in problem.reason


def test_event_appended_behind_the_heads_back_is_detected(
    three_events: list[AuditEvent],
) -> None:
    last = three_events[-1]
    smuggled = AuditEvent(
        seq=4,
        created_at=last.created_at,
        actor_label="system",
        action="calendar.smuggled",
        target_type=last.target_type,
        target_id=last.target_id,
        data={},
        prev_hash=last.hash,
    )
    smuggled.hash = _forged_hash(smuggled)
    smuggled.save(force_insert=True)
    checked, problem = audit_verify()
    assert checked == 3
    assert problem is not None
    assert problem.seq == 4


def test_saving_an_existing_event_is_refused(three_events: list[AuditEvent]) -> None:
    event = three_events[0]
    event.action = "calendar.forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(seq=1).action == "calendar.test_1"


def test_deleting_an_event_is_refused(three_events: list[AuditEvent]) -> None:
    with pytest.raises(AppendOnlyError):
        three_events[0].delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 3


def test_updating_events_through_the_queryset_is_refused(
    three_events: list[AuditEvent],
) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(action="calendar.forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="calendar.forged")
    three_events[1].action = "calendar.forged"
    # bulk_update runs in its own atomic block; a savepoint keeps the test's transaction usable.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([three_events[1]], ["action"])
    assert audit_verify() == (3, None)


def test_audit_log_outside_a_transaction_is_refused() -> None:
    # No django_db mark: no transaction is open, and the check must come before any query.
    assert not transaction.get_connection().in_atomic_block
    target = CalendarOverride(pk=1, date=date(2026, 8, 17), name="Proklamasi")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_log(actor=None, action="calendar.changed", target=target)


def test_verify_command_reports_an_intact_chain(three_events: list[AuditEvent]) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("audit", "verify", stdout=out)
    assert "Audit chain intact: 3 events checked." in out.getvalue()


def test_verify_command_speaks_indonesian_by_default(three_events: list[AuditEvent]) -> None:
    out = StringIO()
    with translation.override("id"):
        call_command("audit", "verify", stdout=out)
    assert "Rantai audit utuh: 3 kejadian diperiksa." in out.getvalue()


def test_verify_command_fails_on_a_broken_chain(three_events: list[AuditEvent]) -> None:
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [2])
    with translation.override("en"), pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=StringIO())
    assert excinfo.value.returncode == 1
    assert "#2" in str(excinfo.value)
    assert "missing" in str(excinfo.value)


def _forged_hash(event: AuditEvent, **changes: Any) -> str:
    fields = {
        "seq": event.seq,
        "created_at": event.created_at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    fields.update(changes)
    return _event_hash(**fields)


@pytest.mark.django_db
def test_missing_head_is_reported_and_not_silently_recreated() -> None:
    from aduan.core.apps import ensure_audit_chain_head

    with transaction.atomic():
        audit_log(actor=None, action="test.one", target=AuditChainHead.objects.get(pk=1))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditchainhead")
    ensure_audit_chain_head()
    assert not AuditChainHead.objects.exists()
    checked, problem = audit_verify()
    assert checked == 1
    assert problem is not None and "head is missing" in problem.reason
