"""Undoing an automatic dispatch tells the agency that had received the complaint: the same
officers who were told of the dispatch, in their language, once, in the undo's transaction,
without the reporter's identity; and what the timelines and public pages show of the undo."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from aduan.accounts.models import Membership, Role, User
from aduan.complaints import services as lifecycle
from aduan.complaints.models import Complaint, Status
from aduan.core import clock
from aduan.core.errors import TransitionNotAllowed
from aduan.notifications import delivery, recipients
from aduan.notifications.models import Audience, Delivery, Notification, OutboxMessage
from aduan.routing import services
from aduan.routing.models import RoutingModel, RoutingSuggestion
from tests.routing.django_helpers import client_for
from tests.world import World, lead_dispatch, submit

pytestmark = pytest.mark.django_db

UNDONE = "routing.auto_dispatch_undone"


def _auto_dispatched(world: World, **submit_fields: Any) -> Complaint:
    """A complaint the routing dispatched to Dinas Pendidikan by itself (a stored suggestion of
    a model row: nothing is trained or loaded)."""
    complaint = submit(world, category=None, **submit_fields)
    model = RoutingModel.objects.create(
        file_name=f"test-{complaint.pk}.pkl",
        sha256="0" * 64,
        source=RoutingModel.Source.DATABASE,
        label_kind=RoutingModel.LabelKind.AGENCY_ID,
        trained_at=clock.now(),
        created_at=clock.now(),
    )
    suggestion = RoutingSuggestion.objects.create(
        complaint=complaint,
        model=model,
        agency_ids=[world.education.pk],
        scores=[0.97],
        created_at=clock.now(),
    )
    row = services.routing_settings()
    row.auto_dispatch_enabled = True
    row.threshold_override = 0.5
    row.save()
    assert services.suggestion_auto_dispatch(suggestion=suggestion) is not None
    complaint.refresh_from_db()
    assert lead_dispatch(complaint).agency == world.education
    return complaint


@pytest.fixture
def education_operator(world: World) -> User:
    """A second officer of the agency the complaint goes to, who reads English."""
    user = User.objects.create(
        username="operator_disdik", email="operator_disdik@example.org", language="en"
    )
    Membership.objects.create(user=user, role=Role.OPERATOR, agency=world.education)
    return user


def _told(event: str) -> dict[int, Notification]:
    """The in-app notifications of ``event``, by user id."""
    rows = Notification.objects.filter(delivery__outbox__event=event).select_related("user")
    return {row.user.pk: row for row in rows}


def test_the_agency_that_received_it_is_told_and_nobody_else(
    world: World, education_operator: User
) -> None:
    complaint = _auto_dispatched(world)
    delivery.deliver()
    told_of_dispatch = set(_told("complaint.dispatched")) - {world.reporter.pk}
    assert told_of_dispatch == {world.other_liaison.pk, education_operator.pk}
    mail.outbox.clear()

    services.auto_dispatch_undo(
        actor=world.coordinator, complaint=complaint, reason="Bukan wewenang Disdik"
    )
    [message] = OutboxMessage.objects.filter(event=UNDONE)
    assert (message.audience, message.agency) == (Audience.AGENCY_WITHDRAWN, world.education)
    assert message.complaint == complaint
    delivery.deliver()

    told = _told(UNDONE)
    # The same officers as for the dispatch; not the reporter, the coordinator, other agencies.
    assert set(told) == told_of_dispatch
    # Each in their own language: Bahasa Indonesia by default, English for who chose it.
    languages = dict(Delivery.objects.filter(outbox=message).values_list("user", "language"))
    assert languages == {world.other_liaison.pk: "id", education_operator.pk: "en"}
    note = told[education_operator.pk]
    assert note.title == f"Automatic dispatch of {complaint.tracking_id} undone"
    assert note.body == (
        f"The coordinator has undone the automatic dispatch of report {complaint.tracking_id} "
        "to Dinas Pendidikan. It is no longer your agency's to handle; please stop any work on it."
    )
    # They can no longer open the complaint: the link goes to their inbox.
    assert note.link == "/staf/kotak-masuk/"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "operator_disdik@example.org",
        "penghubung_disdik@example.org",
    ]


def test_a_confidential_reporter_stays_hidden(world: World, education_operator: User) -> None:
    complaint = _auto_dispatched(
        world,
        title="Pungutan liar di SMA",
        description="Kepala sekolah meminta uang; saya Siti, wali murid kelas X.",
        is_confidential=True,
    )
    delivery.deliver()  # the agency was told of the dispatch
    services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint, reason="Salah")
    delivery.deliver()
    message = OutboxMessage.objects.get(event=UNDONE)
    assert set(message.payload) == {"tracking_id", "status", "action"}
    told = _told(UNDONE)
    assert set(told) == {world.other_liaison.pk, education_operator.pk}
    texts = [f"{n.title} {n.body}" for n in told.values()]
    texts += [f"{m.subject} {m.body}" for m in mail.outbox if "undone" in m.subject.lower()]
    assert texts
    for text in texts:
        for secret in ("Siti", "Rahmawati", "warga", "0812", "Pungutan", "Kepala sekolah"):
            assert secret not in text


def test_nothing_is_written_when_the_undo_rolls_back(world: World) -> None:
    complaint = _auto_dispatched(world)
    before = OutboxMessage.objects.count()
    # The last write of the undo fails: the withdrawal and its notification go with it.
    with (
        mock.patch.object(RoutingSuggestion, "save", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)
    assert OutboxMessage.objects.count() == before
    assert not OutboxMessage.objects.filter(event=UNDONE).exists()
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    delivery.deliver()
    assert not _told(UNDONE)


def test_a_retried_undo_tells_them_once(world: World) -> None:
    complaint = _auto_dispatched(world)
    delivery.deliver()  # the agency was told of the dispatch
    client = client_for(world.coordinator)
    url = f"/staf/rute/aduan/{complaint.tracking_id}/batalkan/"
    # The form sent twice (a double click, a browser retry), the service called again.
    assert client.post(url, {"reason": "Keliru"}).status_code == 302
    assert client.post(url, {"reason": "Keliru"}).status_code == 302
    with pytest.raises(TransitionNotAllowed):
        services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)
    assert OutboxMessage.objects.filter(event=UNDONE).count() == 1
    delivery.deliver()
    # A second delivery pass over the same row (a worker retry) adds nothing either.
    OutboxMessage.objects.filter(event=UNDONE).update(status=OutboxMessage.Status.PENDING)
    delivery.deliver()
    assert Notification.objects.filter(delivery__outbox__event=UNDONE).count() == 1
    assert set(_told(UNDONE)) == {world.other_liaison.pk}


def test_a_dispatch_taken_back_by_hand_tells_every_agency_of_it(world: World) -> None:
    complaint = submit(world)
    lifecycle.complaint_dispatch(
        actor=world.coordinator,
        complaint=complaint,
        lead_agency=world.public_works,
        supporting_agencies=[world.health],
    )
    delivery.deliver()  # both agencies were told of the dispatch
    lifecycle.dispatch_withdraw(actor=world.coordinator, complaint=complaint, reason="Salah")
    messages = OutboxMessage.objects.filter(event="complaint.dispatch_withdrawn")
    assert {(m.audience, m.agency) for m in messages} == {
        (Audience.AGENCY_WITHDRAWN, world.public_works),
        (Audience.AGENCY_WITHDRAWN, world.health),
    }
    delivery.deliver()
    # The officers of both agencies (not those of the sub-unit, who never saw it).
    assert set(_told("complaint.dispatch_withdrawn")) == {
        world.operator.pk,
        world.liaison.pk,
        world.health_operator.pk,
        world.health_liaison.pk,
    }
    assert complaint.tracking_id in _told("complaint.dispatch_withdrawn")[world.operator.pk].title


def test_the_audience_reaches_only_an_agency_whose_dispatch_was_taken_back(
    world: World,
) -> None:
    complaint = _auto_dispatched(world)
    forged = OutboxMessage.objects.create(
        created_at=clock.now(),
        event=UNDONE,
        complaint=complaint,
        audience=Audience.AGENCY_WITHDRAWN,
        agency=world.health,
        dedupe_key="test:health",
        available_at=clock.now(),
    )
    assert recipients.resolve(forged) == []  # never dispatched to Dinas Kesehatan
    services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint)
    assert recipients.resolve(forged) == []
    forged.agency = world.education
    assert {r.user for r in recipients.resolve(forged)} == {world.other_liaison}


def test_what_staff_the_reporter_and_the_public_see_of_the_undo(world: World) -> None:
    complaint = _auto_dispatched(world)
    services.auto_dispatch_undo(
        actor=world.coordinator, complaint=complaint, reason="Bukan wewenang Disdik"
    )
    staff_page = client_for(world.coordinator).get(f"/staf/aduan/{complaint.tracking_id}/")
    assert "Automatic dispatch undone" in staff_page.content.decode()
    assert "Bukan wewenang Disdik" in staff_page.content.decode()
    # The agency no longer opens it.
    assert client_for(world.other_liaison).get(staff_page.request["PATH_INFO"]).status_code == 404

    reporter = Client()
    reporter.force_login(world.reporter)
    reporter.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    track = reporter.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    # The reporter sees the report back with the coordinator, not the internal reason.
    assert "The coordinator, who verifies the report" in track
    assert "Bukan wewenang Disdik" not in track
    assert "automatic" not in track.lower()
    # Awaiting verification again, it is not public.
    assert Client().get(f"/laporan/{complaint.tracking_id}/").status_code == 404

    lifecycle.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.health
    )
    public = Client()
    public.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = public.get(f"/laporan/{complaint.tracking_id}/").content.decode()
    assert "Verified and sent to Dinas Kesehatan" in page
    assert "Dinas Pendidikan" not in page and "Bukan wewenang" not in page


def test_an_agency_never_told_of_the_dispatch_is_not_told_of_the_undo(
    world: World, education_operator: User
) -> None:
    # The worker had not yet fanned out "dispatched to you" when the coordinator undid it.
    complaint = _auto_dispatched(world)
    waiting = OutboxMessage.objects.get(
        complaint=complaint, event="complaint.dispatched", audience=Audience.AGENCY
    )
    assert waiting.status == OutboxMessage.Status.PENDING

    services.auto_dispatch_undo(actor=world.coordinator, complaint=complaint, reason="Salah")
    assert not OutboxMessage.objects.filter(event=UNDONE).exists()
    delivery.deliver()

    # The waiting message now finds nobody at the agency, and no notice follows it.
    agency_staff = {world.other_liaison.pk, education_operator.pk}
    assert not agency_staff & set(_told("complaint.dispatched"))
    assert not _told(UNDONE)
