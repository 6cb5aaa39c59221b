"""What every /api/v1/ view shares: language from Accept-Language, idempotent POSTs, keyset
pages."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aduan.api.auth import ApiCredentials, credentials
from aduan.api.models import IdempotencyRecord
from aduan.api.problems import problem
from aduan.core import clock
from aduan.core.errors import InvalidInput
from aduan.core.pagination import keyset_page

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key (e.g. a UUID) per intended action; a retry with the same key "
    "returns the first answer and changes nothing. Kept 24 hours.",
)
LANGUAGE_HEADER = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="id (default) or en: the language of messages.",
)


def api_language(request: Request) -> str:
    """Bahasa Indonesia unless Accept-Language asks for another supported language."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header[:200]):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with a document nested past Python's recursion limit answered as a
    parse error (400) instead of a crash (500)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON document is nested too deeply.")) from None


class ApiView(APIView):
    """Base of every /api/v1/ view."""

    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    # Fields never stored in an idempotency record (secrets are shown once): a replay answers
    # with null there, or, with ``rerun_on_replay``, runs the view again, which must then be
    # idempotent by itself (submit: the service returns the first complaint and re-derives the
    # guest secret).
    secret_fields: tuple[str, ...] = ()
    rerun_on_replay = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        response["Cache-Control"] = "private, no-store"
        return response

    @property
    def creds(self) -> ApiCredentials:
        return credentials(self.request)

    def idempotent(
        self, run: Callable[[], Response], *, prepare: Callable[[], None] | None = None
    ) -> Response:
        return run_idempotent(
            self.request,
            run,
            secret_fields=self.secret_fields,
            rerun=self.rerun_on_replay,
            prepare=prepare,
        )


def parse(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- keyset pages ---------------------------------------------------------------------------


def page_response(
    request: Request,
    queryset: QuerySet[Any],
    *,
    ordering: Sequence[str],
    serializer_class: type[serializers.Serializer[Any]],
    params: dict[str, Any],
) -> Response:
    try:
        page = keyset_page(
            queryset,
            ordering=ordering,
            cursor=params.get("cursor") or None,
            size=params.get("page_size") or settings.ADUAN_API_PAGE_SIZE,
        )
    except InvalidInput as error:
        raise exceptions.ValidationError({"cursor": [str(error)]}) from None
    return Response(
        {
            "results": serializer_class(page.items, many=True).data,
            "next_cursor": page.next_cursor,
            "previous_cursor": page.previous_cursor,
        }
    )


# --- idempotency ----------------------------------------------------------------------------


class KeyInUse(exceptions.APIException):
    """The key's first request neither finished nor failed after several waits (defensive)."""

    status_code = 409
    default_code = "idempotency_key_in_use"
    default_detail = gettext_lazy(
        "This Idempotency-Key is in use by a request still running. Retry later."
    )


class _Conflict(Exception):
    """Another request holds (or held) the same key."""


class _NotStored(Exception):
    """The answer is not a success: roll back the key with the work, so a retry runs again."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _describe(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(request: Request) -> str:
    """What makes two requests "the same": method, path, the guest secret and the parsed body
    (files by content)."""
    data = request.data
    if hasattr(data, "lists"):
        body: Any = {key: [_describe(v) for v in values] for key, values in data.lists()}
    else:
        body = data
    secret = request.headers.get("X-Tracking-Secret", "")
    canonical = json.dumps(
        [request.method, request.path, hashlib.sha256(secret.encode()).hexdigest(), body],
        sort_keys=True,
        cls=DjangoJSONEncoder,
        default=str,
    )
    # Keyed: the body may hold a password (sign-in), and a plain hash of it would be open to
    # guessing by anyone who reads the table.
    return hmac.new(
        f"aduan.api.idempotency:{settings.SECRET_KEY}".encode(), canonical.encode(), "sha256"
    ).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return problem(
            422,
            "idempotency_key_reused",
            _("Idempotency-Key reused"),
            _("This Idempotency-Key was already used for a different request."),
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def run_idempotent(
    request: Request,
    run: Callable[[], Response],
    *,
    secret_fields: Sequence[str] = (),
    rerun: bool = False,
    prepare: Callable[[], None] | None = None,
) -> Response:
    """Run a POST once per ``Idempotency-Key`` (per client and user).

    The key row is inserted first, in the same transaction as the work: a concurrent duplicate
    blocks on the unique index until this one commits, then fails to insert and replays the
    stored answer. Failures (4xx) roll back with the key, so a corrected retry runs again.
    ``prepare`` runs before the work, outside its transaction, and not on a replay (sign-in:
    failed attempts must be counted, and a one-time code cannot be checked twice).
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        if prepare is not None:
            prepare()
        return run()
    if len(key) > 255 or not key.isprintable():
        raise exceptions.ValidationError(
            {
                "Idempotency-Key": [
                    _("The Idempotency-Key must be printable, at most 255 characters.")
                ]
            }
        )
    creds = credentials(request)
    scope = f"user:{request.user.pk}" if creds.token is not None else "client"
    fingerprint = request_fingerprint(request)
    lookup = {"client": creds.client, "scope": scope, "key": key}
    cutoff = clock.now() - timedelta(hours=settings.ADUAN_API_IDEMPOTENCY_HOURS)
    for _attempt in range(3):
        existing = IdempotencyRecord.objects.filter(**lookup, created_at__gte=cutoff).first()
        if existing is not None:
            if rerun and existing.fingerprint == fingerprint:
                # The stored answer, with the secrets the (idempotent) view derives again.
                fresh = run()
                if not 200 <= fresh.status_code < 300:
                    return fresh
                body = dict(existing.body or {})
                body.update({name: fresh.data.get(name) for name in secret_fields})
                response = Response(body, status=existing.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
            return _replay(existing, fingerprint)
        if prepare is not None:
            prepare()
            prepare = None
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(**lookup, created_at__lt=cutoff).delete()
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            **lookup, fingerprint=fingerprint, created_at=clock.now()
                        )
                except IntegrityError:
                    raise _Conflict from None
                response = run()
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                if isinstance(body, dict):
                    body.update({name: None for name in secret_fields if name in body})
                record.status_code = response.status_code
                record.body = body
                record.save(update_fields=["status_code", "body"])
                return response
        except _Conflict:
            continue
        except _NotStored as refused:
            return refused.response
    raise KeyInUse()


def first_or_404(queryset: QuerySet[Any], **lookup: Any) -> Model:
    found = queryset.filter(**lookup).first()
    if found is None:
        raise exceptions.NotFound()
    return found
