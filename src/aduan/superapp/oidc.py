"""The OpenID Connect authorization-code flow with PKCE, as a relying party.

The protocol pieces come from Authlib (PKCE challenge, random tokens, the OpenID Connect Core
§3.1.3.7 ID-token checks in ``CodeIDToken``) and joserfc (JWS signature against the provider's
JWKS); HTTP goes through httpx, the project's client, so the tests put a simulated provider
behind an ``httpx.MockTransport`` (``http_client`` is the one seam).

What is checked, each time: the ``state`` names a flow this browser started in the last
``flow_max_age_seconds`` (one use); the code is redeemed with the PKCE verifier; the ID token
is signed by a key of the provider's JWKS with an asymmetric algorithm, comes from the issuer,
is for this client (``aud``, ``azp``), is not expired or issued in the future (with
``clock_skew_seconds``), carries the flow's ``nonce`` and, when present, the right ``at_hash``;
userinfo must name the same subject.

Signing out at the provider is OpenID Connect RP-Initiated Logout 1.0 (``end_session_url``);
the provider signing the person out here is Back-Channel Logout 1.0 (``validate_logout_token``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from aduan.core import clock
from aduan.superapp.config import ASYMMETRIC_ALGORITHMS, OidcConfig

logger = logging.getLogger(__name__)

CACHE_PREFIX = "superapp:oidc:"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# The provider sends a logout token as the person signs out; an older one is refused.
LOGOUT_TOKEN_MAX_AGE_SECONDS = 300
MAX_SUBJECT_LENGTH = 255


class OidcError(Exception):
    """The provider could not be reached, or its answer cannot be trusted.

    ``reason`` is a short code for the log and the tests (never shown to the person, who gets
    one general message).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class PendingFlow:
    """A sign-in this browser started: kept in its session until the provider sends it back."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_url: str
    started_at: float

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> PendingFlow | None:
        try:
            return cls(
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                code_verifier=str(data["code_verifier"]),
                redirect_uri=str(data["redirect_uri"]),
                next_url=str(data["next_url"]),
                started_at=float(data["started_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class SignedIn:
    """A finished sign-in: the person's verified claims, and the ID token itself (kept in the
    session as the hint for signing out at the provider)."""

    claims: dict[str, Any]
    id_token: str


def http_client(config: OidcConfig) -> httpx.Client:
    """The HTTP client for the provider (tests replace this with a simulated provider)."""
    return httpx.Client(timeout=config.timeout_seconds, follow_redirects=False)


def _cache_key(kind: str, url: str) -> str:
    return CACHE_PREFIX + kind + ":" + hashlib.sha256(url.encode()).hexdigest()


def _get_json(config: OidcConfig, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        with http_client(config) as client:
            response = client.get(url, **kwargs)
    except httpx.HTTPError as error:
        raise OidcError(f"{what}_unreachable", f"{type(error).__name__}: {error}") from error
    if response.status_code != 200:
        raise OidcError(f"{what}_http_{response.status_code}", response.text[:200])
    try:
        data = response.json()
    except ValueError as error:
        raise OidcError(f"{what}_not_json") from error
    if not isinstance(data, dict):
        raise OidcError(f"{what}_not_json")
    return data


# --- Provider metadata and keys ---------------------------------------------------------------


def provider_metadata(config: OidcConfig, *, refresh: bool = False) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0), cached.

    Its ``issuer`` must be the configured one (Discovery §4.3), so a discovery URL cannot make
    us trust tokens from someone else.
    """
    key = _cache_key("metadata", config.discovery_url)
    cached = None if refresh else cache.get(key)
    if isinstance(cached, dict):
        return cached
    metadata = _get_json(config, config.discovery_url, "discovery")
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise OidcError("discovery_issuer_missing")
    if config.issuer and issuer.rstrip("/") != config.issuer:
        raise OidcError("discovery_issuer_mismatch", issuer)
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(name), str) or not metadata[name]:
            raise OidcError("discovery_incomplete", name)
    cache.set(key, metadata, config.metadata_cache_seconds)
    return metadata


def _provider_keys(config: OidcConfig, metadata: dict[str, Any], *, refresh: bool) -> KeySet:
    url = str(metadata["jwks_uri"])
    key = _cache_key("jwks", url)
    data = None if refresh else cache.get(key)
    if not isinstance(data, dict):
        data = _get_json(config, url, "jwks")
        cache.set(key, data, config.metadata_cache_seconds)
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise OidcError("jwks_invalid", str(error)) from error


def _signing_algorithms(metadata: dict[str, Any]) -> list[str]:
    advertised = metadata.get("id_token_signing_alg_values_supported")
    if not isinstance(advertised, list):
        return list(ASYMMETRIC_ALGORITHMS)
    allowed = [name for name in ASYMMETRIC_ALGORITHMS if name in advertised]
    if not allowed:
        raise OidcError("no_asymmetric_algorithm", ",".join(map(str, advertised)))
    return allowed


# --- The flow ---------------------------------------------------------------------------------


def begin(
    config: OidcConfig, *, redirect_uri: str, next_url: str, language: str = ""
) -> tuple[PendingFlow, str]:
    """A new flow (fresh state, nonce and PKCE verifier) and the provider URL to send the
    browser to. The caller keeps the flow in the browser's session."""
    metadata = provider_metadata(config)
    flow = PendingFlow(
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
        next_url=next_url,
        started_at=time.time(),
    )
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(config.scopes),
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": create_s256_code_challenge(flow.code_verifier),
        "code_challenge_method": "S256",
    }
    if language:
        params["ui_locales"] = language
    return flow, add_params_to_uri(str(metadata["authorization_endpoint"]), params)


def complete(config: OidcConfig, *, flow: PendingFlow, code: str) -> SignedIn:
    """Redeem the authorization code; the person's verified claims and the ID token.

    ``iss`` and ``sub`` come from the checked ID token; the other claims (name, e-mail,
    phone) from userinfo when the provider has it, else from the ID token.
    """
    if not code:
        raise OidcError("code_missing")
    metadata = provider_metadata(config)
    token = _redeem_code(config, metadata, flow, code)
    access_token = token.get("access_token")
    id_token = str(token["id_token"])
    id_claims = validate_id_token(
        config,
        metadata,
        id_token,
        nonce=flow.nonce,
        access_token=access_token if isinstance(access_token, str) else None,
    )
    profile = dict(id_claims)
    userinfo_url = metadata.get("userinfo_endpoint")
    if isinstance(userinfo_url, str) and userinfo_url and isinstance(access_token, str):
        userinfo = _get_json(
            config, userinfo_url, "userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        if userinfo.get("sub") != id_claims["sub"]:
            raise OidcError("userinfo_subject_mismatch")
        # Each contact is taken together with its "verified" flag, from one source.
        for contact, verified in (
            ("email", "email_verified"),
            ("phone_number", "phone_number_verified"),
        ):
            if contact in userinfo:
                profile[contact] = userinfo[contact]
                profile[verified] = userinfo.get(verified, False)
        for name in ("name", "given_name", "family_name", "preferred_username", "locale"):
            if name in userinfo:
                profile[name] = userinfo[name]
    profile["iss"], profile["sub"] = id_claims["iss"], id_claims["sub"]
    return SignedIn(claims=profile, id_token=id_token)


def end_session_url(
    config: OidcConfig, *, id_token: str, post_logout_redirect_uri: str, language: str = ""
) -> str:
    """Where to send the browser to end the person's session at the provider too
    (RP-Initiated Logout 1.0 §2), or "" when the provider has no ``end_session_endpoint``.

    ``post_logout_redirect_uri`` comes from the settings or is this site's home, never from
    the request, and the provider accepts it only when it is registered for the client.
    """
    endpoint = provider_metadata(config).get("end_session_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return ""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise OidcError("end_session_endpoint_invalid", endpoint[:200])
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "client_id": config.client_id,
        # The provider hands it back on the return; nothing there depends on it (the home
        # page acts on no parameter), so it is not kept.
        "state": generate_token(32),
    }
    if language:
        params["ui_locales"] = language
    return add_params_to_uri(endpoint, params)


def _client_auth(config: OidcConfig, data: dict[str, str]) -> dict[str, str]:
    """Headers for the token request; adds the client's credentials to ``data`` or the header."""
    method = config.auth_method
    if method == "client_secret_basic":
        # RFC 6749 §2.3.1: each part form-urlencoded before base64.
        pair = f"{quote(config.client_id, safe='')}:{quote(config.client_secret, safe='')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}
    data["client_id"] = config.client_id
    if method == "client_secret_post":
        data["client_secret"] = config.client_secret
    return {}


def _redeem_code(
    config: OidcConfig, metadata: dict[str, Any], flow: PendingFlow, code: str
) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.redirect_uri,
        "code_verifier": flow.code_verifier,
    }
    headers = {"Accept": "application/json", **_client_auth(config, data)}
    try:
        with http_client(config) as client:
            response = client.post(str(metadata["token_endpoint"]), data=data, headers=headers)
    except httpx.HTTPError as error:
        raise OidcError("token_unreachable", f"{type(error).__name__}: {error}") from error
    try:
        token = response.json()
    except ValueError:
        token = None
    if not isinstance(token, dict):
        raise OidcError(f"token_http_{response.status_code}", response.text[:200])
    if response.status_code != 200 or "error" in token:
        raise OidcError("token_refused", str(token.get("error", response.status_code)))
    if str(token.get("token_type", "Bearer")).lower() != "bearer":
        raise OidcError("token_type", str(token.get("token_type")))
    if not isinstance(token.get("id_token"), str):
        raise OidcError("id_token_missing")
    return token


def _decode_signed(
    config: OidcConfig, metadata: dict[str, Any], token: str, what: str
) -> jwt.Token:
    """The token, once its signature is checked against the provider's JWKS with one of the
    asymmetric algorithms it may use (``{what}_signature`` otherwise)."""
    algorithms = _signing_algorithms(metadata)
    try:
        try:
            return jwt.decode(
                token, _provider_keys(config, metadata, refresh=False), algorithms=algorithms
            )
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we cached them: fetch them again,
            # at most once a minute (anyone can post a token naming an unknown key).
            if not cache.add(_cache_key("jwks_refresh", str(metadata["jwks_uri"])), 1, 60):
                raise
            return jwt.decode(
                token, _provider_keys(config, metadata, refresh=True), algorithms=algorithms
            )
    except JoseError as error:
        raise OidcError(f"{what}_signature", f"{error.error}: {error.description}") from error
    except ValueError as error:  # not a JWS at all
        raise OidcError(f"{what}_malformed", str(error)[:200]) from error


@contextmanager
def _claim_errors(what: str) -> Iterator[None]:
    """A failed claim check as an ``OidcError`` named after the token (``{what}_expired``,
    ``{what}_<claim error>``, ``{what}_invalid``)."""
    try:
        yield
    except ExpiredTokenError as error:
        raise OidcError(f"{what}_expired") from error
    except (InvalidClaimError, MissingClaimError) as error:
        raise OidcError(f"{what}_{error.error}", str(getattr(error, "claim", ""))) from error
    except JoseError as error:
        raise OidcError(f"{what}_invalid", f"{error.error}: {error.description}") from error


def validate_id_token(
    config: OidcConfig,
    metadata: dict[str, Any],
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
) -> dict[str, Any]:
    """The ID token's claims after every check of OpenID Connect Core §3.1.3.7."""
    decoded = _decode_signed(config, metadata, id_token, "id_token")
    params: dict[str, Any] = {"nonce": nonce, "client_id": config.client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": str(metadata["issuer"])},
            "aud": {"essential": True, "value": config.client_id},
        },
        params,
    )
    with _claim_errors("id_token"):
        claims.validate(now=int(clock.now().timestamp()), leeway=config.clock_skew_seconds)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise OidcError("id_token_subject")
    return dict(claims)


# --- Back-Channel Logout ------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoutRequest:
    """Whom a checked logout token signs out: the person (``subject``), their session at the
    provider (``sid``), or both; ``jti`` names the token."""

    issuer: str
    subject: str
    sid: str
    jti: str


def validate_logout_token(config: OidcConfig, logout_token: str) -> LogoutRequest:
    """The logout token's request after the checks of OpenID Connect Back-Channel Logout 1.0
    §2.6: signed like an ID token (same keys, same algorithms), from the issuer, for this client,
    issued at most ``LOGOUT_TOKEN_MAX_AGE_SECONDS`` ago and not expired, with a ``jti``, the
    back-channel logout event, ``sub`` and/or ``sid``, and no ``nonce`` (so that an ID token can
    never pass for one). ``exp`` is checked when present but not required (the 1.0 final text
    requires it; providers built on the drafts do not send it, and the ``iat`` age bounds the
    token's life instead). That a token is acted on only once is the services' job."""
    if not logout_token:
        raise OidcError("logout_token_missing")
    metadata = provider_metadata(config)
    claims = _decode_signed(config, metadata, logout_token, "logout_token").claims
    now = int(clock.now().timestamp())
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=config.clock_skew_seconds,
        iss={"essential": True, "value": str(metadata["issuer"])},
        aud={"essential": True, "value": config.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    with _claim_errors("logout_token"):
        registry.validate(claims)
    if claims["iat"] < now - LOGOUT_TOKEN_MAX_AGE_SECONDS - config.clock_skew_seconds:
        raise OidcError("logout_token_too_old")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise OidcError("logout_token_event")
    if "nonce" in claims:
        raise OidcError("logout_token_nonce")
    names = {}
    for name in ("sub", "sid", "jti"):
        value = claims.get(name, "")
        if not isinstance(value, str) or len(value) > MAX_SUBJECT_LENGTH:
            raise OidcError(f"logout_token_{name}")
        names[name] = value
    if not (names["sub"] or names["sid"]) or not names["jti"]:
        raise OidcError("logout_token_subject")
    return LogoutRequest(
        issuer=str(metadata["issuer"]), subject=names["sub"], sid=names["sid"], jti=names["jti"]
    )
