"""Privacy modes (DESIGN §3 "Privacy modes", §4 roles): an agency operator or liaison officer can
never read the identity behind an anonymous or confidential complaint, through any code path we
have — the identity selector, the policy, the reveal service, the timeline, the outbox and the
audit log. Positive controls show that each check can fail: the same searches do find the
identity where it may be shown.

Also: supervisory complaints go to the Inspectorate only, and ``visible_to`` scopes agencies to
what was dispatched to them (and their sub-units).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.complaints import policies, selectors, services
from aduan.complaints.models import Complaint, Dispatch, Status
from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.core.models import AuditEvent
from aduan.notifications.models import OutboxMessage
from tests.world import World, lead_dispatch, publish_followup, submit

# A signed-in reporter and a guest, with names, numbers and addresses that appear nowhere else.
ACCOUNT = {
    "username": "kartika_pelapor",
    "first_name": "Kartika",
    "last_name": "Wulandari",
    "phone": "081377788899",
    "email": "kartika.wulandari@contoh.net",
}
GUEST = {
    "reporter_name": "Bambang Sutrisno",
    "reporter_phone": "0812-5556-6677",
    "reporter_email": "bambang.sutrisno@contoh.net",
}
# What must never show up, lower case; the phone as stored (+62...) and as typed (08...) both
# contain the national digits.
ACCOUNT_NEEDLES = (
    "kartika",
    "wulandari",
    "kartika_pelapor",
    "kartika.wulandari@contoh.net",
    "81377788899",
)
GUEST_NEEDLES = ("bambang", "sutrisno", "bambang.sutrisno@contoh.net", "81255566677")

# Agency staff who must never get a protected identity. Dinas PU's operator and liaison officer
# hold the complaint; the UPTD's operator works in a sub-unit; Dinas Kesehatan supports it.
AGENCY_VIEWERS = [
    "operator",
    "liaison",
    "unit_operator",
    "health_operator",
    "health_liaison",
    "other_liaison",
]
REVEAL_REASON = "Perlu konfirmasi lokasi langsung kepada pelapor."


@dataclass
class Case:
    complaint: Complaint
    reporter: Any  # the User, or the guest's GuestPass
    needles: tuple[str, ...]


def _account_reporter() -> User:
    existing = User.objects.filter(username=ACCOUNT["username"]).first()
    if existing is not None:
        return existing
    user = User(**ACCOUNT)
    user.set_unusable_password()
    user.save()
    return user


def _submit_as(world: World, who: str, **flags: bool) -> Case:
    if who == "account":
        user = _account_reporter()
        return Case(submit(world, actor=user, **flags), user, ACCOUNT_NEEDLES)
    result = services.complaint_submit(
        actor=None,
        title="Jalan berlubang di depan pasar",
        description="Lubang besar di Jalan Sudirman dekat pasar, sudah dua bulan dibiarkan.",
        category=world.category,
        **GUEST,
        **flags,
    )
    assert result.guest_secret
    guest = policies.guest_pass(result.complaint, result.guest_secret)
    return Case(result.complaint, guest, GUEST_NEEDLES)


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False).lower()


def _leaks(value: Any, needles: tuple[str, ...]) -> list[str]:
    text = _dump(value)
    return [needle for needle in needles if needle in text]


def _timeline(viewer: Any, complaint: Complaint) -> list[dict[str, Any]] | None:
    """The viewer's timeline as plain data, or None when the complaint is hidden from them."""
    try:
        return [asdict(entry) for entry in selectors.complaint_timeline(viewer, complaint)]
    except PermissionDenied:
        return None


def _progress(world: World, case: Case, lead: Agency, **dispatch_flags: bool) -> Complaint:
    """Everything that happens to a complaint that is handled: dispatch, acceptance, notes,
    follow-ups by the lead and the supporting agency, replies, resolution, reopening, a rating,
    a leader's instruction and an audited reveal by the coordinator."""
    complaint = services.complaint_dispatch(
        actor=world.coordinator,
        complaint=case.complaint,
        lead_agency=lead,
        supporting_agencies=[world.health],
        note="Mohon segera ditindaklanjuti.",
        **dispatch_flags,
    )
    services.dispatch_accept(actor=world.liaison, dispatch=lead_dispatch(complaint))
    services.note_add(actor=world.operator, complaint=complaint, body="Tim cek lokasi besok.")
    publish_followup(world, complaint)
    draft = services.followup_draft(
        actor=world.health_operator, complaint=complaint, body="Puskesmas siaga bila ada korban."
    )
    services.followup_submit(actor=world.health_operator, followup=draft)
    services.followup_approve(actor=world.health_liaison, followup=draft)
    services.complaint_reply(actor=case.reporter, complaint=complaint, body="Mohon segera.")
    services.complaint_resolve(actor=world.liaison, complaint=complaint, note="Sudah ditambal.")
    services.complaint_reply(actor=case.reporter, complaint=complaint, body="Masih ada lubang.")
    services.complaint_reopen(actor=case.reporter, complaint=complaint, reason="Belum tuntas.")
    publish_followup(world, complaint, "Perbaikan ulang minggu ini.")
    services.complaint_resolve(actor=world.liaison, complaint=complaint)
    services.complaint_rate(actor=case.reporter, complaint=complaint, score=4, comment="Baik.")
    services.complaint_instruct(actor=world.leadership, complaint=complaint, body="Pantau terus.")
    services.complaint_reveal_identity(
        actor=world.coordinator, complaint=complaint, reason=REVEAL_REASON
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    return complaint


# (flags at submission, flags the coordinator sets at verification)
PROTECTIONS = {
    "anonymous": ({"is_anonymous": True}, {}),
    "confidential": ({"is_confidential": True}, {}),
    "anonymous_at_verification": ({}, {"is_anonymous": True}),
    "confidential_at_verification": ({}, {"is_confidential": True}),
}


@pytest.mark.parametrize("lead", ["public_works", "public_works_unit"])
@pytest.mark.parametrize("who", ["account", "guest"])
@pytest.mark.parametrize("protection", list(PROTECTIONS))
def test_agency_staff_never_get_a_protected_identity(
    world: World, protection: str, who: str, lead: str
) -> None:
    submit_flags, dispatch_flags = PROTECTIONS[protection]
    case = _submit_as(world, who, **submit_flags)
    complaint = _progress(world, case, getattr(world, lead), **dispatch_flags)
    assert complaint.is_anonymous or complaint.is_confidential
    # The searches below look for the identity in the form it is stored.
    assert _leaks(asdict(services.identity_of(complaint)), case.needles)

    for name in AGENCY_VIEWERS:
        viewer = world.users[name]
        assert selectors.reporter_identity(viewer, complaint) is None, name
        assert not policies.can_see_identity(viewer, complaint), name

        before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            services.complaint_reveal_identity(
                actor=viewer, complaint=complaint, reason=REVEAL_REASON
            )
        assert AuditEvent.objects.count() == before, name

        timeline = _timeline(viewer, complaint)
        sees_it = name in {"operator", "liaison", "health_operator", "health_liaison"} or (
            name == "unit_operator" and lead == "public_works_unit"
        )
        if sees_it:
            # Not vacuous: they see the whole history, reporter's steps included.
            assert timeline is not None, name
            assert {"complaint.submitted", "complaint.replied", "complaint.rated"} <= {
                entry["action"] for entry in timeline
            }
            assert _leaks(timeline, case.needles) == [], name
        else:
            assert timeline is None, name

    outbox = list(OutboxMessage.objects.filter(complaint=complaint).values())
    assert len(outbox) > 10
    assert _leaks(outbox, case.needles) == []

    events = list(AuditEvent.objects.filter(target_id=str(complaint.pk)))
    assert {"complaint.replied", "complaint.reopened", "complaint.identity_revealed"} <= {
        e.action for e in events
    }
    assert _leaks([e.data for e in events], case.needles) == []
    if who == "guest":
        # A guest's steps, their submission included, are labelled "reporter", never by name.
        reporter_events = [e for e in events if e.actor_label == "reporter"]
        assert [e.action for e in reporter_events] == [
            "complaint.submitted",
            "complaint.replied",
            "complaint.replied",
            "complaint.reopened",
            "complaint.rated",
        ]
        assert all(e.actor_id is None for e in reporter_events)
        assert _leaks([e.actor_label for e in events], case.needles) == []


@pytest.mark.parametrize("who", ["account", "guest"])
def test_agency_staff_get_the_identity_when_it_is_not_protected(world: World, who: str) -> None:
    """Positive control: the same checks find the identity when it may be shown."""
    case = _submit_as(world, who)
    complaint = _progress(world, case, world.public_works)
    expected = services.identity_of(complaint)
    assert expected.name == ("Kartika Wulandari" if who == "account" else "Bambang Sutrisno")
    assert expected.phone == ("+6281377788899" if who == "account" else "+6281255566677")
    for name in ["operator", "liaison", "health_operator", "health_liaison"]:
        viewer = world.users[name]
        assert policies.can_see_identity(viewer, complaint), name
        assert selectors.reporter_identity(viewer, complaint) == expected, name
    if who == "account":
        # The timeline names the signed-in reporter as actor of their own steps, so the leak
        # search in the test above would catch it on a protected complaint.
        assert "kartika_pelapor" in _leaks(_timeline(world.operator, complaint), case.needles)
    # An agency that does not hold it gets nothing.
    assert selectors.reporter_identity(world.other_liaison, complaint) is None
    assert selectors.reporter_identity(world.unit_operator, complaint) is None


@pytest.mark.parametrize("who", ["account", "guest"])
def test_coordinator_sees_anonymous_identity_but_not_confidential(world: World, who: str) -> None:
    anonymous = _submit_as(world, who, is_anonymous=True)
    confidential = _submit_as(world, who, is_confidential=True)
    both = _submit_as(world, who, is_anonymous=True, is_confidential=True)
    coordinator = world.coordinator

    identity = selectors.reporter_identity(coordinator, anonymous.complaint)
    assert identity == services.identity_of(anonymous.complaint)
    assert _leaks(asdict(identity), anonymous.needles)

    for case in (confidential, both):
        assert not policies.can_see_identity(coordinator, case.complaint)
        assert selectors.reporter_identity(coordinator, case.complaint) is None
        # The coordinator's timeline does not carry it either.
        assert _leaks(_timeline(coordinator, case.complaint), case.needles) == []


@pytest.mark.parametrize("who", ["account", "guest"])
def test_reveal_by_coordinator_is_audited_without_the_identity(world: World, who: str) -> None:
    case = _submit_as(world, who, is_confidential=True)
    complaint = _progress(world, case, world.public_works)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    identity = services.complaint_reveal_identity(
        actor=world.coordinator, complaint=complaint, reason="Pelapor perlu dihubungi untuk BAP."
    )

    assert identity == services.identity_of(complaint)
    new = list(AuditEvent.objects.exclude(pk__in=before))
    assert [e.action for e in new] == ["complaint.identity_revealed"]
    (event,) = new
    assert event.actor_id == world.coordinator.pk
    assert event.target_id == str(complaint.pk)
    assert event.data == {"reason": "Pelapor perlu dihubungi untuk BAP."}
    assert _leaks([event.data, event.actor_label], case.needles) == []
    # A reveal changes nothing for anyone else.
    assert selectors.reporter_identity(world.coordinator, complaint) is None
    assert selectors.reporter_identity(world.operator, complaint) is None


def test_reveal_needs_a_real_reason(world: World) -> None:
    case = _submit_as(world, "account", is_confidential=True)
    before = AuditEvent.objects.count()
    for reason in ["", "   ", "perlu", "  singkat  "]:
        with pytest.raises(InvalidInput):
            services.complaint_reveal_identity(
                actor=world.coordinator, complaint=case.complaint, reason=reason
            )
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("protection", ["anonymous", "confidential"])
def test_leadership_and_monitor_never_see_a_protected_identity(
    world: World, protection: str
) -> None:
    case = _submit_as(world, "account", **{f"is_{protection}": True})
    complaint = _progress(world, case, world.public_works)
    for name in ["leadership", "monitor", "admin", "inspectorate", "outsider"]:
        viewer = world.users[name]
        assert selectors.reporter_identity(viewer, complaint) is None, name
        assert not policies.can_see_identity(viewer, complaint), name
        before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            services.complaint_reveal_identity(
                actor=viewer, complaint=complaint, reason=REVEAL_REASON
            )
        assert AuditEvent.objects.count() == before, name
        assert _leaks(_timeline(viewer, complaint), case.needles) == [], name
    # Leadership sees the history, the monitor only a non-confidential one.
    assert _timeline(world.leadership, complaint)
    assert (_timeline(world.monitor, complaint) is None) == (protection == "confidential")


def test_monitor_never_gets_personal_data_or_confidential_complaints(world: World) -> None:
    plain = _submit_as(world, "account")
    anonymous = _submit_as(world, "guest", is_anonymous=True)
    confidential = _submit_as(world, "guest", is_confidential=True)
    flagged_later = services.complaint_dispatch(
        actor=world.coordinator,
        complaint=submit(world),
        lead_agency=world.public_works,
        is_confidential=True,
    )
    unverified = set(policies.visible_to(world.monitor))
    assert plain.complaint not in unverified and anonymous.complaint not in unverified
    for case in (plain, anonymous, confidential):
        services.complaint_dispatch(
            actor=world.coordinator, complaint=case.complaint, lead_agency=world.public_works
        )
    visible = set(policies.visible_to(world.monitor))
    assert plain.complaint in visible
    assert anonymous.complaint in visible
    assert confidential.complaint not in visible
    assert flagged_later not in visible
    for case in (plain, anonymous):
        assert selectors.reporter_identity(world.monitor, case.complaint) is None
        assert _leaks(_timeline(world.monitor, case.complaint), case.needles) == []


# --- supervisory complaints ------------------------------------------------------------------

EVERYONE_BUT_THE_REPORTER = [
    "outsider",
    "coordinator",
    "operator",
    "liaison",
    "unit_operator",
    "health_operator",
    "health_liaison",
    "other_liaison",
    "inspectorate",
    "admin",
]


def _seen_by(world: World, complaint: Complaint) -> set[str]:
    return {
        name
        for name in EVERYONE_BUT_THE_REPORTER
        if policies.visible_to(world.users[name]).filter(pk=complaint.pk).exists()
    }


def test_supervisory_complaint_is_seen_by_coordinator_and_inspectorate_only(
    world: World,
) -> None:
    complaint = submit(world, is_supervisory=True)
    # Leadership sees everything (read only, DESIGN §4); of everyone else, only these two.
    assert _seen_by(world, complaint) == {"coordinator", "inspectorate"}
    assert policies.visible_to(world.leadership).filter(pk=complaint.pk).exists()


@pytest.mark.parametrize("agency", ["public_works", "setda", "health"])
def test_supervisory_complaint_cannot_go_to_another_agency(world: World, agency: str) -> None:
    complaint = submit(world, is_supervisory=True)
    before = AuditEvent.objects.count()
    for actor in (world.coordinator, world.inspectorate):
        with pytest.raises(InvalidInput):
            services.complaint_dispatch(
                actor=actor, complaint=complaint, lead_agency=getattr(world, agency)
            )
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    assert not complaint.dispatches.exists()
    assert AuditEvent.objects.count() == before
    assert _seen_by(world, complaint) == {"coordinator", "inspectorate"}


def test_flagging_supervisory_at_dispatch_to_an_agency_is_refused_and_rolled_back(
    world: World,
) -> None:
    complaint = submit(world)
    with pytest.raises(InvalidInput):
        services.complaint_dispatch(
            actor=world.coordinator,
            complaint=complaint,
            lead_agency=world.public_works,
            is_supervisory=True,
        )
    complaint.refresh_from_db()
    assert not complaint.is_supervisory
    assert complaint.status == Status.SUBMITTED


@pytest.mark.parametrize("actor", ["coordinator", "inspectorate"])
def test_supervisory_complaint_goes_to_the_inspectorate(world: World, actor: str) -> None:
    complaint = submit(world, is_supervisory=True)
    complaint = services.complaint_dispatch(
        actor=world.users[actor], complaint=complaint, lead_agency=world.inspectorate_agency
    )
    assert complaint.status == Status.DISPATCHED
    assert complaint.lead_agency == world.inspectorate_agency
    assert lead_dispatch(complaint).agency == world.inspectorate_agency
    assert _seen_by(world, complaint) == {"coordinator", "inspectorate"}


# --- visible_to scoping ----------------------------------------------------------------------


def _dispatched(world: World, lead: Agency, *support: Agency) -> Complaint:
    return services.complaint_dispatch(
        actor=world.coordinator,
        complaint=submit(world),
        lead_agency=lead,
        supporting_agencies=list(support),
    )


def test_agencies_see_what_was_dispatched_to_them_and_their_sub_units(world: World) -> None:
    to_office = _dispatched(world, world.public_works)
    to_unit = _dispatched(world, world.public_works_unit)
    to_health = _dispatched(world, world.health)
    supported = _dispatched(world, world.education, world.public_works_unit)
    waiting = submit(world)

    def seen(name: str) -> set[int]:
        return set(policies.visible_to(world.users[name]).values_list("pk", flat=True))

    office = {to_office.pk, to_unit.pk, supported.pk}
    assert seen("operator") == office
    assert seen("liaison") == office
    assert seen("unit_operator") == {to_unit.pk, supported.pk}
    assert seen("health_operator") == {to_health.pk}
    assert seen("health_liaison") == {to_health.pk}
    assert seen("other_liaison") == {supported.pk}
    assert waiting.pk not in seen("operator") | seen("inspectorate") | seen("outsider")
    assert seen("coordinator") >= {*office, to_health.pk, waiting.pk}


def test_declined_lead_dispatch_hides_the_complaint_from_the_agency(world: World) -> None:
    complaint = _dispatched(world, world.public_works, world.health)
    for name in ["operator", "liaison", "health_operator"]:
        assert policies.can_see(world.users[name], complaint), name

    services.dispatch_decline(
        actor=world.liaison, dispatch=lead_dispatch(complaint), reason="Bukan kewenangan kami."
    )

    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    assert set(complaint.dispatches.values_list("state", flat=True)) == {
        Dispatch.State.DECLINED,
        Dispatch.State.WITHDRAWN,
    }
    for name in ["operator", "liaison", "unit_operator", "health_operator", "health_liaison"]:
        viewer = world.users[name]
        assert not policies.can_see(viewer, complaint), name
        assert _timeline(viewer, complaint) is None, name
        with pytest.raises(PermissionDenied):
            selectors.complaint_get(viewer, complaint.tracking_id)
    assert policies.can_see(world.coordinator, complaint)

    # Dispatched again elsewhere: the new agency sees it, Dinas PU still does not.
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.education
    )
    assert policies.can_see(world.other_liaison, complaint)
    assert not policies.can_see(world.operator, complaint)
