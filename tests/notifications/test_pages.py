"""The notifications page, channel preferences and the dead-letter admin."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from aduan.accounts.models import User
from aduan.core.models import AuditEvent
from aduan.notifications import delivery
from aduan.notifications.models import Delivery, Notification, NotificationPreference
from tests.notifications import fakes
from tests.world import World, staff_login, submit

URL = "/akun/notifikasi/"


def test_page_needs_sign_in(client: Any, db: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


def test_list_and_mark_all_read(client: Any, world: World) -> None:
    complaint = submit(world)
    delivery.deliver()
    client.force_login(world.reporter)
    response = client.get(URL)
    assert response.status_code == 200
    assert complaint.tracking_id in response.content.decode()
    assert response.context["unread"] == 1
    # Someone else's notifications are not shown.
    assert list(response.context["page"]) == list(Notification.objects.filter(user=world.reporter))
    response = client.post(URL, {"action": "read_all"})
    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.reporter, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.coordinator, read_at__isnull=True).exists()


def test_notifications_read_in_the_language_chosen_now(client: Any, world: World) -> None:
    """Written in the reader's language of the moment they were sent; shown in today's."""
    complaint = submit(world)
    delivery.deliver()
    stored = Notification.objects.get(user=world.reporter)
    client.force_login(world.reporter)
    indonesian = client.get(URL).content.decode()
    assert stored.title in indonesian
    client.cookies["aduan_language"] = "en"
    english = client.get(URL).content.decode()
    assert stored.title not in english
    assert f"Report {complaint.tracking_id} received" in english
    # Without its event (pruned), a notification is shown as it was written.
    Notification.objects.filter(pk=stored.pk).update(delivery=None)
    assert stored.title in client.get(URL).content.decode()


def test_pages_are_keyset_paged(client: Any, world: World) -> None:
    for _ in range(3):
        submit(world)
    delivery.deliver()
    client.force_login(world.reporter)
    Notification.objects.bulk_create(
        Notification(user=world.reporter, title=f"n{i}", body="b", created_at=n.created_at)
        for i, n in enumerate([Notification.objects.filter(user=world.reporter).first()] * 20)
    )
    first = client.get(URL)
    assert len(first.context["page"]) == 20
    cursor = first.context["page"].next_cursor
    second = client.get(URL, {"cursor": cursor})
    assert len(second.context["page"]) == 3
    assert client.get(URL, {"cursor": "garbage"}).status_code == 400


def test_preferences_are_saved_and_used(client: Any, world: World) -> None:
    client.force_login(world.reporter)
    response = client.post(URL, {"action": "preferences", "in_app": "on", "sms": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=world.reporter)
    assert preference.channels() == ["in_app", "sms"]
    submit(world)
    delivery.deliver()
    assert [item["channel"] for item in fakes.SENT] == ["sms"]
    page = client.get(URL)
    assert page.context["form"].initial == {
        "in_app": True,
        "email": False,
        "whatsapp": False,
        "sms": True,
    }


def test_unknown_action_is_refused(client: Any, world: World) -> None:
    client.force_login(world.reporter)
    assert client.post(URL, {"action": "explode"}).status_code == 400
    assert client.post(URL, {"action": "read", "notification": "x"}).status_code == 400


def test_mark_one_read_only_ones_own(client: Any, world: World) -> None:
    submit(world)
    submit(world)
    delivery.deliver()
    mine = list(Notification.objects.filter(user=world.reporter))
    theirs = Notification.objects.filter(user=world.coordinator).first()
    assert theirs is not None
    client.force_login(world.reporter)
    for target in (mine[0], theirs):
        response = client.post(URL, {"action": "read", "notification": str(target.pk)})
        assert response.status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        mine[0].pk
    }
    page = client.get(URL).content.decode()
    assert page.count('name="notification"') == 1  # the other one is still unread


def test_admin_lists_dead_letters_and_retries_them(client: Any, world: World) -> None:
    submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    fakes.FAILURES.append(ValueError("invalid number"))
    delivery.deliver()
    dead = Delivery.objects.get(channel="sms")
    assert dead.status == "dead"
    root = User.objects.create_superuser("root", "root@example.org", "rahasia-sekali")
    staff_login(client, root)
    changelist = reverse("admin:notifications_delivery_changelist")
    listing = client.get(changelist, {"dead": "1"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [dead]
    response = client.post(
        changelist, {"action": "retry", ACTION_CHECKBOX_NAME: [str(dead.pk)]}, follow=True
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("pending", 0)
    assert AuditEvent.objects.filter(action="delivery.retried", target_id=str(dead.pk)).exists()
    delivery.deliver()
    dead.refresh_from_db()
    assert dead.status == "sent"
    assert [item["to"] for item in fakes.SENT] == ["+62812000111"]
