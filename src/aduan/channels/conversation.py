"""The step-by-step report over a message channel, independent of the channel.

A channel adapter turns what arrived into an :class:`Incoming` and sends back the texts that
:func:`conversation_advance` returns. Steps: kind → description → place → photo (channels that
carry photos) → confirm → ``complaint_submit``. At any time: "status <tracking ID>" answers
with the state of the sender's own report, "batal"/"cancel" starts over, "english"/"indonesia"
switches the language. SMS users may send everything at once: "LAPOR <description>#<place>".
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aduan.channels.models import Conversation
from aduan.complaints.models import Complaint, Kind
from aduan.complaints.services import (
    MAX_DESCRIPTION,
    MIN_DESCRIPTION,
    complaint_submit,
    normalize_phone,
    normalize_tracking_id,
)
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.errors import InvalidInput

logger = logging.getLogger(__name__)

STEP_KIND = "kind"
STEP_DESCRIPTION = "description"
STEP_PLACE = "place"
STEP_PHOTO = "photo"
STEP_CONFIRM = "confirm"
MAX_PLACE = 300
MAX_PHOTOS = 3
PENDING_DIR = "channels/pending"

CANCEL_WORDS = {"batal", "cancel", "stop", "ulang", "reset"}
YES_WORDS = {"ya", "y", "yes", "ok", "oke", "kirim", "send", "confirm:yes"}
SKIP_WORDS = {"lewati", "skip", "tidak", "tidak ada", "no", "lanjut", "next", "photo:skip"}
LANGUAGE_WORDS = {"english": "en", "en": "en", "indonesia": "id", "bahasa": "id", "id": "id"}
KIND_WORDS = {
    Kind.COMPLAINT: {"1", "pengaduan", "aduan", "keluhan", "complaint", "kind:complaint"},
    Kind.ASPIRATION: {"2", "aspirasi", "saran", "aspiration", "kind:aspiration"},
    Kind.INFORMATION_REQUEST: {
        "3",
        "informasi",
        "permintaan informasi",
        "info",
        "information",
        "information request",
        "kind:information_request",
    },
}
STATUS_RE = re.compile(r"^\s*(?:status|cek status)\s+(\S.*)$", re.IGNORECASE)
ONE_SHOT_RE = re.compile(r"^\s*lapor\s+(.+?)\s*#\s*(.+?)\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Photo:
    """A photo (or PDF) the sender attached, already downloaded and within the size limit."""

    content: bytes
    content_type: str


@dataclass(frozen=True)
class Incoming:
    """One message from a sender, whatever the channel.

    ``address`` is the normalized sender: a phone number (``+62…``) or an e-mail address.
    ``photo_problem`` says why an attached photo could not be taken ("too_large", "type",
    "failed"); ``unsupported`` marks a message type the conversation cannot read."""

    channel: str
    address: str
    text: str = ""
    choice: str = ""
    location: tuple[Any, Any, str] | None = None
    photo: Photo | None = None
    photo_problem: str = ""
    unsupported: bool = False
    profile_name: str = ""
    supports_photos: bool = True


# --- reading ------------------------------------------------------------------------------


def _fresh(conversation: Conversation | None) -> bool:
    if conversation is None:
        return False
    idle = timedelta(hours=settings.ADUAN_CONVERSATION_IDLE_HOURS)
    return conversation.updated_at >= clock.now() - idle


def conversation_wants_photo(*, channel: str, address: str) -> bool:
    """Whether the sender's conversation waits for a photo (so an adapter downloads one only
    when it will be used, and before any transaction is open)."""
    conversation = Conversation.objects.filter(channel=channel, address=address).first()
    return _fresh(conversation) and conversation is not None and conversation.step == STEP_PHOTO


def _owns(complaint: Complaint, address: str) -> bool:
    if "@" in address:
        return bool(complaint.reporter_email) and (
            complaint.reporter_email.strip().lower() == address.strip().lower()
        )
    if not complaint.reporter_phone:
        return False
    try:
        return normalize_phone(complaint.reporter_phone) == address
    except InvalidInput:
        return False


def status_reply(*, address: str, tracking_text: str) -> str:
    """The state of a report, for its reporter only (matched by phone number or e-mail);
    anyone else gets the same neutral "not found" as for an unknown tracking ID."""
    tracking_id = normalize_tracking_id(tracking_text)[:24]
    # The reporter proves ownership by the address the message came from; the reply carries
    # the state and dates only, never the reporter's identity.
    complaint = (
        Complaint.objects.filter(tracking_id=tracking_id)
        .select_related("merged_into")
        .only(
            "tracking_id",
            "status",
            "reporter_phone",
            "reporter_email",
            "updated_at",
            "merged_into__tracking_id",
        )
        .first()
    )
    if complaint is None or not _owns(complaint, address):
        return _("We found no report %(tracking_id)s sent from this number or address.") % {
            "tracking_id": tracking_id
        }
    text = _("Report %(tracking_id)s: %(status)s (last change %(date)s).") % {
        "tracking_id": complaint.tracking_id,
        "status": complaint.get_status_display(),
        "date": local_date(complaint.updated_at).strftime("%d-%m-%Y"),
    }
    if complaint.merged_into is not None:
        text += " " + _("It was merged into report %(tracking_id)s.") % {
            "tracking_id": complaint.merged_into.tracking_id
        }
    return text


# --- prompts ------------------------------------------------------------------------------


def _kind_prompt() -> str:
    return _(
        "Welcome to the complaint service of %(instansi)s.\n"
        "What would you like to send? Reply with a number:\n"
        "1. Complaint\n2. Aspiration\n3. Information request\n\n"
        "Type “cancel” at any time to start over, “status <tracking ID>” to follow a report, "
        "or “indonesia” / “english” to change the language."
    ) % {"instansi": settings.ADUAN_INSTANSI_NAME}


def _description_prompt() -> str:
    return _(
        "Please describe it (at least %(min)d characters): what happened, when, and who is "
        "affected."
    ) % {"min": MIN_DESCRIPTION}


def _place_prompt(supports_location: bool) -> str:
    if supports_location:
        return _("Where is it? Type the address or place, or share a location.")
    return _("Where is it? Type the address or place.")


def _photo_prompt() -> str:
    return _("Send a photo as evidence if you have one, or type “skip”.")


def _confirm_prompt(data: dict[str, Any]) -> str:
    place = data.get("address") or ""
    if data.get("latitude") is not None:
        place = f"{place} ({data['latitude']}, {data['longitude']})".strip()
    return _(
        "Please check your report:\n"
        "Kind: %(kind)s\nDescription: %(description)s\nPlace: %(place)s\nPhotos: %(photos)d\n\n"
        "Type “yes” to send it or “cancel” to start over."
    ) % {
        "kind": Kind(data.get("kind", Kind.COMPLAINT)).label,
        "description": _shorten(data.get("description", ""), 300),
        "place": place,
        "photos": len(data.get("photos", [])),
    }


def _prompt_for(conversation: Conversation, supports_photos: bool) -> str:
    step = conversation.step
    if step == STEP_KIND:
        return _kind_prompt()
    if step == STEP_DESCRIPTION:
        return _description_prompt()
    if step == STEP_PLACE:
        return _place_prompt(supports_photos)
    if step == STEP_PHOTO:
        return _photo_prompt()
    return _confirm_prompt(conversation.data)


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- the state machine ----------------------------------------------------------------------


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:  # pragma: no cover - a missing file is already gone
            logger.warning("could not delete pending channel file %s", path)


def _drop(conversation: Conversation) -> None:
    paths = [item["path"] for item in conversation.data.get("photos", [])]
    conversation.delete()
    transaction.on_commit(lambda: _delete_files(paths))


def _locked_conversation(channel: str, address: str) -> Conversation | None:
    return Conversation.objects.select_for_update().filter(channel=channel, address=address).first()


def _start(channel: str, address: str, language: str) -> tuple[Conversation, bool]:
    """The sender's conversation, new (True) or, when another message from the same sender
    started it a moment ago, that one, locked (False)."""
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                channel=channel,
                address=address,
                step=STEP_KIND,
                data={"key": uuid.uuid4().hex, "language": language},
                created_at=now,
                updated_at=now,
            )
            return conversation, True
    except IntegrityError:
        existing = _locked_conversation(channel, address)
        if existing is None:  # pragma: no cover - deleted again in between
            raise
        return existing, False


def _save(conversation: Conversation, step: str) -> None:
    conversation.step = step
    conversation.updated_at = clock.now()
    conversation.save(update_fields=["step", "data", "updated_at"])


def _parse_kind(word: str) -> str | None:
    for kind, words in KIND_WORDS.items():
        if word in words:
            return str(kind)
    return None


def _parse_location(location: tuple[Any, Any, str]) -> tuple[str, str] | None:
    latitude, longitude, _label = location
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError):
        return None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return str(lat.quantize(Decimal("0.000001"))), str(lon.quantize(Decimal("0.000001")))


def _store_photo(conversation: Conversation, photo: Photo) -> str | None:
    """Keep the photo until the report is sent; None when its content is not allowed."""
    kind = filetype.guess(photo.content[:8192])
    if kind is None or kind.mime not in settings.ADUAN_ALLOWED_ATTACHMENT_TYPES:
        return None
    path = default_storage.save(
        f"{PENDING_DIR}/{conversation.pk}-{uuid.uuid4().hex}.{kind.extension}",
        ContentFile(photo.content),
    )
    return path


def _photo_problem_text(problem: str) -> str:
    if problem == "too_large":
        limit = int(settings.ADUAN_MAX_ATTACHMENT_BYTES) / 1024 / 1024
        return _(
            "The file is too large (at most %(limit)s MB). Send a smaller one or type “skip”."
        ) % {"limit": f"{limit:.1f}".removesuffix(".0")}
    if problem == "type":
        return _(
            "Only photos (JPEG, PNG, GIF, WebP) or PDF files can be attached. Send another one "
            "or type “skip”."
        )
    return _("We could not download the file. Please send it again or type “skip”.")


def _submit(conversation: Conversation, message: Incoming) -> list[str]:
    data = conversation.data
    description = data["description"]
    first_line = description.strip().splitlines()[0]
    is_email = "@" in message.address
    name = (message.profile_name or data.get("profile_name") or "").strip()
    uploads: list[File[Any]] = []
    try:
        for index, item in enumerate(data.get("photos", []), start=1):
            handle = default_storage.open(item["path"], "rb")
            uploads.append(File(handle, name=f"foto-{index}.{item['path'].rsplit('.', 1)[-1]}"))
        result = complaint_submit(
            actor=None,
            title=_shorten(first_line, 80),
            description=description,
            kind=data.get("kind", Kind.COMPLAINT),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address_text=data.get("address", ""),
            channel=message.channel,
            reporter_name=name or message.address,
            reporter_phone="" if is_email else message.address,
            reporter_email=message.address if is_email else "",
            attachments=uploads,
            idempotency_key=f"conversation:{data['key']}",
        )
    except InvalidInput as error:
        return [str(error), _confirm_prompt(data)]
    except FileNotFoundError:
        # Back to the photo step: the person sends the photos again or skips them.
        paths = [item["path"] for item in data.get("photos", [])]
        transaction.on_commit(lambda: _delete_files(paths))
        data["photos"] = []
        _save(conversation, STEP_PHOTO)
        return [_("The photo was lost; please send it again."), _photo_prompt()]
    finally:
        for upload in uploads:
            upload.close()
    _drop(conversation)
    complaint = result.complaint
    reply = _(
        "Thank you, your report has been received.\n"
        "Tracking ID: %(tracking_id)s\nSecret code: %(secret)s\n"
        "Keep both: with them you can follow the report on the website, or here by typing "
        "“status %(tracking_id)s”."
    ) % {"tracking_id": complaint.tracking_id, "secret": result.guest_secret or "-"}
    site = getattr(settings, "ADUAN_SITE_URL", "")
    if site:
        reply += "\n" + f"{site}{reverse('portal:track')}"
    return [reply]


@transaction.atomic
def conversation_advance(*, message: Incoming) -> list[str]:
    """Take one message of a conversation and return the replies to send (in the sender's
    language). Submitting goes through ``complaint_submit`` with an idempotency key of the
    conversation, so processing the same confirmation twice creates one complaint."""
    conversation = _locked_conversation(message.channel, message.address)
    if conversation is not None and not _fresh(conversation):
        _drop(conversation)
        conversation = None
    language = conversation.data.get("language", "id") if conversation else "id"
    text = (message.text or "").strip()
    word = (message.choice or " ".join(text.lower().split())).strip(" .!")
    if word in LANGUAGE_WORDS:
        language = LANGUAGE_WORDS[word]
    with translation.override(language):
        return _advance(conversation, message, text, word, language)


def _advance(
    conversation: Conversation | None, message: Incoming, text: str, word: str, language: str
) -> list[str]:
    status = STATUS_RE.match(text)
    if status:
        return [status_reply(address=message.address, tracking_text=status.group(1))]
    if word in CANCEL_WORDS:
        if conversation is not None:
            _drop(conversation)
        return [_("Your report was cancelled. Send any message to start again.")]
    if word in LANGUAGE_WORDS:
        if conversation is None:
            conversation, _created = _start(message.channel, message.address, language)
        conversation.data["language"] = language
        _save(conversation, conversation.step)
        return [_prompt_for(conversation, message.supports_photos)]
    one_shot = ONE_SHOT_RE.match(text)
    if conversation is None:
        conversation, created = _start(message.channel, message.address, language)
        # A message that lost the race to start the conversation is an answer to the prompt
        # the first one got: it is read at the conversation's step, not dropped.
        if created and not one_shot:
            return [_kind_prompt()]
    data = conversation.data
    if message.profile_name:
        data["profile_name"] = message.profile_name[:200]
    if one_shot:
        description, place = one_shot.group(1).strip(), one_shot.group(2).strip()
        if not MIN_DESCRIPTION <= len(description) <= MAX_DESCRIPTION:
            return [_description_prompt()]
        data.update(kind=str(Kind.COMPLAINT), description=description, address=place[:MAX_PLACE])
        _save(conversation, STEP_CONFIRM)
        return [_confirm_prompt(data)]
    if message.unsupported:
        return [
            _("Sorry, only text messages, locations and photos can be read here."),
            _prompt_for(conversation, message.supports_photos),
        ]
    step = conversation.step
    if step == STEP_KIND:
        kind = _parse_kind(word)
        if kind is None:
            return [_("Please reply 1, 2 or 3."), _kind_prompt()]
        data["kind"] = kind
        _save(conversation, STEP_DESCRIPTION)
        return [_description_prompt()]
    if step == STEP_DESCRIPTION:
        if len(text) < MIN_DESCRIPTION or len(text) > MAX_DESCRIPTION:
            return [
                _("The description must be %(min)d to %(max)d characters.")
                % {"min": MIN_DESCRIPTION, "max": MAX_DESCRIPTION},
                _description_prompt(),
            ]
        data["description"] = text
        _save(conversation, STEP_PLACE)
        return [_place_prompt(message.supports_photos)]
    if step == STEP_PLACE:
        if message.location is not None:
            coordinates = _parse_location(message.location)
            if coordinates is None:
                return [_("The location is not valid. Please share it again or type the address.")]
            data["latitude"], data["longitude"] = coordinates
            data["address"] = (message.location[2] or "").strip()[:MAX_PLACE]
        elif len(text) >= 3:
            data["address"] = text[:MAX_PLACE]
        else:
            return [_place_prompt(message.supports_photos)]
        if message.supports_photos:
            _save(conversation, STEP_PHOTO)
            return [_photo_prompt()]
        _save(conversation, STEP_CONFIRM)
        return [_confirm_prompt(data)]
    if step == STEP_PHOTO:
        if message.photo_problem:
            return [_photo_problem_text(message.photo_problem)]
        if message.photo is not None:
            path = _store_photo(conversation, message.photo)
            if path is None:
                return [_photo_problem_text("type")]
            data.setdefault("photos", []).append({"path": path})
            if len(data["photos"]) < MAX_PHOTOS:
                _save(conversation, STEP_PHOTO)
                return [
                    _("Photo received. Send another one or type “skip” to continue."),
                ]
            _save(conversation, STEP_CONFIRM)
            return [_confirm_prompt(data)]
        if word in SKIP_WORDS:
            _save(conversation, STEP_CONFIRM)
            return [_confirm_prompt(data)]
        return [_photo_prompt()]
    # STEP_CONFIRM
    if word in YES_WORDS:
        return _submit(conversation, message)
    return [_confirm_prompt(data)]


def conversations_expire() -> int:
    """Delete conversations idle longer than the limit, with their pending photos."""
    cutoff = clock.now() - timedelta(hours=settings.ADUAN_CONVERSATION_IDLE_HOURS)
    count = 0
    for conversation in Conversation.objects.filter(updated_at__lt=cutoff)[:500]:
        with transaction.atomic():
            locked = _locked_conversation(conversation.channel, conversation.address)
            if locked is not None and not _fresh(locked):
                _drop(locked)
                count += 1
    return count
