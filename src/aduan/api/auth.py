"""Who is calling: the program (client key, always required) and, optionally, the person
(user token). See docs/api.md "Authentication".

- client key: ``X-API-Key: adn_…`` or ``Authorization: Api-Key adn_…``
- user token: ``Authorization: Bearer adt_…`` (with the client key in ``X-API-Key``)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from aduan.accounts.middleware import is_staff_account
from aduan.api.keys import PREFIX_RE, apikey_authenticate
from aduan.api.models import ApiClient, UserToken
from aduan.complaints.policies import staff_roles
from aduan.core import clock
from aduan.core.errors import InvalidInput, PermissionDenied

TOKEN_SCHEME = "adt"  # noqa: S105 (the scheme name, not a secret)


@dataclass(frozen=True)
class ApiCredentials:
    """``request.auth`` of every API request: the calling program and the person's token."""

    client: ApiClient
    token: UserToken | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- user tokens -----------------------------------------------------------------------------


def user_sign_in(
    *, request: HttpRequest | None, identifier: str, password: str, otp_code: str = ""
) -> Any:
    """The account for these credentials (staff also need a TOTP code), or PermissionDenied.

    Deliberately outside any transaction: django-axes' failure records and the TOTP device's
    throttling must persist when the attempt is refused, or retries would be free.
    """
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise PermissionDenied(_("The sign-in details are wrong."))
    if is_staff_account(user) and (not otp_code or match_token(user, otp_code) is None):
        raise PermissionDenied(
            _("Staff accounts need a valid code from the authenticator app (otp_code).")
        )
    return user


@transaction.atomic
def usertoken_create(
    *, user: Any, client: ApiClient, verified_with_otp: bool = False
) -> tuple[UserToken, str]:
    """A new token for a signed-in ``user`` through ``client``; the raw token is shown once.
    ``verified_with_otp``: the sign-in checked a TOTP code (required for staff tokens)."""
    now = clock.now()
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = UserToken.objects.create(
        user=user,
        client=client,
        key_prefix=prefix,
        key_hash=_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=settings.ADUAN_API_TOKEN_DAYS),
        verified_with_otp=verified_with_otp,
    )
    return token, f"{TOKEN_SCHEME}_{prefix}_{secret}"


@transaction.atomic
def usertoken_revoke(*, token: UserToken) -> UserToken:
    """Revoke a token; requests carrying it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def usertoken_authenticate(raw: str, *, client: ApiClient) -> UserToken | None:
    """The live token ``raw`` of an active user, issued through ``client``; None otherwise."""
    scheme, _sep, rest = (raw or "").strip().partition("_")
    prefix, _sep, secret = rest.partition("_")
    if scheme != TOKEN_SCHEME or not PREFIX_RE.fullmatch(prefix) or not secret:
        return None
    token = (
        UserToken.objects.select_related("user")
        .filter(key_prefix=prefix, client=client, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    now = clock.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if not token.verified_with_otp and is_staff_account(token.user):
        return None  # became staff after a sign-in without TOTP: sign in again with a code
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        UserToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- DRF -------------------------------------------------------------------------------------


def _client_key(request: Request) -> str:
    key = request.headers.get("X-API-Key", "")
    if key:
        return key
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "api-key" else ""


def _bearer(request: Request) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


class ApiKeyAuthentication(BaseAuthentication):
    """Client key (required by ``ClientKeyRequired``) plus an optional user token."""

    def authenticate(self, request: Request) -> tuple[Any, ApiCredentials] | None:
        raw_key = _client_key(request)
        if not raw_key:
            return None
        client = apikey_authenticate(raw_key)
        if client is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid or was revoked."))
        raw_token = _bearer(request)
        if not raw_token:
            return AnonymousUser(), ApiCredentials(client)
        token = usertoken_authenticate(raw_token, client=client)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The user token is not valid, has expired or was revoked.")
            )
        return token.user, ApiCredentials(client, token)

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'


class ClientKeyRequired(BasePermission):
    """Every API request names its program with a valid key."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiCredentials):
            raise exceptions.NotAuthenticated(
                _("An API key is required (header X-API-Key or Authorization: Api-Key).")
            )
        return True


class UserTokenRequired(ClientKeyRequired):
    """The request must also carry a person's token (``Authorization: Bearer``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        super().has_permission(request, view)
        if request.auth.token is None:
            raise exceptions.NotAuthenticated(
                _("A user token is required (header Authorization: Bearer).")
            )
        return True


class StaffTokenRequired(UserTokenRequired):
    """A staff member who handles complaints, as the back office's complaint pages require
    (``backoffice.access.works_with_complaints``): monitors and administrators read aggregates
    only, never a complaint's details."""

    def has_permission(self, request: Request, view: Any) -> bool:
        super().has_permission(request, view)
        roles = staff_roles(request.user)
        if not roles.is_staff or roles.reads_aggregates_only:
            raise exceptions.PermissionDenied(
                _("Only staff who handle complaints may use the staff endpoints.")
            )
        return True


def credentials(request: Request) -> ApiCredentials:
    if not isinstance(request.auth, ApiCredentials):  # guarded by the permissions above
        raise InvalidInput(_("An API key is required."))
    return request.auth


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "aduan.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        permissions = getattr(auto_schema.view, "permission_classes", [])
        if any(issubclass(p, UserTokenRequired) for p in permissions):
            return [{"ApiKey": [], "UserToken": []}]
        return [{"ApiKey": [], "UserToken": []}, {"ApiKey": []}]


USER_TOKEN_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "adt_<prefix>_<secret>"}
