"""API keys: ``adn_<prefix>_<secret>``. The secret is only ever shown once, at creation."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.api.models import ApiClient
from aduan.core import clock
from aduan.core.errors import InvalidInput

KEY_SCHEME = "adn"
PREFIX_RE = re.compile(r"[0-9a-f]{12}")
_MAX_NAME = 100


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def apikey_create(*, name: str) -> tuple[ApiClient, str]:
    """A new client and its key (returned once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > _MAX_NAME:
        raise InvalidInput(_("An API client needs a name of at most 100 characters."))
    if ApiClient.objects.filter(name=name).exists():
        raise InvalidInput(_("An API client named “%(name)s” already exists."), name=name)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, key_prefix=prefix, key_hash=_hash(secret), created_at=clock.now()
    )
    return client, f"{KEY_SCHEME}_{prefix}_{secret}"


@transaction.atomic
def apikey_revoke(*, name: str) -> ApiClient:
    """Revoke a client's key; its requests are refused from now on."""
    client = ApiClient.objects.select_for_update().filter(name=name).first()
    if client is None:
        raise InvalidInput(_("No API client is named “%(name)s”."), name=name)
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.save(update_fields=["revoked_at"])
    return client


def apikey_authenticate(raw_key: str) -> ApiClient | None:
    """The active client holding ``raw_key``, or None. Constant-time on the secret."""
    scheme, _sep, rest = (raw_key or "").strip().partition("_")
    prefix, _sep, secret = rest.partition("_")
    # The prefix is 12 hex digits; anything else (a NUL byte, say, which PostgreSQL refuses in a
    # query) cannot name a key and is not looked up.
    if scheme != KEY_SCHEME or not PREFIX_RE.fullmatch(prefix) or not secret:
        return None
    client = ApiClient.objects.filter(key_prefix=prefix, revoked_at__isnull=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(secret)):
        return None
    now = clock.now()
    # At most one write a minute per client, so a busy client does not write on every request.
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
