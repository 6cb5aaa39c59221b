"""Webhooks of the message channels: check the signature, parse, record, answer at once.

Answers follow what each sender expects: Meta and SMS gateways retry anything but 2xx, so a
well-formed message always gets 200 (problems the person can fix are answered in the
conversation); 403 for a bad signature, 400 for a malformed body, 413 for an oversized one.
Nothing is stored unless the whole request is accepted.
"""

from __future__ import annotations

import hmac
import logging
from functools import partial
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aduan.channels import mail, sms, transport, whatsapp
from aduan.channels.errors import WebhookRejected
from aduan.channels.inbound import inbound_record
from aduan.complaints.models import Channel
from aduan.complaints.services import normalize_phone
from aduan.core.errors import InvalidInput

logger = logging.getLogger(__name__)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _raw_body(request: HttpRequest, limit: int) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise WebhookRejected(400, "invalid Content-Length") from None
    if length > limit:
        raise WebhookRejected(413, "the request is too large")
    try:
        body = request.read(limit + 1)
    except RawPostDataException:  # pragma: no cover - a middleware read the body first
        body = request.body
    if len(body) > limit:
        raise WebhookRejected(413, "the request is too large")
    return body


def _enqueue_processing(inbound_ids: list[int]) -> None:
    from aduan.channels.tasks import process_inbound

    for inbound_id in inbound_ids:
        transaction.on_commit(partial(process_inbound.enqueue, inbound_id))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    """Meta's verification handshake (GET) and notifications (POST)."""
    if request.method == "GET":
        token = settings.ADUAN_WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(given.encode(), token.encode())
            and request.GET.get("hub.challenge")
        ):
            return HttpResponse(request.GET["hub.challenge"], content_type="text/plain")
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    try:
        body = _raw_body(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if not whatsapp.signature_valid(body, request.headers.get(whatsapp.SIGNATURE_HEADER)):
            raise WebhookRejected(403, "invalid signature")
        batch = whatsapp.parse_webhook(body)
        senders = {}
        for message in batch.messages:
            try:
                senders[message["id"]] = normalize_phone(message["from"])
            except InvalidInput:
                raise WebhookRejected(400, "not a WhatsApp notification: message from") from None
    except WebhookRejected as rejected:
        return _error(rejected.status, rejected.message)
    new: list[int] = []
    with transaction.atomic():
        for message in batch.messages:
            inbound = inbound_record(
                channel=Channel.WHATSAPP,
                provider_id=message["id"],
                address=senders[message["id"]],
                payload=message,
            )
            if inbound is not None:
                new.append(inbound.pk)
        _enqueue_processing(new)
    for status in batch.statuses:
        logger.debug("WhatsApp status %s: %s", status.get("id"), status.get("status"))
    return JsonResponse(
        {
            "received": len(new),
            "duplicates": len(batch.messages) - len(new),
            "statuses": len(batch.statuses),
        }
    )


@csrf_exempt
@require_http_methods(["POST"])
def sms_webhook(request: HttpRequest) -> HttpResponse:
    """An inbound SMS from the gateway."""
    try:
        body = _raw_body(request, 64 * 1024)
        if not sms.signature_valid(body, request.headers.get(settings.ADUAN_SMS_SIGNATURE_HEADER)):
            raise WebhookRejected(403, "invalid signature")
        fields = sms.parse_inbound(body, request.content_type or "")
    except WebhookRejected as rejected:
        return _error(rejected.status, rejected.message)
    with transaction.atomic():
        inbound = inbound_record(
            channel=Channel.SMS,
            provider_id=fields["id"],
            address=fields["from"],
            payload={"text": fields["text"]},
        )
        if inbound is not None:
            _enqueue_processing([inbound.pk])
    return JsonResponse({"received": int(inbound is not None), "duplicate": inbound is None})


def _message_from_multipart(request: HttpRequest, body: bytes) -> bytes:
    try:
        parser = MultiPartParser(
            {**request.META, "CONTENT_LENGTH": str(len(body))},
            BytesIO(body),
            request.upload_handlers,
            request.encoding,
        )
        fields, files = parser.parse()
    except (MultiPartParserError, RequestDataTooBig, ValueError):
        raise WebhookRejected(400, "the form is not valid") from None
    upload: Any = files.get("message")
    if upload is not None:
        return bytes(upload.read())
    value = fields.get("message")
    if not value:
        raise WebhookRejected(400, "missing field “message”")
    return str(value).encode("utf-8", "surrogateescape")


@csrf_exempt
@require_http_methods(["POST"])
def email_webhook(request: HttpRequest) -> HttpResponse:
    """An inbound e-mail: the raw RFC 822 message as the body or as the ``message`` field."""
    try:
        body = _raw_body(request, settings.ADUAN_EMAIL_MAX_BYTES)
        signature = request.headers.get(settings.ADUAN_EMAIL_SIGNATURE_HEADER)
        if not _email_signature_valid(body, signature):
            raise WebhookRejected(403, "invalid signature")
        if (request.content_type or "").startswith("multipart/form-data"):
            raw = _message_from_multipart(request, body)
        else:
            raw = body
        result = mail.email_intake(raw=raw)
    except WebhookRejected as rejected:
        return _error(rejected.status, rejected.message)
    answer: dict[str, Any] = {"result": result.outcome}
    if result.tracking_id:
        answer["tracking_id"] = result.tracking_id
    return JsonResponse(answer)


def _email_signature_valid(body: bytes, given: str | None) -> bool:
    return transport.signature_matches(
        secret=settings.ADUAN_EMAIL_WEBHOOK_SECRET, body=body, given=given or ""
    )
