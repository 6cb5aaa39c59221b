"""Deadlines that act: reminders before a staff deadline, escalation after it (liaison officers,
coordinators, leadership), their history entries and notices, and the overdue list by agency.

November 2026 has no national holiday: Monday 2 November is the start of every scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aduan.backoffice.templatetags.backoffice_tags import action_label, data_items
from aduan.complaints import queues, selectors, services
from aduan.complaints.models import Clock, Complaint
from aduan.complaints.sweep import sweep
from aduan.core.audit import audit_verify
from aduan.core.calendar import is_working_day
from aduan.core.models import AuditEvent
from aduan.notifications import messages, recipients
from aduan.notifications.models import Audience, OutboxMessage
from tests.world import World, frozen_at, lead_dispatch, make, staff_login, submit

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


def actions(complaint: Complaint, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_id=str(complaint.pk), action=action).order_by("seq")
    )


def notices(event: str) -> set[tuple[str, str | None]]:
    return {
        (m.audience, m.agency.code if m.agency else None)
        for m in OutboxMessage.objects.filter(event=event).select_related("agency")
    }


def test_the_scenario_weeks_have_no_holiday(db: None) -> None:
    assert all(is_working_day(at(f"2026-11-{d:02d}T09:00").date()) for d in (2, 3, 4, 5, 6))
    assert all(is_working_day(at(f"2026-11-{d:02d}T09:00").date()) for d in (9, 10, 11, 12, 13))


# --- reminders -----------------------------------------------------------------------------


def test_verification_reminder_sent_once_one_working_day_before(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = submit(world)
    verify = complaint.clocks.get(kind=Clock.Kind.VERIFY)
    assert verify.due_at == at("2026-11-05T23:59:59.999999")  # Thursday
    with frozen_at(at("2026-11-03T09:00")):  # two working days left: not yet
        assert sweep().reminded == 0
    with frozen_at(at("2026-11-04T09:00")):  # due tomorrow
        first = sweep()
        second = sweep()
    assert first.reminded == 1 and second.reminded == 0
    with frozen_at(at("2026-11-05T09:00")):  # due today: already reminded
        assert sweep().reminded == 0
    verify.refresh_from_db()
    assert verify.reminded_at == at("2026-11-04T09:00")
    [event] = actions(complaint, "clock.reminder")
    assert event.data["clock"] == "verify" and event.data["agency"] is None
    assert notices("clock.reminder") == {(Audience.COORDINATORS, None)}


def test_reminder_goes_to_each_agency_that_owes_a_deadline(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "dispatched")
    with frozen_at(at("2026-11-05T09:00")):
        assert sweep().reminded == 0  # first follow-up due Monday 9 Nov: two working days
    with frozen_at(at("2026-11-06T09:00")):  # Friday; the next working day is the deadline
        assert sweep().reminded == 2
    assert {e.data["agency"] for e in actions(complaint, "clock.reminder")} == {"DPU", "DINKES"}
    assert notices("clock.reminder") == {(Audience.AGENCY, "DPU"), (Audience.AGENCY, "DINKES")}


def test_supervisory_verification_reminder_goes_to_the_inspectorate(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = submit(world)
        complaint.is_supervisory = True
        complaint.save(update_fields=["is_supervisory"])
    with frozen_at(at("2026-11-04T09:00")):
        assert services.clock_remind(clock_id=complaint.clocks.get(kind="verify").pk)
    assert notices("clock.reminder") == {(Audience.INSPECTORATE, None)}


def test_no_reminder_for_paused_or_stopped_clocks(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        held = make(world, "on_hold")
        dispatched = make(world, "dispatched")
    paused = held.clocks.get(kind=Clock.Kind.VERIFY)
    stopped = dispatched.clocks.get(kind=Clock.Kind.VERIFY)
    assert paused.state == Clock.State.PAUSED and stopped.state == Clock.State.STOPPED
    with frozen_at(at("2026-11-04T09:00")):
        assert sweep().reminded == 0
        assert not services.clock_remind(clock_id=paused.pk)
        assert not services.clock_remind(clock_id=stopped.pk)
    assert not AuditEvent.objects.filter(action="clock.reminder").exists()
    assert not OutboxMessage.objects.filter(event="clock.reminder").exists()


def test_reminders_can_be_switched_off_and_widened(world: World, settings: Any) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        submit(world)
    settings.ADUAN_DEADLINES = {**settings.ADUAN_DEADLINES, "remind_working_days_before": 0}
    with frozen_at(at("2026-11-04T09:00")):
        assert sweep().reminded == 0
    settings.ADUAN_DEADLINES = {**settings.ADUAN_DEADLINES, "remind_working_days_before": 3}
    with frozen_at(at("2026-11-02T10:00")):  # three working days before: Thursday is in reach
        assert sweep().reminded == 1


def test_no_reminder_once_the_deadline_has_passed(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = submit(world)
    with frozen_at(at("2026-11-06T09:00")):  # never reminded (no sweep ran); now overdue
        result = sweep()
    assert result.breached == 1 and result.reminded == 0
    assert not actions(complaint, "clock.reminder")


# --- escalation ----------------------------------------------------------------------------


def test_escalation_climbs_one_level_per_working_day_and_stops_at_leadership(
    world: World,
) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "dispatched")
    lead = complaint.clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP, dispatch=lead_dispatch(complaint))
    assert lead.due_at == at("2026-11-09T23:59:59.999999")
    with frozen_at(at("2026-11-10T09:00")):  # first day overdue: the holders are told
        result = sweep()
    assert result.breached == 2 and result.escalated == 0
    expected = {
        "2026-11-11": (1, Audience.AGENCY_LIAISON),
        "2026-11-12": (2, Audience.COORDINATORS),
        "2026-11-13": (3, Audience.LEADERSHIP),
    }
    for day, (level, audience) in expected.items():
        with frozen_at(at(f"{day}T09:00")):
            assert sweep().escalated == 2  # the lead's and the supporting agency's hop
            assert sweep().escalated == 0  # once a day
        lead.refresh_from_db()
        assert lead.escalation_level == level and lead.escalated_at == at(f"{day}T09:00")
        assert {
            (e.data["level"], e.data["to"], e.data["agency"])
            for e in actions(complaint, "clock.escalated")[-2:]
        } == {(level, audience, "DPU"), (level, audience, "DINKES")}
    for day in ("2026-11-16", "2026-11-17", "2026-12-31"):
        with frozen_at(at(f"{day}T09:00")):
            assert sweep().escalated == 0
            assert not services.clock_escalate(clock_id=lead.pk)
    lead.refresh_from_db()
    assert lead.escalation_level == 3
    assert len(actions(complaint, "clock.escalated")) == 6
    assert notices("clock.escalated") == {
        (Audience.AGENCY_LIAISON, "DPU"),
        (Audience.AGENCY_LIAISON, "DINKES"),
        (Audience.COORDINATORS, None),
        (Audience.LEADERSHIP, None),
    }
    assert audit_verify()[1] is None


def test_no_escalation_over_the_weekend_for_an_agency_step(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "dispatched")
    with frozen_at(at("2026-11-10T09:00")):
        sweep()
    with frozen_at(at("2026-11-11T09:00")):
        sweep()
    with frozen_at(at("2026-11-11T18:00")):  # same day, later
        assert sweep().escalated == 0
    lead = complaint.clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP, dispatch=lead_dispatch(complaint))
    assert lead.escalation_level == 1


def test_verification_escalates_from_coordinators_to_leadership_only(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = submit(world)
    with frozen_at(at("2026-11-06T09:00")):  # Friday: overdue since Thursday night
        result = sweep()
    assert result.breached == 1 and result.escalated == 0
    with frozen_at(at("2026-11-09T09:00")):  # a whole working day (Friday) has passed
        assert sweep().escalated == 1
    with frozen_at(at("2026-11-20T09:00")):
        assert sweep().escalated == 0
    verify = complaint.clocks.get(kind=Clock.Kind.VERIFY)
    assert verify.escalation_level == services.ESCALATION_LEADERSHIP
    [event] = actions(complaint, "clock.escalated")
    assert event.data["to"] == Audience.LEADERSHIP and event.data["level"] == 3
    assert notices("clock.escalated") == {(Audience.LEADERSHIP, None)}


def test_escalation_stops_when_the_deadline_is_met(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = submit(world)
    with frozen_at(at("2026-11-06T09:00")):
        sweep()
        services.complaint_dispatch(
            actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
        )
    with frozen_at(at("2026-11-09T09:00")):
        assert sweep().escalated == 0
    assert not actions(complaint, "clock.escalated")


def test_escalation_can_be_slower_or_switched_off(world: World, settings: Any) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        make(world, "dispatched")
    with frozen_at(at("2026-11-10T09:00")):
        sweep()
    settings.ADUAN_DEADLINES = {**settings.ADUAN_DEADLINES, "escalate_every_working_days": 0}
    with frozen_at(at("2026-11-13T09:00")):
        assert sweep().escalated == 0
    settings.ADUAN_DEADLINES = {**settings.ADUAN_DEADLINES, "escalate_every_working_days": 2}
    with frozen_at(at("2026-11-11T09:00")):  # one working day overdue: not yet
        assert sweep().escalated == 0
    with frozen_at(at("2026-11-12T09:00")):  # two
        assert sweep().escalated == 2
    with frozen_at(at("2026-11-13T09:00")):
        assert sweep().escalated == 0


def test_escalate_refuses_a_stale_level(world: World) -> None:
    """Two sweeps that read the same level: the conditional UPDATE lets only one through."""
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "dispatched")
    with frozen_at(at("2026-11-10T09:00")):
        sweep()
    lead = complaint.clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP, dispatch=lead_dispatch(complaint))
    with frozen_at(at("2026-11-11T09:00")):
        assert services.clock_escalation_due(lead, at("2026-11-11T09:00")) == 1
        assert services.clock_escalate(clock_id=lead.pk)
        assert not services.clock_escalate(clock_id=lead.pk)
        # The other sweep still holds the clock it loaded at level 0.
        assert Clock.objects.filter(pk=lead.pk, escalation_level=0).update(escalated_at=None) == 0
    assert len([e for e in actions(complaint, "clock.escalated") if e.data["agency"] == "DPU"]) == 1


# --- recipients and texts ------------------------------------------------------------------


def _escalated_to(world: World) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for message in OutboxMessage.objects.filter(event="clock.escalated", agency__code__in=["DPU"]):
        result[message.payload["level"]] = {r.user.username for r in recipients.resolve(message)}
    for message in OutboxMessage.objects.filter(event="clock.escalated", agency__isnull=True):
        result.setdefault(message.payload["level"], set()).update(
            r.user.username for r in recipients.resolve(message)
        )
    return result


def test_escalation_notices_reach_the_right_people(world: World) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        make(world, "dispatched")
    for day in ("10", "11", "12", "13"):
        with frozen_at(at(f"2026-11-{day}T09:00")):
            sweep()
    reached = _escalated_to(world)
    assert reached[1] == {"penghubung"}  # DPU's liaison officer, not its operators
    assert reached[2] == {"koordinator"}
    assert reached[3] == {"pimpinan"}


def test_reminder_and_escalation_texts(world: World) -> None:
    payload = {
        "tracking_id": "SB-TEST-0001",
        "status": "dispatched",
        "clock": "first_followup",
        "due_at": at("2026-11-09T23:59:59").isoformat(),
        "level": 1,
    }
    reminder = messages.render(event="clock.reminder", payload=payload, language="en", staff=True)
    assert reminder.title == "Report SB-TEST-0001 is due soon"
    assert "9 Nov 2026" in reminder.body and "First follow-up" in reminder.body
    assert reminder.link.startswith("/staf/aduan/SB-TEST-0001")
    escalated = messages.render(event="clock.escalated", payload=payload, language="en", staff=True)
    assert escalated.title == "Overdue report SB-TEST-0001 escalated to you"
    assert "escalated to you" in escalated.body and "9 Nov 2026" in escalated.body
    indonesian = messages.render(
        event="clock.escalated", payload=payload, language="id", staff=True
    )
    assert "2026" in indonesian.body and "SB-TEST-0001" in indonesian.body


# --- history -------------------------------------------------------------------------------


def _remind_and_escalate(world: World) -> Complaint:
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "dispatched")
    for day in ("06", "10", "11"):
        with frozen_at(at(f"2026-11-{day}T09:00")):
            sweep()
    return complaint


def test_history_shows_reminders_and_escalations_to_staff_only(world: World) -> None:
    complaint = _remind_and_escalate(world)
    staff = [e.action for e in selectors.complaint_timeline(world.coordinator, complaint)]
    assert staff.count("clock.reminder") == 2 and staff.count("clock.escalated") == 2
    reporter = [e.action for e in selectors.complaint_timeline(world.reporter, complaint)]
    assert reporter and not {"clock.reminder", "clock.escalated", "clock.breached"} & set(reporter)
    with translation.override("en"):
        escalated = next(
            e
            for e in selectors.complaint_timeline(world.coordinator, complaint)
            if e.action == "clock.escalated"
        )
        assert action_label(escalated.action, escalated.data) == (
            "Escalated to Agency liaison officers"
        )
        assert action_label("clock.reminder") == "Deadline reminder"
        assert ("Deadline", "First follow-up") in data_items(escalated.data)


def test_workspace_page_shows_the_steps_and_the_tracking_page_does_not(world: World) -> None:
    complaint = _remind_and_escalate(world)
    world.coordinator.language = "en"
    world.coordinator.save(update_fields=["language"])
    client = Client()
    staff_login(client, world.coordinator)
    page = client.get(reverse("backoffice:complaint", args=[complaint.tracking_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Deadline reminder" in body and "Escalated to Agency liaison officers" in body
    reporter = Client()
    reporter.force_login(world.reporter)
    tracking = reporter.get(f"/lacak/{complaint.tracking_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert tracking.status_code == 200
    public = tracking.content.decode()
    assert "Escalated" not in public and "reminder" not in public.lower()


# --- overdue list by agency ----------------------------------------------------------------


@pytest.fixture
def staff_client(world: World) -> Callable[[str], Client]:
    def make_client(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        return client

    return make_client


def _ids(response: Any) -> list[str]:
    return [clock.complaint.tracking_id for clock in response.context["rows"]]


def test_overdue_queue_filters_by_agency(
    world: World, staff_client: Callable[[str], Client]
) -> None:
    with frozen_at(at("2026-11-02T09:00")):
        dpu = make(world, "dispatched")  # DPU leads, DINKES supports
        health = submit(world)
        services.complaint_dispatch(
            actor=world.coordinator, complaint=health, lead_agency=world.health
        )
        waiting = submit(world)
    url = reverse("backoffice:overdue")
    with frozen_at(at("2026-11-12T09:00")):
        everything = staff_client("leadership").get(url, {"which": "overdue"})
        by_dpu = staff_client("leadership").get(
            url, {"which": "overdue", "agency": world.public_works.pk}
        )
        by_health = staff_client("coordinator").get(url, {"agency": world.health.pk})
        undispatched = staff_client("coordinator").get(url, {"agency": "none"})
        health_staff = staff_client("health_operator").get(url)
        health_own = staff_client("health_operator").get(url, {"agency": world.health.pk})
        foreign = staff_client("health_operator").get(url, {"agency": world.public_works.pk})
    assert set(_ids(everything)) == {dpu.tracking_id, health.tracking_id, waiting.tracking_id}
    assert set(_ids(by_dpu)) == {dpu.tracking_id}
    # DINKES: the complaint it leads, and its supporting hop on DPU's complaint.
    assert set(_ids(by_health)) == {dpu.tracking_id, health.tracking_id}
    assert all(
        c.dispatch is None or c.dispatch.agency == world.health or c.complaint == health
        for c in by_health.context["rows"]
    )
    assert set(_ids(undispatched)) == {waiting.tracking_id}
    assert set(_ids(health_staff)) == {dpu.tracking_id, health.tracking_id}
    assert set(_ids(health_own)) == {dpu.tracking_id, health.tracking_id}
    # Agency staff choose among their own agencies only; another agency is not offered.
    choices = dict(health_staff.context["filters"].fields["agency"].choices)
    assert str(world.health.pk) in choices and str(world.public_works.pk) not in choices
    assert "none" not in choices
    assert foreign.status_code == 200 and foreign.context["agency_label"] is None
    leadership_choices = dict(everything.context["filters"].fields["agency"].choices)
    assert {str(world.public_works.pk), str(world.health.pk), "none"} <= set(leadership_choices)


def test_overdue_queue_by_agency_keeps_keyset_pages(
    world: World, staff_client: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aduan.backoffice import views

    with frozen_at(at("2026-11-02T09:00")):
        made = [make(world, "dispatched") for _ in range(3)]
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    url = reverse("backoffice:overdue")
    seen: list[int] = []
    with frozen_at(at("2026-11-12T09:00")):
        client = staff_client("coordinator")
        response = client.get(url, {"agency": world.public_works.pk})
        pages = 1
        seen += [c.pk for c in response.context["rows"]]
        while response.context.get("next_url"):
            assert "agency=" in response.context["next_url"]
            response = client.get(url + response.context["next_url"])
            seen += [c.pk for c in response.context["rows"]]
            pages += 1
        expected = queues.deadlines_of_agency(
            queues.deadline_queue(world.coordinator), world.public_works.pk
        )
        expected_ids = list(expected.values_list("pk", flat=True))
    # Each DPU-led complaint: DPU's and DINKES's overdue first follow-ups, in deadline order.
    assert len(expected_ids) == 6 and pages == 3
    assert seen == expected_ids
    assert {Clock.objects.get(pk=pk).complaint_id for pk in seen} == {c.pk for c in made}


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_remind_and_escalate_once(settings: Any, tmp_path: Any) -> None:
    from tests.complaints.test_concurrency_postgres import run_together
    from tests.world import build_world

    world = build_world(settings, tmp_path)
    with frozen_at(at("2026-11-02T09:00")):
        complaints = [make(world, "dispatched") for _ in range(3)]
        waiting = [submit(world) for _ in range(2)]
    with frozen_at(at("2026-11-06T09:00")):  # reminders for the 6 follow-up hops; verify overdue
        outcomes = run_together(*[lambda: sweep for _ in range(4)])
    assert [o.error for o in outcomes] == [None] * 4
    assert sum(o.value.reminded for o in outcomes) == 6
    assert AuditEvent.objects.filter(action="clock.reminder").count() == 6
    assert OutboxMessage.objects.filter(event="clock.reminder").count() == 6
    with frozen_at(at("2026-11-10T09:00")):
        outcomes = run_together(*[lambda: sweep for _ in range(4)])
    assert [o.error for o in outcomes] == [None] * 4
    with frozen_at(at("2026-11-11T09:00")):
        outcomes = run_together(*[lambda: sweep for _ in range(4)])
    assert [o.error for o in outcomes] == [None] * 4
    # The 6 follow-up hops went to their liaison officers on the 11th; the 2 verifications
    # (overdue since Thursday night, a working day passed on Friday) to leadership on the 10th.
    escalations = AuditEvent.objects.filter(action="clock.escalated")
    assert sum(1 for e in escalations if e.data["level"] == 1) == 6
    assert sum(1 for e in escalations if e.data["level"] == 3) == len(waiting)
    assert escalations.count() == 6 + len(waiting)
    assert OutboxMessage.objects.filter(event="clock.escalated").count() == escalations.count()
    for complaint in complaints:
        for item in complaint.clocks.filter(kind=Clock.Kind.FIRST_FOLLOWUP):
            assert item.escalation_level == 1
    count = AuditEvent.objects.count()
    assert audit_verify() == (count, None)


def test_resolution_deadline_is_held_by_the_lead_agency(world: World) -> None:
    """The 60-day resolution deadline has no hop of its own: the lead agency owes it, so its
    reminder and breach go there, and its escalation starts with that agency's liaison."""
    with frozen_at(at("2026-11-02T09:00")):
        complaint = make(world, "in_progress")
    resolution = complaint.clocks.get(kind=Clock.Kind.RESOLUTION)
    assert resolution.dispatch is None and resolution.due_at == at("2027-01-01T23:59:59.999999")
    with frozen_at(at("2026-12-31T09:00")):  # Thursday; 1 Jan is a holiday
        assert services.clock_remind(clock_id=resolution.pk)
    with frozen_at(at("2027-01-04T09:00")):
        assert services.clock_mark_breached(clock_id=resolution.pk)
    with frozen_at(at("2027-01-06T09:00")):
        assert services.clock_escalate(clock_id=resolution.pk)
    assert notices("clock.reminder") == {(Audience.AGENCY, "DPU")}
    assert notices("clock.breached") == {(Audience.AGENCY, "DPU")}
    assert notices("clock.escalated") == {(Audience.AGENCY_LIAISON, "DPU")}


def test_deadlines_escalated_recently_do_not_crowd_out_those_due(
    world: World, settings: Any
) -> None:
    """With steps two working days apart, the oldest deadlines (escalated yesterday, not due
    again) come first by due date; the batch must still reach a newer one due its first step."""
    settings.ADUAN_DEADLINES = {**settings.ADUAN_DEADLINES, "escalate_every_working_days": 2}
    with frozen_at(at("2026-11-02T09:00")):
        older = [
            services.complaint_dispatch(
                actor=world.coordinator, complaint=submit(world), lead_agency=world.public_works
            )
            for _ in range(12)
        ]
    with frozen_at(at("2026-11-03T09:00")):
        newer = services.complaint_dispatch(
            actor=world.coordinator, complaint=submit(world), lead_agency=world.health
        )
    with frozen_at(at("2026-11-10T09:00")):
        assert sweep().breached == 12  # the older hops (due the 9th)
    with frozen_at(at("2026-11-11T09:00")):
        assert sweep().breached == 1  # the newer hop (due the 10th)
    with frozen_at(at("2026-11-12T09:00")):
        assert sweep().escalated == 12  # the older hops' first step
    with frozen_at(at("2026-11-13T09:00")):
        # The older hops are not due again until the 16th; the newer one (overdue since the
        # 11th) is due its first step today, behind twelve earlier due dates.
        assert sweep(batch_size=1).escalated == 1
    hop = newer.clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP)
    assert hop.escalation_level == 1
    assert all(c.clocks.get(kind=Clock.Kind.FIRST_FOLLOWUP).escalation_level == 1 for c in older)
