"""Who an outbox message goes to, resolved when it is delivered (payloads hold no addresses).

Staff are found through their active memberships; a staff recipient must also be able to see the
complaint (``policies.visible_to``), so a message never tells anyone about a complaint they may
not see. The one exception is the staff of an agency whose dispatch was taken back: they saw it
until then, and are told that it is no longer theirs. Reporters are reached on their account's
preferred channels, guests on the contact they gave when they reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from aduan.accounts.models import Membership, Role, User
from aduan.accounts.services import PHONE_CODE_EVENT
from aduan.complaints import policies
from aduan.complaints.models import Channel, Complaint, Dispatch
from aduan.complaints.services import normalize_phone
from aduan.core.errors import InvalidInput
from aduan.notifications.models import (
    Audience,
    DeliveryChannel,
    NotificationPreference,
    OutboxMessage,
)


@dataclass(frozen=True)
class Recipient:
    """One person to tell, with the (channel, address) pairs to use."""

    key: str
    channels: tuple[tuple[str, str], ...]
    language: str = "id"
    user: User | None = None
    staff: bool = False
    # The report this person knows: their own, when they follow another one.
    via_tracking_id: str = ""
    agency_name: str = field(default="", compare=False)


def _phone(value: str) -> str:
    """The number in the +62 form the complaints use; empty when it is not a number."""
    try:
        return normalize_phone(value)
    except InvalidInput:
        return ""


def _enabled() -> set[str]:
    return set(settings.ADUAN_NOTIFY_CHANNELS)


def account_channels(user: User) -> tuple[tuple[str, str], ...]:
    """The channels ``user`` chose (defaults: in-app and e-mail) that have an address."""
    pref = NotificationPreference.objects.filter(user=user).first()
    wanted = (
        pref.channels() if pref else [k for k, v in NotificationPreference.DEFAULTS.items() if v]
    )
    enabled = _enabled()
    result: list[tuple[str, str]] = []
    for channel in wanted:
        if channel not in enabled:
            continue
        if channel == DeliveryChannel.IN_APP:
            result.append((channel, ""))
        elif channel == DeliveryChannel.EMAIL and user.email:
            result.append((channel, user.email))
        elif channel in (DeliveryChannel.WHATSAPP, DeliveryChannel.SMS) and user.phone:
            phone = _phone(user.phone)
            if phone:
                result.append((channel, phone))
    return tuple(result)


def guest_channels(complaint: Complaint) -> tuple[tuple[str, str], ...]:
    """A guest is told on the contact they gave: e-mail, and WhatsApp or SMS for a phone."""
    enabled = _enabled()
    result: list[tuple[str, str]] = []
    if complaint.reporter_email and DeliveryChannel.EMAIL in enabled:
        result.append((DeliveryChannel.EMAIL, complaint.reporter_email))
    if complaint.reporter_phone:
        phone_channel = (
            DeliveryChannel.WHATSAPP
            if complaint.channel == Channel.WHATSAPP
            else DeliveryChannel.SMS
        )
        if phone_channel in enabled:
            result.append((phone_channel, complaint.reporter_phone))
    return tuple(result)


def reporter_of(complaint: Complaint, *, via: str = "") -> Recipient | None:
    """The reporter of ``complaint``: its account, or the guest's contact."""
    if complaint.reporter is not None:
        user = complaint.reporter
        if not user.is_active:
            return None
        return Recipient(
            key=f"user:{user.pk}",
            channels=account_channels(user),
            language=user.language or "id",
            user=user,
            via_tracking_id=via,
        )
    channels = guest_channels(complaint)
    if not channels:
        return None
    return Recipient(key=f"guest:{complaint.pk}", channels=channels, via_tracking_id=via)


def _staff(
    users: Iterable[User], complaint: Complaint | None, agency_name: str = ""
) -> list[Recipient]:
    result = []
    seen: set[int] = set()
    for user in users:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if (
            complaint is not None
            and not policies.visible_to(user, as_staff=True).filter(pk=complaint.pk).exists()
        ):
            continue
        result.append(
            Recipient(
                key=f"user:{user.pk}",
                channels=account_channels(user),
                language=user.language or "id",
                user=user,
                staff=True,
                agency_name=agency_name,
            )
        )
    return result


def _members(roles: Iterable[str], *, agency_path: str | None = None) -> list[User]:
    """Active holders of ``roles``; with ``agency_path``, those acting in that agency (held in it
    or in one of its parents)."""
    memberships = (
        Membership.objects.filter(role__in=list(roles), is_active=True, user__is_active=True)
        .select_related("user", "agency")
        .order_by("user_id")
    )
    users = []
    for membership in memberships:
        acts_there = (
            membership.agency is not None
            and agency_path is not None
            and (agency_path.startswith(membership.agency.path))
        )
        if agency_path is None or acts_there:
            users.append(membership.user)
    return users


def _agency_roles(complaint: Complaint, *, liaison_only: bool = False) -> list[Role]:
    """The roles an agency audience reaches: operators and liaison officers (liaison officers
    only, for approvals), and the Inspectorate on reports about officials' misconduct."""
    roles = [Role.LIAISON] if liaison_only else [Role.OPERATOR, Role.LIAISON]
    if complaint.is_supervisory:
        roles.append(Role.INSPECTORATE)
    return roles


_CHANNELS_THAT_ANSWER = {Channel.WHATSAPP, Channel.SMS, Channel.EMAIL}


def resolve(message: OutboxMessage) -> list[Recipient]:
    """Everyone ``message`` is for, each once."""
    complaint = message.complaint
    recipients: list[Recipient] = []
    if message.event == PHONE_CODE_EVENT and message.user is not None:
        # A verification code goes by SMS to the number being verified, whatever the
        # person's preferences (the number is not theirs to use until it is verified).
        recipients = [
            Recipient(
                key=f"user:{message.user.pk}",
                channels=(("sms", str(message.payload.get("phone", ""))),),
                language=message.user.language or "id",
                user=message.user,
            )
        ]
    elif message.user is not None:
        staff = policies.staff_roles(message.user).is_staff
        recipients = (
            _staff([message.user], complaint)
            if staff
            else [
                Recipient(
                    key=f"user:{message.user.pk}",
                    channels=account_channels(message.user),
                    language=message.user.language or "id",
                    user=message.user,
                )
            ]
        )
    elif complaint is None:
        recipients = []
    elif message.audience == Audience.REPORTER:
        # A guest who reported by WhatsApp, SMS or e-mail already got the channel's own answer
        # with the tracking ID and secret; a second "received" message would only repeat it.
        receipted = (
            message.event == "complaint.submitted"
            and complaint.reporter_id is None
            and complaint.channel in _CHANNELS_THAT_ANSWER
        )
        reporter = None if receipted else reporter_of(complaint)
        recipients = [reporter] if reporter else []
    elif message.audience == Audience.FOLLOWERS:
        own = f"user:{complaint.reporter_id}" if complaint.reporter_id else ""
        for follower in complaint.followers.select_related("source__reporter").order_by("id"):
            found = reporter_of(follower.source, via=follower.source.tracking_id)
            if found is not None and found.key != own:
                recipients.append(found)
    elif message.audience == Audience.COORDINATORS:
        recipients = _staff(_members([Role.COORDINATOR]), complaint)
    elif message.audience == Audience.INSPECTORATE:
        recipients = _staff(_members([Role.INSPECTORATE]), complaint)
    elif message.audience == Audience.LEADERSHIP:
        recipients = _staff(_members([Role.LEADERSHIP]), complaint)
    elif message.audience in (Audience.AGENCY, Audience.AGENCY_LIAISON) and message.agency:
        roles = _agency_roles(complaint, liaison_only=message.audience == Audience.AGENCY_LIAISON)
        recipients = _staff(
            _members(roles, agency_path=message.agency.path), complaint, message.agency.name
        )
    elif (
        message.audience == Audience.AGENCY_WITHDRAWN
        and message.agency
        and complaint.dispatches.filter(
            agency=message.agency, state=Dispatch.State.WITHDRAWN
        ).exists()
    ):
        # Those told of the dispatch (the AGENCY audience), who may no longer see the complaint
        # now that it was taken back: so no visibility check, but only if the complaint has a
        # withdrawn hop to that agency.
        recipients = _staff(
            _members(_agency_roles(complaint), agency_path=message.agency.path),
            None,
            message.agency.name,
        )
    unique: dict[str, Recipient] = {}
    for recipient in recipients:
        unique.setdefault(recipient.key, recipient)
    return list(unique.values())
