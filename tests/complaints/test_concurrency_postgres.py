"""Concurrency on PostgreSQL: conflicting transitions started at the same moment in real threads
(one wins, the other is refused, nothing half-done), and a burst of simultaneous submissions
(distinct tracking IDs, one gap-free audit chain).

Run with ``DATABASE_URL=postgres://... pytest -m postgres``; skipped on SQLite, whose single
writer lock serialises everything anyway.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from aduan.accounts.models import User
from aduan.agencies.models import Agency, Category
from aduan.complaints import services
from aduan.complaints.models import Clock, Complaint, Dispatch, FollowUp, Status
from aduan.core import clock
from aduan.core.audit import audit_verify
from aduan.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditChainHead, AuditEvent
from aduan.notifications.models import OutboxMessage
from tests.world import World, build_world, make, submit

pytestmark = pytest.mark.postgres

REPEAT = 10
THREAD_TIMEOUT = 60


@pytest.fixture
def tworld(transactional_db: Any, settings: Any, tmp_path: Any) -> World:
    """The same instansi as ``world``, committed so that other threads see it.

    The flush that ends each transactional test removes the audit chain head; ``post_migrate``
    (``aduan.core.apps.ensure_audit_chain_head``) puts it back.
    """
    return build_world(settings, tmp_path)


# --- running things at the same moment ---------------------------------------------------------


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def run_together(*jobs: Callable[[], Callable[[], Any]]) -> list[Outcome]:
    """Run each job in its own thread. A job loads what it needs (its own connection, its own
    model instances) and returns the call to make; all calls start together at a barrier."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [Outcome() for _ in jobs]

    def work(index: int, job: Callable[[], Callable[[], Any]]) -> None:
        try:
            call = job()
            barrier.wait(timeout=THREAD_TIMEOUT)
            outcomes[index].value = call()
        except BaseException as error:
            outcomes[index].error = error
            barrier.abort()  # do not leave the others waiting for a thread that failed early
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(index, job), daemon=True)
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes


def _one_wins(outcomes: list[Outcome], *losers: type[DomainError]) -> int:
    """Index of the single call that succeeded; the other must have been refused cleanly."""
    expected = losers or (TransitionNotAllowed,)
    unexpected = [
        o.error for o in outcomes if o.error is not None and not isinstance(o.error, expected)
    ]
    assert not unexpected, unexpected
    winners = [i for i, outcome in enumerate(outcomes) if outcome.error is None]
    assert len(winners) == 1, outcomes
    return winners[0]


def _assert_chain_intact() -> None:
    count = AuditEvent.objects.count()
    assert audit_verify() == (count, None)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, count + 1)
    )
    assert AuditChainHead.objects.get(pk=1).seq == count


def _actions(complaint: Complaint) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(complaint.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _open_clocks(complaint: Complaint) -> set[str]:
    return set(complaint.clocks.exclude(state=Clock.State.STOPPED).values_list("kind", flat=True))


# Each job runs in its thread: load the actor and the complaint there, return the call.


def _dispatch_job(world: World, complaint: Complaint) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.coordinator.pk)
        target = Complaint.objects.get(pk=complaint.pk)
        agency = Agency.objects.get(pk=world.public_works.pk)
        support = [Agency.objects.get(pk=world.health.pk)]
        return lambda: services.complaint_dispatch(
            actor=actor, complaint=target, lead_agency=agency, supporting_agencies=support
        )

    return job


def _archive_job(world: World, complaint: Complaint) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.coordinator.pk)
        target = Complaint.objects.get(pk=complaint.pk)
        return lambda: services.complaint_archive(
            actor=actor, complaint=target, reason="not_a_complaint", note="Bukan pengaduan."
        )

    return job


def _transfer_job(world: World, complaint: Complaint) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.coordinator.pk)
        target = Complaint.objects.get(pk=complaint.pk)
        return lambda: services.complaint_transfer(
            actor=actor, complaint=target, target="Pemerintah Kota Padang"
        )

    return job


def _resolve_job(world: World, complaint: Complaint) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.liaison.pk)
        target = Complaint.objects.get(pk=complaint.pk)
        return lambda: services.complaint_resolve(actor=actor, complaint=target)

    return job


def _decline_job(world: World, complaint: Complaint) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.liaison.pk)
        hop = Dispatch.objects.get(complaint=complaint, role=Dispatch.Role.LEAD)
        return lambda: services.dispatch_decline(
            actor=actor, dispatch=hop, reason="Bukan kewenangan kami."
        )

    return job


def _approve_job(world: World, followup: FollowUp) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        actor = User.objects.get(pk=world.liaison.pk)
        draft = FollowUp.objects.get(pk=followup.pk)
        return lambda: services.followup_approve(actor=actor, followup=draft)

    return job


# --- conflicting transitions ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("other", ["archive", "transfer"])
def test_dispatch_races_archive_or_transfer(tworld: World, other: str) -> None:
    world = tworld
    closing = {"archive": _archive_job, "transfer": _transfer_job}[other]
    closed_status = {"archive": Status.ARCHIVED, "transfer": Status.TRANSFERRED}[other]
    closing_action = {"archive": "complaint.archived", "transfer": "complaint.transferred"}[other]
    wins = {"dispatch": 0, other: 0}
    for _ in range(REPEAT):
        complaint = submit(world)
        outcomes = run_together(_dispatch_job(world, complaint), closing(world, complaint))
        winner = _one_wins(outcomes)
        complaint.refresh_from_db()
        if winner == 0:
            wins["dispatch"] += 1
            assert complaint.status == Status.DISPATCHED
            assert complaint.lead_agency_id == world.public_works.pk
            assert complaint.closed_at is None
            assert complaint.archive_reason == complaint.transfer_target == ""
            assert complaint.dispatches.filter(state=Dispatch.State.PENDING).count() == 2
            assert _actions(complaint) == ["complaint.submitted", "complaint.dispatched"]
            assert _open_clocks(complaint) == {Clock.Kind.FIRST_FOLLOWUP, Clock.Kind.RESOLUTION}
        else:
            wins[other] += 1
            assert complaint.status == closed_status
            assert complaint.lead_agency_id is None
            assert complaint.closed_at is not None
            assert not complaint.dispatches.exists()
            assert _actions(complaint) == ["complaint.submitted", closing_action]
            assert _open_clocks(complaint) == set()
        # Only the winner announced anything.
        announced = set(complaint.outbox_messages.values_list("event", flat=True))
        assert announced == set(_actions(complaint))
    _assert_chain_intact()
    assert sum(wins.values()) == REPEAT


@pytest.mark.django_db(transaction=True)
def test_double_resolve_resolves_once(tworld: World) -> None:
    world = tworld
    for _ in range(REPEAT):
        complaint = make(world, "in_progress")
        outcomes = run_together(_resolve_job(world, complaint), _resolve_job(world, complaint))
        _one_wins(outcomes)
        complaint.refresh_from_db()
        assert complaint.status == Status.RESOLVED
        assert _actions(complaint).count("complaint.resolved") == 1
        assert complaint.clocks.filter(kind=Clock.Kind.AUTO_CLOSE).count() == 1
        assert complaint.outbox_messages.filter(event="complaint.resolved").count() == 2
    _assert_chain_intact()


@pytest.mark.django_db(transaction=True)
def test_decline_races_first_followup(tworld: World) -> None:
    """The lead agency's liaison officer declines while approving a follow-up (two tabs). If the
    follow-up is published first, the dispatch can no longer be declined; if the decline comes
    first, the agency no longer holds the complaint and cannot publish on it."""
    world = tworld
    for _ in range(REPEAT):
        complaint = make(world, "dispatched")
        draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Siap.")
        services.followup_submit(actor=world.operator, followup=draft)
        outcomes = run_together(_decline_job(world, complaint), _approve_job(world, draft))
        winner = _one_wins(outcomes, TransitionNotAllowed, PermissionDenied)
        complaint.refresh_from_db()
        draft.refresh_from_db()
        if winner == 0:
            assert isinstance(outcomes[1].error, PermissionDenied)
            assert complaint.status == Status.SUBMITTED
            assert complaint.lead_agency_id is None
            assert draft.state == FollowUp.State.PENDING
            assert not complaint.dispatches.filter(state__in=Dispatch.ACTIVE_STATES).exists()
            assert _open_clocks(complaint) == {Clock.Kind.VERIFY, Clock.Kind.RESOLUTION}
            assert "followup.published" not in _actions(complaint)
        else:
            assert isinstance(outcomes[0].error, TransitionNotAllowed)
            assert complaint.status == Status.IN_PROGRESS
            assert draft.state == FollowUp.State.PUBLISHED
            assert complaint.dispatches.filter(state__in=Dispatch.ACTIVE_STATES).count() == 2
            assert "dispatch.declined" not in _actions(complaint)
    _assert_chain_intact()


# --- lock order ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("agency_action", ["accept_dispatch", "approve_followup"])
def test_agency_work_and_a_reply_elsewhere_do_not_deadlock(
    tworld: World, agency_action: str
) -> None:
    """A liaison officer works on one complaint of Dinas PU while a reporter replies on another
    one it leads. The reply takes the audit chain head, then writes an outbox row that references
    the agency (a foreign key, so PostgreSQL takes a KEY SHARE lock on the agency row). If the
    officer's service had locked the agency row FOR UPDATE (as ``select_for_update`` with
    ``select_related`` does unless told ``of``), it would now wait for the chain head: a deadlock.
    The two are forced into exactly that interleaving; both must succeed."""
    world = tworld
    held = make(world, "dispatched")
    draft = services.followup_draft(actor=world.operator, complaint=held, body="Siap.")
    services.followup_submit(actor=world.operator, followup=draft)
    replied_on = make(world, "dispatched")
    officer_locked, reporter_has_head = threading.Event(), threading.Event()
    threads: dict[str, int] = {}
    real_audit, real_outbox = services._audit, services.outbox_enqueue

    def audit(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == threads.get("officer"):
            officer_locked.set()  # the hop (and whatever was locked with it) is held
            reporter_has_head.wait(timeout=10)
        return real_audit(*args, **kwargs)

    def outbox(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == threads.get("reporter"):
            reporter_has_head.set()  # audit_log ran: the chain head is held until commit
        return real_outbox(*args, **kwargs)

    def officer() -> Callable[[], Any]:
        threads["officer"] = threading.get_ident()
        actor = User.objects.get(pk=world.liaison.pk)
        if agency_action == "accept_dispatch":
            hop = Dispatch.objects.get(complaint=held, role=Dispatch.Role.LEAD)
            return lambda: services.dispatch_accept(actor=actor, dispatch=hop)
        followup = FollowUp.objects.get(pk=draft.pk)
        return lambda: services.followup_approve(actor=actor, followup=followup)

    def reporter() -> Callable[[], Any]:
        threads["reporter"] = threading.get_ident()
        actor = User.objects.get(pk=world.reporter.pk)
        target = Complaint.objects.get(pk=replied_on.pk)

        def call() -> Any:
            assert officer_locked.wait(timeout=10)
            return services.complaint_reply(actor=actor, complaint=target, body="Kapan?")

        return call

    with (
        mock.patch.object(services, "_audit", audit),
        mock.patch.object(services, "outbox_enqueue", outbox),
    ):
        outcomes = run_together(officer, reporter)
    assert [o.error for o in outcomes] == [None, None]
    assert reporter_has_head.is_set()
    _assert_chain_intact()


@pytest.mark.django_db(transaction=True)
def test_agency_work_and_the_sweep_on_the_same_complaint_do_not_deadlock(tworld: World) -> None:
    """The sweep flags an overdue clock without locking the complaint: it takes the chain head,
    then writes an outbox row that references the complaint (a KEY SHARE lock on its row). A
    transition holding the complaint row FOR UPDATE would block that insert while itself waiting
    for the chain head. Services lock the complaint FOR NO KEY UPDATE, which lets foreign-key
    checks through and still excludes every other transition."""
    world = tworld
    complaint = make(world, "dispatched")
    hop = Dispatch.objects.get(complaint=complaint, role=Dispatch.Role.LEAD)
    overdue = Clock.objects.get(complaint=complaint, dispatch=hop, kind=Clock.Kind.FIRST_FOLLOWUP)
    Clock.objects.filter(pk=overdue.pk).update(due_at=clock.now() - timedelta(days=1))
    officer_locked, sweep_has_head = threading.Event(), threading.Event()
    threads: dict[str, int] = {}
    real_audit, real_outbox = services._audit, services.outbox_enqueue

    def audit(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == threads.get("officer"):
            officer_locked.set()
            sweep_has_head.wait(timeout=10)
        return real_audit(*args, **kwargs)

    def outbox(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == threads.get("sweep"):
            sweep_has_head.set()
        return real_outbox(*args, **kwargs)

    def officer() -> Callable[[], Any]:
        threads["officer"] = threading.get_ident()
        actor = User.objects.get(pk=world.liaison.pk)
        target = Dispatch.objects.get(pk=hop.pk)
        return lambda: services.dispatch_accept(actor=actor, dispatch=target)

    def sweeper() -> Callable[[], Any]:
        threads["sweep"] = threading.get_ident()

        def call() -> Any:
            assert officer_locked.wait(timeout=10)
            return services.clock_mark_breached(clock_id=overdue.pk)

        return call

    with (
        mock.patch.object(services, "_audit", audit),
        mock.patch.object(services, "outbox_enqueue", outbox),
    ):
        outcomes = run_together(officer, sweeper)
    assert [o.error for o in outcomes] == [None, None]
    assert outcomes[1].value is True
    assert sweep_has_head.is_set()
    assert set(_actions(complaint)) >= {"dispatch.accepted", "clock.breached"}
    _assert_chain_intact()


# --- a burst of submissions ----------------------------------------------------------------------


def _submit_many(category_pk: int, thread: int, count: int) -> Callable[[], Callable[[], Any]]:
    def job() -> Callable[[], Any]:
        category = Category.objects.get(pk=category_pk)

        def call() -> list[tuple[str, str]]:
            made = []
            for number in range(count):
                result = services.complaint_submit(
                    actor=None,
                    title=f"Lampu jalan mati {thread}-{number}",
                    description="Lampu jalan di simpang empat mati sejak minggu lalu.",
                    category=category,
                    reporter_name=f"Tamu {thread}-{number}",
                    reporter_phone="081234567890",
                )
                assert result.created and result.guest_secret
                made.append((result.complaint.tracking_id, result.guest_secret))
            return made

        return call

    return job


@pytest.mark.django_db(transaction=True)
def test_thousand_concurrent_submissions(tworld: World) -> None:
    threads, each = 20, 50
    total = threads * each
    started = time.monotonic()
    outcomes = run_together(
        *[_submit_many(tworld.category.pk, thread, each) for thread in range(threads)]
    )
    elapsed = time.monotonic() - started
    assert [o.error for o in outcomes] == [None] * threads
    made = [item for outcome in outcomes for item in outcome.value]
    tracking_ids = {tracking_id for tracking_id, _secret in made}
    assert len(tracking_ids) == total
    assert Complaint.objects.count() == total
    assert set(Complaint.objects.values_list("tracking_id", flat=True)) == tracking_ids
    assert Clock.objects.filter(kind=Clock.Kind.VERIFY, state=Clock.State.RUNNING).count() == total
    assert OutboxMessage.objects.count() == 2 * total
    assert AuditEvent.objects.filter(action="complaint.submitted").count() == total
    _assert_chain_intact()
    assert AuditEvent.objects.count() == total
    assert elapsed < 60, elapsed


@pytest.mark.django_db(transaction=True)
def test_concurrent_tracking_id_collisions_are_drawn_again(tworld: World) -> None:
    """With a tiny pool of tracking IDs, concurrent submissions collide on the unique index (one
    waits for the other's commit, then fails) and draw again; none is lost or doubled."""
    threads, each, pool = 10, 20, 400
    draws = itertools.count()
    lock = threading.Lock()

    def crowded_tracking_id() -> str:
        with lock:
            next(draws)
        number = secrets.randbelow(pool)
        return f"SB-TEST-{number:04d}"

    with mock.patch.object(services, "new_tracking_id", crowded_tracking_id):
        outcomes = run_together(
            *[_submit_many(tworld.category.pk, thread, each) for thread in range(threads)]
        )
    assert [o.error for o in outcomes] == [None] * threads
    made = {tracking_id for outcome in outcomes for tracking_id, _secret in outcome.value}
    assert len(made) == threads * each
    assert Complaint.objects.count() == threads * each
    assert next(draws) > threads * each  # there were collisions, and they were retried
    _assert_chain_intact()


def test_concurrent_sweeps_apply_each_rule_once(tworld: World) -> None:
    """``aduan sweep`` on several machines at once: every overdue clock is flagged once and every
    due complaint closed once, with one audit event and one notice each."""
    world = tworld
    resolved = [make(world, "resolved") for _ in range(4)]
    dispatched = [make(world, "dispatched") for _ in range(4)]
    from aduan.complaints.sweep import sweep

    later = clock.now() + timedelta(days=40)
    with mock.patch.object(clock, "now", return_value=later):
        outcomes = run_together(*[lambda: sweep for _ in range(4)])
    assert [o.error for o in outcomes] == [None] * 4
    results = [o.value for o in outcomes]
    assert sum(r.auto_closed for r in results) == len(resolved)
    # Each dispatched complaint has two overdue follow-up clocks (lead and support hop); the
    # 60-day resolution clocks are not due yet, and the reporter's auto-close windows expire
    # rather than breach.
    overdue = Clock.objects.filter(breached_at__isnull=False).count()
    assert sum(r.breached for r in results) == overdue == len(dispatched) * 2
    assert AuditEvent.objects.filter(action="clock.breached").count() == overdue
    assert OutboxMessage.objects.filter(event="clock.breached").count() == overdue
    for complaint in resolved:
        complaint.refresh_from_db()
        assert complaint.status == Status.CLOSED
        assert _actions(complaint).count("complaint.auto_closed") == 1
    _assert_chain_intact()


def test_simultaneous_retries_with_one_idempotency_key_create_one_complaint(tworld: World) -> None:
    def job() -> Callable[[], Any]:
        return lambda: services.complaint_submit(
            actor=None,
            title="Jalan rusak",
            description="Jalan rusak parah di depan sekolah dasar.",
            reporter_name="Ani",
            reporter_phone="081234500000",
            idempotency_key="retry-1",
        )

    outcomes = run_together(*[job for _ in range(8)])
    assert [o.error for o in outcomes] == [None] * 8
    results = [o.value for o in outcomes]
    assert sum(r.created for r in results) == 1
    assert len({r.complaint.pk for r in results}) == 1
    assert len({r.guest_secret for r in results}) == 1
    assert Complaint.objects.count() == 1
    _assert_chain_intact()
