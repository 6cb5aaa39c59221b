"""HTTP and signature helpers shared by the channel adapters."""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

import httpx
from django.conf import settings

from aduan.channels.errors import PermanentDeliveryError, RetryableDeliveryError


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(*, secret: str, body: bytes, given: str, prefix: str = "") -> bool:
    """Constant-time check of ``given`` against ``prefix + hex(HMAC-SHA256(secret, body))``.
    An empty secret matches nothing: an unconfigured channel refuses everything."""
    if not secret or not given:
        return False
    expected = prefix + hmac_sha256_hex(secret, body)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


@functools.lru_cache(maxsize=4)
def _shared_client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=timeout)


def client() -> httpx.Client:
    """One pooled client per process (building one loads the CA bundle: tens of ms)."""
    return _shared_client(float(settings.ADUAN_CHANNEL_HTTP_TIMEOUT_SECONDS))


def raise_for_response(response: httpx.Response, service: str) -> None:
    """Turn an HTTP error into a retryable or a permanent :class:`DeliveryError`."""
    if response.is_success:
        return
    response.read()  # a streamed response has no text until read
    detail = response.text[:300]
    message = f"{service}: HTTP {response.status_code}: {detail}"
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableDeliveryError(message, status=response.status_code)
    raise PermanentDeliveryError(message, status=response.status_code)


def request(method: str, url: str, *, service: str, **kwargs: Any) -> httpx.Response:
    """One HTTP request; transport failures (timeouts, refused connections) are retryable."""
    try:
        response = client().request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise RetryableDeliveryError(f"{service}: timeout: {error}") from error
    except httpx.TransportError as error:
        raise RetryableDeliveryError(f"{service}: {type(error).__name__}: {error}") from error
    raise_for_response(response, service)
    return response


def json_of(response: httpx.Response, service: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as error:
        raise PermanentDeliveryError(f"{service}: the answer is not JSON") from error
    if not isinstance(data, dict):
        raise PermanentDeliveryError(f"{service}: unexpected answer {data!r:.200}")
    return data
