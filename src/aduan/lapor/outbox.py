"""Writing messages for SP4N-LAPOR!, in the transaction of the local change.

Every lifecycle service appends an audit event inside its transaction (``core.audit``); the
receiver :func:`audit_event_saved` runs right there, so an outbox row exists exactly when the
change it reports was committed. Rows carry references (complaint, follow-up, attachment ids)
and the status at the time, never personal data: the request body is built when it is sent.

Changes applied *from* SP4N-LAPOR! run inside :func:`applying_national` and write nothing here:
the national side already has them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import Max, Q

from aduan.complaints.models import Attachment, Channel, Complaint, FollowUp, Status
from aduan.core import clock
from aduan.core.models import AuditEvent
from aduan.lapor import config
from aduan.lapor.models import NationalLink, Origin, OutboundMessage

COMPLAINT_TARGET = "complaints.complaint"
Kind = OutboundMessage.Kind

_applying_national: ContextVar[bool] = ContextVar("lapor_applying_national", default=False)


@contextmanager
def applying_national() -> Iterator[None]:
    """Changes made in this block come from SP4N-LAPOR!: nothing is sent back for them."""
    token = _applying_national.set(True)
    try:
        yield
    finally:
        _applying_national.reset(token)


def followup_reference(followup_id: int) -> str:
    """The stable reference of a follow-up nationally (the same in a repair's resend)."""
    return f"tl-{followup_id}"


def attachment_reference(attachment_id: int) -> str:
    return f"lampiran-{attachment_id}"


# Any reference of that form: a file an Aduan sent with a published answer (this one's, or
# another instansi's that held the report before), never the reporter's.
ATTACHMENT_REFERENCE = re.compile(r"lampiran-\d+")


def message_key(name: str) -> str:
    """An idempotency key, unique across instansi on the national side."""
    return f"aduan:{settings.ADUAN_LAPOR_INSTANSI_ID}:{name}"


def wants_registration(complaint: Complaint) -> bool:
    """Whether a locally received complaint is registered nationally once verified
    (``ADUAN_LAPOR_REGISTER``: all, non_confidential or none). Reports about misconduct of
    officials count as confidential here: they go to the Inspectorate only."""
    if complaint.channel == Channel.LAPOR:
        return False  # it came from SP4N-LAPOR!; its link is made when it is taken in
    mode = config.register_mode()
    if mode == "all":
        return True
    if mode == "non_confidential":
        return not (complaint.is_confidential or complaint.is_supervisory)
    return False


def audit_event_saved(
    sender: Any, instance: AuditEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """``post_save`` of :class:`AuditEvent`: the outbox rows that follow from a complaint's
    lifecycle event. Cheap when the connector is off (no query) or the event is not about a
    complaint; otherwise one query to find the complaint's link."""
    if not created or raw or instance.target_type != COMPLAINT_TARGET:
        return
    if not config.enabled() or _applying_national.get():
        return
    on_complaint_event(instance)


def on_complaint_event(event: AuditEvent) -> list[OutboundMessage]:
    complaint_id = int(event.target_id)
    link = (
        NationalLink.objects.select_related("complaint").filter(complaint_id=complaint_id).first()
    )
    if link is None:
        return _maybe_register(event, complaint_id)
    complaint = link.complaint
    assert complaint is not None
    created: list[OutboundMessage] = []
    if event.action == "followup.published":
        created += enqueue_followup(link, int(event.data.get("followup", 0)))
        created += enqueue_shared_attachments(link, complaint)
    if event.action == "complaint.transferred":
        created.append(enqueue_transfer(link, complaint, f"transfer-e{event.seq}", at=_iso(event)))
        mark_status_sent(link, complaint.status)
        return created
    if complaint.status != link.status_sent:
        created.append(enqueue_status(link, complaint, f"status-e{event.seq}", at=_iso(event)))
    return created


def _iso(event: AuditEvent) -> str:
    # The service's clock (``core.clock``), which tests move; the audit row keeps its own time.
    return clock.now().isoformat()


def _maybe_register(event: AuditEvent, complaint_id: int) -> list[OutboundMessage]:
    """A local complaint is registered nationally when it is verified (the coordinator has set
    its protection flags by then; spam and incomplete reports never leave), or when it is
    transferred: a transfer to another instansi goes through SP4N-LAPOR!."""
    if event.action not in ("complaint.dispatched", "complaint.transferred"):
        return []
    complaint = Complaint.objects.get(pk=complaint_id)
    transfer = event.action == "complaint.transferred"
    if complaint.channel == Channel.LAPOR or not (transfer or wants_registration(complaint)):
        return []
    link = create_local_link(complaint)
    created = [enqueue_register(link, complaint, f"register-c{complaint.pk}")]
    if transfer:
        created.append(enqueue_transfer(link, complaint, f"transfer-e{event.seq}", at=_iso(event)))
    return created


def create_local_link(complaint: Complaint) -> NationalLink:
    now = clock.now()
    return NationalLink.objects.create(
        complaint=complaint,
        origin=Origin.LOCAL,
        status_sent=complaint.status,
        created_at=now,
        updated_at=now,
    )


def enqueue(link: NationalLink, kind: str, payload: dict[str, Any], key: str) -> OutboundMessage:
    now = clock.now()
    return OutboundMessage.objects.create(
        link=link,
        kind=kind,
        payload=payload,
        idempotency_key=key,
        nonce=secrets.token_hex(8),
        next_attempt_at=now,
        created_at=now,
    )


def mark_status_sent(link: NationalLink, status: str) -> None:
    NationalLink.objects.filter(pk=link.pk).update(status_sent=status, updated_at=clock.now())
    link.status_sent = status


def enqueue_register(link: NationalLink, complaint: Complaint, name: str) -> OutboundMessage:
    message = enqueue(
        link,
        Kind.REGISTER,
        {"complaint": complaint.pk, "status": complaint.status},
        message_key(name),
    )
    mark_status_sent(link, complaint.status)
    return message


def enqueue_transfer(
    link: NationalLink, complaint: Complaint, name: str, *, at: str | None = None
) -> OutboundMessage:
    """The transfer (its national ID is looked up in the directory when it is sent)."""
    payload = {"target": complaint.transfer_target, "at": at or clock.now().isoformat()}
    return enqueue(link, Kind.TRANSFER, payload, message_key(name))


def enqueue_status(
    link: NationalLink, complaint: Complaint, name: str, *, at: str | None = None
) -> OutboundMessage:
    payload: dict[str, Any] = {"status": complaint.status, "at": at or clock.now().isoformat()}
    if complaint.status == Status.ARCHIVED:
        payload["archive_reason"] = complaint.archive_reason
    message = enqueue(link, Kind.STATUS, payload, message_key(name))
    mark_status_sent(link, complaint.status)
    return message


def enqueue_followup(
    link: NationalLink, followup_id: int, suffix: str = ""
) -> list[OutboundMessage]:
    key = message_key(f"followup-f{followup_id}{suffix}")
    if not followup_id or OutboundMessage.objects.filter(idempotency_key=key).exists():
        return []
    return [enqueue(link, Kind.FOLLOWUP, {"followup": followup_id}, key)]


def shared_attachments(complaint: Complaint) -> Any:
    """The files that leave with published answers, as the reporter sees them on the portal:
    files of published follow-ups, and agencies' files not marked internal added before the
    latest published follow-up. Never internal files, never the reporter's own."""
    published = complaint.followups.filter(state=FollowUp.State.PUBLISHED).aggregate(
        last=Max("published_at")
    )["last"]
    shared = Q(followup__state=FollowUp.State.PUBLISHED)
    if published is not None:
        shared |= Q(followup__isnull=True, created_at__lte=published)
    return (
        Attachment.objects.filter(complaint=complaint, is_internal=False, from_reporter=False)
        .filter(shared)
        .order_by("id")
    )


def enqueue_shared_attachments(
    link: NationalLink, complaint: Complaint, suffix: str = "", only: set[int] | None = None
) -> list[OutboundMessage]:
    ids = [pk for pk in shared_attachments(complaint).values_list("pk", flat=True)]
    if only is not None:
        ids = [pk for pk in ids if pk in only]
    keys = {pk: message_key(f"attachment-a{pk}{suffix}") for pk in ids}
    existing = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    return [
        enqueue(link, Kind.ATTACHMENT, {"attachment": pk}, key)
        for pk, key in keys.items()
        if key not in existing
    ]


def enqueue_full_state(
    link: NationalLink, complaint: Complaint, suffix: str
) -> list[OutboundMessage]:
    """Everything SP4N-LAPOR! should know of a complaint it does not have (reconcile's repair):
    the registration, the published follow-ups, their files, and the transfer if any."""
    created = [enqueue_register(link, complaint, f"register-c{complaint.pk}{suffix}")]
    for followup_id in complaint.followups.filter(state=FollowUp.State.PUBLISHED).values_list(
        "pk", flat=True
    ):
        created += enqueue_followup(link, followup_id, suffix)
    created += enqueue_shared_attachments(link, complaint, suffix)
    if complaint.status == Status.TRANSFERRED:
        created.append(enqueue_transfer(link, complaint, f"transfer-c{complaint.pk}{suffix}"))
    return created
