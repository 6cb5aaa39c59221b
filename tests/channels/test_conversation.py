"""The channel-agnostic conversation service, called directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aduan.channels.conversation import (
    Incoming,
    Photo,
    conversation_advance,
    conversations_expire,
)
from aduan.channels.models import Conversation
from aduan.complaints.models import Complaint
from aduan.core import clock
from tests.channels.conftest import PNG

pytestmark = pytest.mark.django_db

ADDRESS = "+6281211112222"


@pytest.fixture
def say(django_capture_on_commit_callbacks: Any) -> Callable[..., list[str]]:
    """Send one message, committed (so after-commit work such as file clean-up runs)."""

    def send(text: str = "", **fields: Any) -> list[str]:
        with django_capture_on_commit_callbacks(execute=True):
            return conversation_advance(
                message=Incoming(channel="whatsapp", address=ADDRESS, text=text, **fields)
            )

    return send


def test_one_message_report_goes_to_confirmation(say: Any) -> None:
    replies = say("lapor Got tersumbat di depan SD 12 menyebabkan banjir # Jl. Ahmad Yani 5")
    conversation = Conversation.objects.get()
    assert conversation.step == "confirm"
    assert conversation.data["address"] == "Jl. Ahmad Yani 5"
    assert "Jl. Ahmad Yani 5" in replies[0]
    say("ya")
    complaint = Complaint.objects.get()
    assert complaint.address_text == "Jl. Ahmad Yani 5"
    assert complaint.title.startswith("Got tersumbat")


def test_one_message_report_with_too_short_description(say: Any) -> None:
    say("lapor rusak#Padang")
    assert Conversation.objects.get().step == "kind"
    assert Complaint.objects.count() == 0


def test_three_photos_then_confirmation(say: Any, settings: Any) -> None:
    say("halo")
    say("1")
    say("Trotoar rusak parah di depan kantor pos, membahayakan pejalan kaki.")
    say("Jl. Bagindo Aziz Chan")
    for _index in range(3):
        say(photo=Photo(PNG, "image/png"))
    assert Conversation.objects.get().step == "confirm"
    say("ya")
    assert Complaint.objects.get().attachments.count() == 3
    assert list(Path(settings.MEDIA_ROOT, "channels/pending").iterdir()) == []


def test_a_lost_photo_goes_back_to_the_photo_step(say: Any, settings: Any) -> None:
    say("halo")
    say("1")
    say("Trotoar rusak parah di depan kantor pos, membahayakan pejalan kaki.")
    say("Jl. Bagindo Aziz Chan")
    for _index in range(3):
        say(photo=Photo(PNG, "image/png"))
    next(Path(settings.MEDIA_ROOT, "channels/pending").iterdir()).unlink()
    say("ya")
    assert Complaint.objects.count() == 0
    conversation = Conversation.objects.get()
    assert (conversation.step, conversation.data["photos"]) == ("photo", [])
    assert list(Path(settings.MEDIA_ROOT, "channels/pending").iterdir()) == []
    say(photo=Photo(PNG, "image/png"))
    say("lewati")
    assert Conversation.objects.get().step == "confirm"
    say("ya")
    assert Complaint.objects.get().attachments.count() == 1


def test_expired_conversations_are_removed_with_their_photos(
    say: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    say("halo")
    say("1")
    say("Trotoar rusak parah di depan kantor pos, membahayakan pejalan kaki.")
    say("Jl. Bagindo Aziz Chan")
    say(photo=Photo(PNG, "image/png"))
    pending = list(Path(settings.MEDIA_ROOT, "channels/pending").iterdir())
    Conversation.objects.update(updated_at=clock.now() - timedelta(hours=30))
    assert len(pending) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert conversations_expire() == 1
    assert Conversation.objects.count() == 0
    assert not pending[0].exists()


def test_the_same_sender_on_two_channels_has_two_conversations(say: Any) -> None:
    say("halo")
    conversation_advance(message=Incoming(channel="sms", address=ADDRESS, text="halo"))
    assert Conversation.objects.count() == 2
