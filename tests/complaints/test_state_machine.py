"""Random sequences of lifecycle actions, by random people, while time passes and the sweep runs:
no invalid state is ever reached, no deadline moves backwards, the audit chain always verifies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from aduan.complaints import services
from aduan.complaints.models import OPEN_STATUSES, Clock, Complaint, Dispatch, FollowUp, Status
from aduan.complaints.sweep import sweep
from aduan.core import clock
from aduan.core.audit import audit_verify
from aduan.core.errors import DomainError
from aduan.core.models import AuditEvent
from aduan.notifications.models import OutboxMessage
from tests.world import World

ACTORS = [
    "reporter",
    "outsider",
    "coordinator",
    "operator",
    "liaison",
    "health_liaison",
    "leadership",
    "monitor",
]
AGENCIES = ["public_works", "health", "education"]
ACTIVE_CLOCK_STATES = [Clock.State.RUNNING, Clock.State.PAUSED]


def _act(
    world: World, action: str, complaint: Complaint, actor: Any, agency: Any, text: str, score: int
) -> None:
    any_hop = complaint.dispatches.order_by("?").first()
    followup = complaint.followups.order_by("?").first()
    if action == "dispatch":
        supporting = [world.health] if agency != world.health else []
        services.complaint_dispatch(
            actor=actor, complaint=complaint, lead_agency=agency, supporting_agencies=supporting
        )
    elif action == "answer":  # the whole follow-up round: draft, submit, approve
        draft = services.followup_draft(actor=world.operator, complaint=complaint, body=text)
        services.followup_submit(actor=world.operator, followup=draft)
        services.followup_approve(actor=world.liaison, followup=draft)
    elif action == "hold":
        services.complaint_hold(actor=actor, complaint=complaint, reason=text)
    elif action == "complete":
        services.complaint_complete(actor=actor, complaint=complaint, body=text)
    elif action == "archive":
        services.complaint_archive(actor=actor, complaint=complaint, reason="not_a_complaint")
    elif action == "transfer":
        services.complaint_transfer(actor=actor, complaint=complaint, target=text)
    elif action == "accept" and any_hop is not None:
        services.dispatch_accept(actor=actor, dispatch=any_hop)
    elif action == "decline" and any_hop is not None:
        services.dispatch_decline(actor=actor, dispatch=any_hop, reason=text)
    elif action == "draft":
        services.followup_draft(actor=actor, complaint=complaint, body=text)
    elif action == "submit_draft" and followup is not None:
        services.followup_submit(actor=actor, followup=followup)
    elif action == "approve" and followup is not None:
        services.followup_approve(actor=actor, followup=followup)
    elif action == "return" and followup is not None:
        services.followup_return(actor=actor, followup=followup, note=text)
    elif action == "note":
        services.note_add(actor=actor, complaint=complaint, body=text)
    elif action == "resolve":
        services.complaint_resolve(actor=actor, complaint=complaint)
    elif action == "reply":
        services.complaint_reply(actor=actor, complaint=complaint, body=text)
    elif action == "reopen":
        services.complaint_reopen(actor=actor, complaint=complaint, reason=text)
    elif action == "rate":
        services.complaint_rate(actor=actor, complaint=complaint, score=score)
    elif action == "instruct":
        services.complaint_instruct(actor=actor, complaint=complaint, body=text)
    elif action == "set_privacy":
        services.complaint_set_privacy(
            actor=actor, complaint=complaint, is_confidential=bool(score % 2)
        )


# Who would normally do each action; the machine mostly asks them, sometimes anyone else.
NATURAL_ACTOR = {
    "dispatch": "coordinator", "hold": "coordinator", "complete": "reporter",
    "archive": "coordinator",
    "transfer": "coordinator", "accept": "liaison", "decline": "liaison", "draft": "operator",
    "submit_draft": "operator", "approve": "liaison", "return": "liaison", "note": "operator",
    "resolve": "liaison", "reply": "reporter", "reopen": "reporter", "rate": "reporter",
    "instruct": "leadership", "set_privacy": "coordinator", "answer": "liaison",
}  # fmt: skip
NEXT_STEPS = {
    Status.SUBMITTED: ["dispatch", "dispatch", "dispatch", "hold"],
    Status.ON_HOLD: ["complete", "complete", "archive"],
    Status.DISPATCHED: ["answer", "answer", "accept", "decline", "draft", "submit_draft"],
    Status.IN_PROGRESS: ["answer", "resolve", "resolve", "draft", "return"],
    Status.RESOLVED: ["reply", "reopen", "rate", "answer"],
    Status.CLOSED: ["rate"],
}
ACTIONS = [
    "dispatch", "hold", "complete", "archive", "transfer", "accept", "decline", "draft",
    "submit_draft",
    "approve", "return", "note", "resolve", "reply", "reopen", "rate", "instruct", "set_privacy",
]  # fmt: skip


def check_complaint(complaint: Complaint) -> None:
    status = complaint.status
    assert status in Status.values
    active_clocks = complaint.clocks.filter(state__in=ACTIVE_CLOCK_STATES)
    duplicates = active_clocks.values("kind", "dispatch").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists(), "two live clocks of one kind on one hop"
    # Closing completes the hops still active: a closed complaint has no other live hop, and
    # only a closed one has completed hops.
    live = [Dispatch.State.COMPLETED] if status == Status.CLOSED else Dispatch.ACTIVE_STATES
    ended = Dispatch.ACTIVE_STATES if status == Status.CLOSED else [Dispatch.State.COMPLETED]
    assert not complaint.dispatches.filter(state__in=ended).exists()
    lead_hops = complaint.dispatches.filter(role=Dispatch.Role.LEAD, state__in=live)
    published = complaint.followups.filter(state=FollowUp.State.PUBLISHED)
    if status == Status.SUBMITTED:
        assert complaint.lead_agency_id is None and not lead_hops.exists()
        assert active_clocks.filter(kind=Clock.Kind.VERIFY, state=Clock.State.RUNNING).count() == 1
    if status == Status.ON_HOLD:
        assert active_clocks.filter(kind=Clock.Kind.VERIFY, state=Clock.State.PAUSED).count() == 1
        assert active_clocks.filter(kind=Clock.Kind.HOLD, state=Clock.State.RUNNING).count() == 1
    if status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        assert complaint.verified_at is not None
        assert [h.agency_id for h in lead_hops] == [complaint.lead_agency_id]
    if status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        assert published.exists() and complaint.first_followup_at is not None
    if status == Status.DISPATCHED:
        assert not published.filter(dispatch__in=lead_hops).exists()
    if status == Status.RESOLVED:
        assert complaint.resolved_at is not None and complaint.reopen_until is not None
    if status in (Status.CLOSED, Status.ARCHIVED, Status.TRANSFERRED):
        assert complaint.closed_at is not None and not active_clocks.exists()
    if complaint.merged_into_id is not None:
        assert status == Status.ARCHIVED and complaint.archive_reason == "duplicate"
    assert complaint.rating is None or 1 <= complaint.rating <= 5
    if status in OPEN_STATUSES:
        assert active_clocks.filter(state=Clock.State.RUNNING).exists(), (
            "an open complaint with no deadline"
        )


@contextmanager
def refused_cleanly() -> Iterator[None]:
    """A refused action (domain error) must leave no trace: no audit event, no outbox row, no
    change to any complaint."""
    before = (
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        list(Complaint.objects.order_by("pk").values_list("pk", "status", "updated_at")),
    )
    try:
        yield
    except DomainError:
        after = (
            AuditEvent.objects.count(),
            OutboxMessage.objects.count(),
            list(Complaint.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        )
        assert after == before


@pytest.mark.django_db
def test_random_lifecycles_stay_valid(world: World) -> None:
    start = datetime(2026, 12, 14, 9, tzinfo=ZoneInfo("Asia/Jakarta"))

    class Lifecycle(RuleBasedStateMachine):
        complaints = Bundle("complaints")

        def __init__(self) -> None:
            super().__init__()
            self.now = start
            self.patch = mock.patch.object(clock, "now", side_effect=lambda: self.now)
            self.patch.start()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.due: dict[int, datetime] = {}
            self.submitted = 0

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
            self.patch.stop()

        @precondition(lambda self: self.submitted < 4)
        @rule(target=complaints, anonymous=st.booleans(), confidential=st.booleans())
        def submit(self, anonymous: bool, confidential: bool) -> Complaint:
            self.submitted += 1
            return services.complaint_submit(
                actor=world.reporter,
                title="Jalan rusak",
                description="Jalan rusak parah di depan sekolah.",
                category=world.category,
                is_anonymous=anonymous,
                is_confidential=confidential,
            ).complaint

        @rule(
            complaint=complaints,
            action=st.sampled_from(ACTIONS),
            actor=st.sampled_from(["natural"] * len(ACTORS) + ACTORS),
            agency=st.sampled_from(AGENCIES),
            text=st.sampled_from(
                ["", "Mohon segera ditindaklanjuti.", "Sudah kami perbaiki hari ini."]
            ),
            score=st.integers(0, 6),
        )
        def act(
            self, complaint: Complaint, action: str, actor: str, agency: str, text: str, score: int
        ) -> None:
            complaint.refresh_from_db()
            actor = NATURAL_ACTOR[action] if actor == "natural" else actor
            with refused_cleanly():  # refusals are expected; the invariants judge the rest
                _act(
                    world,
                    action,
                    complaint,
                    world.users[actor],
                    getattr(world, agency),
                    text,
                    score,
                )

        @rule(
            complaint=complaints,
            picks=st.lists(st.integers(0, 5), min_size=1, max_size=6),
            agency=st.sampled_from(AGENCIES),
        )
        def progress(self, complaint: Complaint, picks: list[int], agency: str) -> None:
            """The steps a person would most likely take next, so runs reach every state."""
            for pick in picks:
                complaint.refresh_from_db()
                choices = NEXT_STEPS.get(complaint.status, [])
                if not choices:
                    return
                action = choices[pick % len(choices)]
                actor = world.users[NATURAL_ACTOR[action]]
                lead = world.public_works if pick % 3 else getattr(world, agency)
                with refused_cleanly():
                    _act(world, action, complaint, actor, lead, "Sudah ditangani.", 1 + pick % 5)

        @rule(duplicate=complaints, into=complaints)
        def merge(self, duplicate: Complaint, into: Complaint) -> None:
            with refused_cleanly():
                services.complaint_merge(actor=world.coordinator, duplicate=duplicate, into=into)

        @rule(days=st.integers(1, 12))
        def time_passes(self, days: int) -> None:
            self.now += timedelta(days=days)
            sweep()

        @invariant()
        def states_are_valid(self) -> None:
            for complaint in Complaint.objects.all():
                check_complaint(complaint)

        @invariant()
        def deadlines_never_move_backwards(self) -> None:
            for pk, due_at in Clock.objects.values_list("pk", "due_at"):
                assert due_at >= self.due.get(pk, due_at)
                self.due[pk] = due_at

        @invariant()
        def audit_chain_verifies(self) -> None:
            _checked, problem = audit_verify()
            assert problem is None, problem

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
