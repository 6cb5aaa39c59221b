"""E-mail intake: one message makes one complaint (subject → title, text → description, photo
and PDF attachments → attachments, From → reporter), answered by e-mail with the tracking ID
and secret. Messages come from the inbound-mail webhook (``views.email_webhook``) or from
IMAP polling (``email_poll_run``); both go through :func:`email_intake`, idempotent by
Message-ID. A subject "status <tracking ID>" answers with the state of the sender's report.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import logging
import re
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.message import MIMEPart
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from aduan.channels.conversation import STATUS_RE, status_reply
from aduan.channels.errors import RetryableDeliveryError, WebhookRejected
from aduan.channels.inbound import clean_text, inbound_record
from aduan.channels.models import InboundMessage
from aduan.complaints.models import Channel
from aduan.complaints.services import complaint_submit
from aduan.core import clock
from aduan.core.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_ADDRESS = 254  # RFC 5321; also the length of the address columns
_INVISIBLE_HTML = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS_HTML = re.compile(r"<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)


@dataclass
class ParsedMail:
    message_id: str
    sender_name: str
    sender_email: str
    subject: str
    text: str
    attachments: list[ContentFile[bytes]] = field(default_factory=list)
    automatic: bool = False


def parse_mail(raw: bytes) -> ParsedMail:
    """Read an RFC 822 message; 400 when it has no usable sender."""
    if not raw.strip():
        raise WebhookRejected(400, "empty message")
    addresses: tuple[Any, ...] = ()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(message, ParsedMessage):  # pragma: no cover - the policy makes one
            raise TypeError(type(message))
        if message["From"] is not None:
            addresses = tuple(message["From"].addresses)
    except Exception:
        raise WebhookRejected(400, "not a readable e-mail message") from None
    if len(addresses) != 1 or not addresses[0].addr_spec:
        raise WebhookRejected(400, "the message has no single From address")
    sender = addresses[0]
    try:
        if len(sender.addr_spec) > MAX_ADDRESS or clean_text(sender.addr_spec) != sender.addr_spec:
            raise ValueError(sender.addr_spec)
        validate_email(sender.addr_spec)
    except Exception:
        raise WebhookRejected(400, "the From address is not valid") from None
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _body_text(body)
        if body.get_content_type() == "text/html":
            text = _html_text(text)
    attachments: list[ContentFile[bytes]] = []
    for part in message.iter_attachments():
        content_type = part.get_content_type()
        if content_type not in settings.ADUAN_ALLOWED_ATTACHMENT_TYPES:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        name = part.get_filename() or "lampiran"
        attachments.append(ContentFile(payload, name=name[-100:]))
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    # Header and body text may carry what no database column holds (NUL, or undecodable bytes
    # that the parser keeps as lone surrogates): cleaned here, so such mail cannot fail later.
    return ParsedMail(
        message_id=clean_text(message_id),  # any length: the inbox keeps a digest of long ones
        sender_name=clean_text(sender.display_name).strip(),
        sender_email=sender.addr_spec.strip(),
        subject=" ".join(clean_text(str(message.get("Subject", ""))).split()),
        text=clean_text(text).strip(),
        attachments=attachments,
        automatic=auto not in ("", "no") or precedence in ("bulk", "junk", "list", "auto_reply"),
    )


def _body_text(part: MIMEPart) -> str:
    """The text of a body part; an unknown or lying charset is read as UTF-8 with replacement
    characters rather than losing the whole description."""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _html_text(markup: str) -> str:
    """Readable text of an HTML-only message: no style or script content, line breaks kept,
    entities decoded (``&amp;`` → ``&``)."""
    markup = _INVISIBLE_HTML.sub(" ", markup)
    markup = _BREAKS_HTML.sub("\n", markup)
    lines = (" ".join(line.split()) for line in html.unescape(strip_tags(markup)).splitlines())
    return "\n".join(line for line in lines if line)


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # created, duplicate, rejected, status, ignored
    inbound: InboundMessage | None
    tracking_id: str = ""


def email_intake(*, raw: bytes) -> IntakeResult:
    """Turn one e-mail into a complaint (once per Message-ID) and queue the answer."""
    mail = parse_mail(raw)
    own = settings.DEFAULT_FROM_EMAIL.lower()
    with transaction.atomic():
        inbound = inbound_record(
            channel=Channel.EMAIL,
            # Per sender: someone else's message cannot pre-empt one by copying its Message-ID.
            provider_id=f"{mail.sender_email.lower()} {mail.message_id}",
            address=mail.sender_email.lower(),
            payload={"subject": mail.subject, "message_id": mail.message_id},
        )
        if inbound is None:
            return IntakeResult("duplicate", None)
        outcome, tracking_id, replies = "ignored", "", []
        if mail.automatic or mail.sender_email.lower() == own:
            pass  # never answer auto-replies or ourselves: no mail loops
        else:
            status = STATUS_RE.match(mail.subject)
            with translation.override(settings.LANGUAGE_CODE):
                if status:
                    outcome = "status"
                    replies = [status_reply(address=inbound.address, tracking_text=status.group(1))]
                else:
                    outcome, tracking_id, replies = _submit(mail)
        inbound.replies = replies
        inbound.processed_at = clock.now()
        if not replies:
            inbound.replied_at = inbound.processed_at
        inbound.save(update_fields=["replies", "processed_at", "replied_at"])
        if replies:
            from aduan.channels.tasks import reply_inbound

            pk = inbound.pk
            transaction.on_commit(lambda: reply_inbound.enqueue(pk))
    return IntakeResult(outcome, inbound, tracking_id)


def _submit(mail: ParsedMail) -> tuple[str, str, list[str]]:
    description = mail.text or mail.subject
    title = _shorten(mail.subject or (description.splitlines() or [""])[0], 120)
    try:
        result = complaint_submit(
            actor=None,
            title=title,
            description=description,
            channel=Channel.EMAIL,
            reporter_name=mail.sender_name or mail.sender_email.split("@")[0],
            reporter_email=mail.sender_email,
            attachments=mail.attachments,
            idempotency_key=mail.message_id,
        )
    except InvalidInput as error:
        return (
            "rejected",
            "",
            [
                _(
                    "We could not accept your report: %(reason)s\n"
                    "Please correct it and send it again."
                )
                % {"reason": str(error)}
            ],
        )
    complaint = result.complaint
    reply = _(
        "Thank you, your report has been received.\n"
        "Tracking ID: %(tracking_id)s\nSecret code: %(secret)s\n"
        "Keep both: with them you can follow the report on the website, or by sending an "
        "e-mail with the subject “status %(tracking_id)s”."
    ) % {"tracking_id": complaint.tracking_id, "secret": result.guest_secret or "-"}
    return "created", complaint.tracking_id, [reply]


def send_reply(inbound: InboundMessage, body: str) -> None:
    """Answer an e-mail in its thread (Django's e-mail backend)."""
    subject = str(inbound.payload.get("subject", "")) or _("Your report")
    message_id = str(inbound.payload.get("message_id", ""))
    headers: dict[str, Any] = {"Auto-Submitted": "auto-replied"}
    if message_id and not message_id.startswith("sha256:"):
        headers.update({"In-Reply-To": message_id, "References": message_id})
    reply = EmailMessage(
        subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
        body=body,
        to=[inbound.address],
        headers=headers,
    )
    try:
        reply.send()
    except (smtplib.SMTPException, OSError) as error:
        raise RetryableDeliveryError(f"e-mail: {error}") from error


# --- IMAP polling ---------------------------------------------------------------------------


def _mailbox() -> Any:
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    host, port = settings.ADUAN_IMAP_HOST, settings.ADUAN_IMAP_PORT
    timeout = settings.ADUAN_CHANNEL_HTTP_TIMEOUT_SECONDS * 3
    security = settings.ADUAN_IMAP_SECURITY.lower()
    if security == "none":
        return MailBoxUnencrypted(host, port, timeout=timeout)
    if security == "starttls":
        return MailBoxStartTls(host, port, timeout=timeout)
    return MailBox(host, port, timeout=timeout)


def email_poll_run(*, limit: int = 100) -> dict[str, int]:
    """Read unseen messages from the IMAP folder, take each in, then mark it seen.

    A message is marked only after its complaint is committed; if the poll dies in between, the
    next poll reads it again and the Message-ID makes the second intake a no-op."""
    from imap_tools import AND, MailMessageFlags

    counts: dict[str, int] = {}
    if not settings.ADUAN_IMAP_HOST:
        return counts
    with _mailbox().login(
        settings.ADUAN_IMAP_USER,
        settings.ADUAN_IMAP_PASSWORD,
        initial_folder=settings.ADUAN_IMAP_FOLDER,
    ) as mailbox:
        for message in mailbox.fetch(AND(seen=False), mark_seen=False, limit=limit):
            try:
                outcome = email_intake(raw=message.obj.as_bytes()).outcome
            except WebhookRejected as error:
                logger.warning("IMAP message %s skipped: %s", message.uid, error.message)
                outcome = "unreadable"
            except Exception:
                # Left unseen for the next poll; the messages after it are still taken in.
                logger.exception("IMAP message %s failed", message.uid)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
            if message.uid:
                mailbox.flag(message.uid, MailMessageFlags.SEEN, True)
    return counts
