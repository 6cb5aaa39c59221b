"""Errors as RFC 9457 problem details (``application/problem+json``), in the request's language.

``type`` is ``/api/problems/<code>`` (codes listed in docs/api.md), ``title`` a short summary,
``detail`` the message for people, ``errors`` the messages per field of a validation error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from aduan.core.errors import DomainError, InvalidInput, PermissionDenied, TransitionNotAllowed

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Statuses any operation may answer with, documented on every operation of the schema.
COMMON_PROBLEMS = {
    "400": "Malformed request or invalid fields",
    "401": "Missing or invalid API key or user token",
    "403": "Not allowed",
    "404": "Not found, or not visible to the caller",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "The complaint's state does not allow this",
    "413": "The request body is too large",
    "415": "Unsupported media type",
    "422": "Refused by a business rule, or Idempotency-Key reused with another request",
    "429": "Too many failed sign-ins",
}


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def problem(
    status: int, code: str, title: str, detail: str, errors: dict[str, list[str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": f"/api/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"field.sub": ["message", ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                for field, messages in _flatten(value, f"{prefix}.{index}").items():
                    out.setdefault(field, []).extend(messages)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def domain_problem(error: DomainError) -> Response:
    if isinstance(error, PermissionDenied):
        return problem(403, error.code, _("Not allowed"), str(error))
    if isinstance(error, TransitionNotAllowed):
        return problem(409, error.code, _("Not possible in the current state"), str(error))
    if isinstance(error, InvalidInput):
        return problem(422, error.code, _("Invalid input"), str(error))
    return problem(422, error.code, _("Refused"), str(error))


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error the API gives is a problem document."""
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        limit = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / (1024 * 1024)
        return problem(
            413,
            "too_large",
            _("Request too large"),
            _(
                "The request is too large: its fields may hold %(limit)s MB together. Send files "
                "as attachments (multipart/form-data)."
            )
            % {"limit": formats.number_format(limit, decimal_pos=1)},
        )
    if isinstance(exc, exceptions.ParseError):
        # DRF's words quote the parser's own error ("Expecting property name enclosed in double
        # quotes: line 1 column 2"): not for the caller, and never in their language.
        return problem(
            400,
            "parse_error",
            _("Bad request"),
            _("The request body could not be read: it is not valid JSON or form data."),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling (logged), never a leak of internals
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response = problem(
            400,
            "invalid",
            _("Invalid request"),
            _("Some fields are missing or not valid."),
            errors,
        )
    else:
        response = problem(
            exc.status_code,
            str(exc.get_codes()) if isinstance(exc.get_codes(), str) else "error",
            str(_title(exc.status_code)),
            str(exc.detail),
        )
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def _title(status: int) -> str:
    return {
        400: _("Bad request"),
        401: _("Not authenticated"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
    }.get(status, _("Error"))


# --- schema -----------------------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the Problem schema, the user-token scheme, and the
    problem answers on every operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["UserToken"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "adt_<prefix>_<secret>",
        "description": "A person's token from POST /api/v1/auth/token/",
    }
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_PROBLEMS.items():
                if status in responses:
                    continue
                responses[status] = {
                    "description": description,
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
                }
    return result
