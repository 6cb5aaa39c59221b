"""Every transition, every role, every state: allowed, refused for the role, or refused for the
state — and a refused call writes nothing (no status change, no audit event, no outbox row)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from aduan.accounts.models import User
from aduan.agencies.models import Agency, Category
from aduan.complaints import services
from aduan.complaints.models import Complaint, Dispatch, FollowUp
from aduan.core import clock
from aduan.core.errors import PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.notifications.models import OutboxMessage
from tests.world import STATES, World, build_world, make, submit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

ALL = set(STATES)
OPEN = {"submitted", "on_hold", "dispatched", "in_progress", "resolved"}
VERIFYING = {"submitted", "on_hold"}
WITH_AGENCY = {"dispatched", "in_progress", "resolved", "closed"}
ANSWERING = {"dispatched", "in_progress", "resolved"}

# action: (roles that may, states in which it may be done). Written out by hand from DESIGN §3-4,
# not derived from the code under test.
TABLE: dict[str, tuple[set[str], set[str]]] = {
    "dispatch": ({"coordinator"}, {"submitted"}),
    "hold": ({"coordinator"}, {"submitted"}),
    "complete": ({"reporter"}, {"on_hold"}),
    "archive": ({"coordinator"}, VERIFYING),
    "transfer": ({"coordinator"}, VERIFYING),
    "merge": ({"coordinator"}, VERIFYING),
    "set_privacy": ({"coordinator"}, VERIFYING),
    "reveal_identity": ({"coordinator"}, ALL),
    "accept_dispatch": ({"liaison"}, {"dispatched", "in_progress"}),
    "decline_dispatch": ({"liaison"}, {"dispatched"}),
    "withdraw_dispatch": ({"coordinator"}, {"dispatched"}),
    "draft_followup": ({"operator", "liaison"}, ANSWERING),
    "submit_followup": ({"operator", "liaison"}, ANSWERING),
    "return_followup": ({"liaison"}, ANSWERING),
    "approve_followup": ({"liaison"}, ANSWERING),
    "note": ({"coordinator", "operator", "liaison", "leadership"}, ALL),
    "attach": ({"coordinator", "operator", "liaison", "reporter"}, OPEN),
    "resolve": ({"liaison"}, {"in_progress"}),
    "reply": ({"reporter"}, OPEN),
    "reopen": ({"reporter"}, {"resolved"}),
    "rate": ({"reporter"}, {"resolved", "closed"}),
    "instruct": ({"leadership"}, ALL),
}
# Follow-up reviews need a follow-up, which exists only where an agency holds the complaint.
STATES_FOR = {
    "submit_followup": WITH_AGENCY,
    "return_followup": WITH_AGENCY,
    "approve_followup": WITH_AGENCY,
    "accept_dispatch": WITH_AGENCY,
    "decline_dispatch": WITH_AGENCY,
}
ROLES = [
    "reporter",
    "outsider",
    "coordinator",
    "operator",
    "liaison",
    "other_liaison",
    "leadership",
    "inspectorate",
    "monitor",
    "admin",
]
# Where each role can see a (non-supervisory) complaint dispatched to Dinas PU.
VISIBLE = {
    "reporter": ALL,
    "coordinator": ALL,
    "leadership": ALL,
    "operator": WITH_AGENCY,
    "liaison": WITH_AGENCY,
}


def expected(role: str, action: str, state: str) -> str:
    roles, states = TABLE[action]
    if role not in roles or state not in VISIBLE.get(role, set()):
        return "denied"
    return "ok" if state in states else "state"


def _pending_followup(world: World, complaint: Complaint) -> FollowUp:
    # Test set-up only: a follow-up awaiting approval on the lead hop, whatever the state.
    return FollowUp.objects.create(
        complaint=complaint,
        dispatch=complaint.dispatches.get(role=Dispatch.Role.LEAD),
        body="Draf tanggapan",
        author=world.operator,
        created_at=clock.now(),
        state=FollowUp.State.PENDING,
    )


def _run(action: str, world: World, complaint: Complaint, actor: Any) -> Callable[[], object]:
    lead = complaint.dispatches.filter(role=Dispatch.Role.LEAD).first()
    calls: dict[str, Callable[[], object]] = {
        "dispatch": lambda: services.complaint_dispatch(
            actor=actor, complaint=complaint, lead_agency=world.public_works
        ),
        "hold": lambda: services.complaint_hold(
            actor=actor, complaint=complaint, reason="Lengkapi lokasi"
        ),
        "complete": lambda: services.complaint_complete(
            actor=actor, complaint=complaint, body="Lokasinya di depan Pasar Raya."
        ),
        "archive": lambda: services.complaint_archive(
            actor=actor, complaint=complaint, reason="not_a_complaint"
        ),
        "transfer": lambda: services.complaint_transfer(
            actor=actor, complaint=complaint, target="Kementerian PUPR"
        ),
        "merge": lambda: services.complaint_merge(
            actor=actor, duplicate=complaint, into=submit(world)
        ),
        "set_privacy": lambda: services.complaint_set_privacy(
            actor=actor, complaint=complaint, is_anonymous=True
        ),
        "reveal_identity": lambda: services.complaint_reveal_identity(
            actor=actor, complaint=complaint, reason="Klarifikasi langsung kepada pelapor."
        ),
        "accept_dispatch": lambda: services.dispatch_accept(actor=actor, dispatch=lead),  # type: ignore[arg-type]
        "decline_dispatch": lambda: services.dispatch_decline(
            actor=actor,
            dispatch=lead,  # type: ignore[arg-type]
            reason="Bukan kewenangan kami",
        ),
        "withdraw_dispatch": lambda: services.dispatch_withdraw(
            actor=actor, complaint=complaint, reason="Salah OPD"
        ),
        "draft_followup": lambda: services.followup_draft(
            actor=actor, complaint=complaint, body="Draf"
        ),
        "submit_followup": lambda: services.followup_submit(
            actor=actor,
            followup=FollowUp.objects.filter(
                complaint=complaint, state=FollowUp.State.DRAFT
            ).first()
            or _draft(world, complaint),
        ),
        "return_followup": lambda: services.followup_return(
            actor=actor, followup=_pending_followup(world, complaint), note="Perbaiki"
        ),
        "approve_followup": lambda: services.followup_approve(
            actor=actor, followup=_pending_followup(world, complaint)
        ),
        "note": lambda: services.note_add(
            actor=actor, complaint=complaint, body="Catatan internal"
        ),
        "attach": lambda: services.attachment_add(
            actor=actor, complaint=complaint, upload=SimpleUploadedFile("foto.png", PNG)
        ),
        "resolve": lambda: services.complaint_resolve(actor=actor, complaint=complaint),
        "reply": lambda: services.complaint_reply(
            actor=actor, complaint=complaint, body="Terima kasih"
        ),
        "reopen": lambda: services.complaint_reopen(
            actor=actor, complaint=complaint, reason="Belum diperbaiki"
        ),
        "rate": lambda: services.complaint_rate(actor=actor, complaint=complaint, score=4),
        "instruct": lambda: services.complaint_instruct(
            actor=actor, complaint=complaint, body="Segera tangani"
        ),
    }
    return calls[action]


def _draft(world: World, complaint: Complaint) -> FollowUp:
    return FollowUp.objects.create(
        complaint=complaint,
        dispatch=complaint.dispatches.get(role=Dispatch.Role.LEAD),
        body="Draf tanggapan",
        author=world.operator,
        created_at=clock.now(),
    )


CASES = [
    (action, role, state)
    for action in TABLE
    for role in ROLES
    for state in STATES
    if state in STATES_FOR.get(action, ALL)
]


@pytest.fixture(scope="module")
def _shared_world(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[tuple[World, dict[str, int]]]:
    """The world and one complaint in each state, built once for the ~1,500 cases (building
    them per case was a quarter of the suite's time). They live in a transaction that stays
    open for the module and is rolled back at its end; each case runs in its own savepoint
    inside it (pytest-django's ``db``), so whatever a case does is undone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # build_world only records MEDIA_ROOT on the object it is given; the suite's
            # conftest gives every test its own MEDIA_ROOT.
            world = build_world(SimpleNamespace(), Path("unused"))
            complaints = {state: make(world, state).pk for state in STATES}
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world, complaints
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def shared(db: Any, _shared_world: tuple[World, dict[str, int]]) -> tuple[World, dict[str, int]]:
    """The shared world, read afresh from the database for this case (no Python object, with
    whatever a service cached on it, is carried from one case to the next)."""
    world, complaints = _shared_world
    agencies = Agency.objects.in_bulk(
        [getattr(world, f.name).pk for f in fields(world) if f.type in ("Agency", Agency)]
    )
    users = User.objects.in_bulk([user.pk for user in world.users.values()])
    fresh = World(
        **{
            f.name: agencies[getattr(world, f.name).pk]
            for f in fields(world)
            if f.type in ("Agency", Agency)
        },
        category=Category.objects.get(pk=world.category.pk),
        users={name: users[user.pk] for name, user in world.users.items()},
    )
    return fresh, complaints


@pytest.mark.parametrize(("action", "role", "state"), CASES)
def test_permission_matrix(
    shared: tuple[World, dict[str, int]], action: str, role: str, state: str
) -> None:
    world, complaints = shared
    complaint = Complaint.objects.get(pk=complaints[state])
    call = _run(action, world, complaint, world.users[role])
    before_status = Complaint.objects.get(pk=complaint.pk).status
    before_audit = AuditEvent.objects.count()
    before_outbox = OutboxMessage.objects.count()
    outcome = expected(role, action, state)
    if outcome == "ok":
        call()
        assert AuditEvent.objects.count() > before_audit or action == "set_privacy"
        return
    error = PermissionDenied if outcome == "denied" else TransitionNotAllowed
    with pytest.raises(error):
        call()
    assert Complaint.objects.get(pk=complaint.pk).status == before_status
    # Set-up inside ``call`` (a merge target) may audit its own submission; nothing else may.
    extra = 1 if action == "merge" else 0
    assert AuditEvent.objects.count() == before_audit + extra
    assert OutboxMessage.objects.count() == before_outbox + (2 * extra)


def test_matrix_covers_every_service() -> None:
    """A new lifecycle service must be added to the matrix."""
    lifecycle = {
        name
        for name in dir(services)
        if name.split("_")[0] in {"complaint", "dispatch", "followup", "note", "attachment"}
        and callable(getattr(services, name))
        and name
        not in {
            "complaint_submit",
            "complaint_support",
            "complaint_auto_close",
            "complaint_expire_hold",
        }
    }
    assert len(lifecycle) == len(TABLE), sorted(lifecycle)
