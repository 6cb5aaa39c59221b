"""A simulated OpenID Connect provider (the Super-App's), reached without network.

The relying party's HTTP calls (discovery, JWKS, token, userinfo) go to :meth:`handle` through
an ``httpx.MockTransport``; the browser's visit to the authorization endpoint is
:meth:`authorize`, which checks the request like a provider would, "signs in" the person in
``self.person`` and returns the callback URL with a code.

The token endpoint checks the client's credentials, the redirect URI and the PKCE verifier,
and issues an RS256 ID token; ``id_token_claims`` / ``id_token_header`` change what it says
(wrong audience, expired, another nonce …) and ``signing_key`` signs with another key.

The browser's visit to the end-session endpoint (RP-Initiated Logout 1.0) is
:meth:`end_session`: it checks the ID token hint, the client and the registered
``post_logout_redirect_uri``, ends the person's session and returns where it sends the browser.
:meth:`logout_token` is what the provider POSTs to the client's back-channel logout URI
(Back-Channel Logout 1.0) when the person signs out at the provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

ISSUER = "https://sso.madani.test/realms/sumbar"
CLIENT_ID = "aduan-sumbar"
CLIENT_SECRET = "s3cret/with+odd=chars"
# The post-logout redirect URI registered for the client: Aduan's home page in the tests.
POST_LOGOUT_REDIRECT_URIS = ("http://testserver/",)
_KEYS: dict[str, RSAKey] = {}


def rsa_key(kid: str) -> RSAKey:
    """A 2048-bit RSA key per kid, generated once per test run."""
    if kid not in _KEYS:
        _KEYS[kid] = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})
    return _KEYS[kid]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Person:
    """Who is signed in at the provider."""

    sub: str = "madani-0001"
    name: str = "Rina Marlina"
    email: str = "rina.marlina@example.org"
    email_verified: bool = True
    phone_number: str = ""
    phone_number_verified: bool = False


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    person: Person
    used: bool = False


@dataclass
class OidcProvider:
    issuer: str = ISSUER
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    person: Person = field(default_factory=Person)
    kid: str = "key-1"
    # Sign the ID token with this key instead (a key the JWKS does not publish).
    signing_key: RSAKey | None = None
    id_token_claims: dict[str, Any] = field(default_factory=dict)  # added or overriding claims
    id_token_header: dict[str, Any] = field(default_factory=dict)
    userinfo_claims: dict[str, Any] = field(default_factory=dict)
    with_userinfo: bool = True
    with_end_session: bool = True
    post_logout_redirect_uris: tuple[str, ...] = POST_LOGOUT_REDIRECT_URIS
    signed_out: list[str] = field(default_factory=list)  # subjects whose session was ended
    down: bool = False  # every endpoint answers 503
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # "GET /path" of every server-side call
    # The person's session at the provider: the ID token's "sid" ("" leaves the claim out).
    sid: str = "sesi-0001"

    # --- What the relying party fetches --------------------------------------------------

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        base = self.issuer + "/protocol/openid-connect"
        data = {
            "issuer": self.issuer,
            "authorization_endpoint": base + "/auth?kc_idp_hint=madani",
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        if self.with_userinfo:
            data["userinfo_endpoint"] = base + "/userinfo"
        if self.with_end_session:
            data["end_session_endpoint"] = base + "/logout"
        return data

    def jwks(self) -> dict[str, Any]:
        return KeySet([rsa_key(self.kid)]).as_dict(private=False)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url).split("?", 1)[0]
        self.requests.append(f"{request.method} {urlsplit(url).path}")
        if self.down:
            return httpx.Response(503, text="down for maintenance")
        metadata = self.metadata()
        if request.method == "GET" and url == self.discovery_url:
            return httpx.Response(200, json=metadata)
        if request.method == "GET" and url == metadata["jwks_uri"]:
            return httpx.Response(200, json=self.jwks())
        if request.method == "POST" and url == metadata["token_endpoint"]:
            return self._token(request)
        if request.method == "GET" and url == metadata.get("userinfo_endpoint"):
            return self._userinfo(request)
        return httpx.Response(404, json={"error": "not_found"})

    # --- The browser at the authorization endpoint ---------------------------------------

    def _query_at(self, url: str, endpoint: str) -> dict[str, str]:
        """The query of ``url``, which must address the metadata's ``endpoint``."""
        parts = urlsplit(url)
        expected = urlsplit(self.metadata()[endpoint])
        assert (parts.scheme, parts.netloc, parts.path) == (
            expected.scheme,
            expected.netloc,
            expected.path,
        ), url
        return {key: values[0] for key, values in parse_qs(parts.query).items()}

    def authorize(self, url: str) -> str:
        """Follow the authorization request; return where the provider sends the browser."""
        query = self._query_at(url, "authorization_endpoint")
        assert query["kc_idp_hint"] == "madani"  # the endpoint's own parameters are kept
        assert query["response_type"] == "code"
        assert query["client_id"] == self.client_id
        assert "openid" in query["scope"].split()
        assert query["code_challenge_method"] == "S256"
        assert len(query["code_challenge"]) == 43
        assert query["state"] and query["nonce"]
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query["nonce"],
            code_challenge=query["code_challenge"],
            person=Person(**vars(self.person)),
        )
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def end_session(self, url: str) -> str:
        """Follow the logout request like a provider would (RP-Initiated Logout 1.0 §2-3):
        the hint must be an ID token we issued to this client, the redirect URI one registered
        for it; end the person's session; return where the provider sends the browser."""
        query = self._query_at(url, "end_session_endpoint")
        claims = jwt.decode(query["id_token_hint"], KeySet([rsa_key(self.kid)])).claims
        assert claims["iss"] == self.issuer
        assert claims["aud"] == query["client_id"] == self.client_id
        assert query["post_logout_redirect_uri"] in self.post_logout_redirect_uris, query
        assert query["state"]
        self.signed_out.append(claims["sub"])
        return query["post_logout_redirect_uri"] + "?" + urlencode({"state": query["state"]})

    def deny(self, url: str, error: str = "access_denied") -> str:
        """The person said no (or is not signed in and ``prompt=none`` was asked)."""
        query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        return query["redirect_uri"] + "?" + urlencode({"error": error, "state": query["state"]})

    # --- Token and userinfo endpoints ------------------------------------------------------

    def _client_ok(self, request: httpx.Request, form: dict[str, str]) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        client_id, _sep, secret = base64.b64decode(header[6:]).decode().partition(":")
        return unquote(client_id) == self.client_id and unquote(secret) == self.client_secret

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        if not self._client_ok(request, form):
            return httpx.Response(401, json={"error": "invalid_client"})
        grant = self.grants.get(form.get("code", ""))
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.used
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return httpx.Response(400, json={"error": "invalid_grant"})
        challenge = _b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if challenge != grant.code_challenge:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "PKCE"})
        grant.used = True
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.person
        return httpx.Response(
            200,
            json={
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant, access_token),
            },
        )

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        at_hash = _b64url(hashlib.sha256(access_token.encode()).digest()[:16])
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.person.sub,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "nonce": grant.nonce,
            "at_hash": at_hash,
            "name": grant.person.name,
            "email": grant.person.email,
            "email_verified": grant.person.email_verified,
        }
        if self.sid:
            claims["sid"] = self.sid
        claims.update(self.id_token_claims)
        claims = {key: value for key, value in claims.items() if value is not None}
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT", **self.id_token_header}
        return jwt.encode(header, claims, self.signing_key or rsa_key(self.kid))

    def logout_token(
        self, *, sub: str | None = None, sid: str | None = None, **overrides: Any
    ) -> str:
        """The token the provider POSTs to the client's back-channel logout URI when the person
        signs out there (Back-Channel Logout 1.0 §2.4): about ``sub`` and/or ``sid`` (None
        leaves a claim out); ``overrides`` change or (with None) drop other claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
            "sub": sub,
            "sid": sid,
        }
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        key = self.signing_key or rsa_key(self.kid)
        header = {"alg": "RS256", "kid": key.kid or self.kid, "typ": "logout+jwt"}
        return jwt.encode(header, claims, key)

    def _userinfo(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("Authorization", "")
        person = self.tokens.get(header.removeprefix("Bearer "))
        if person is None:
            return httpx.Response(401, json={"error": "invalid_token"})
        data: dict[str, Any] = {
            "sub": person.sub,
            "name": person.name,
            "email": person.email,
            "email_verified": person.email_verified,
        }
        if person.phone_number:
            data["phone_number"] = person.phone_number
            data["phone_number_verified"] = person.phone_number_verified
        data.update(self.userinfo_claims)
        return httpx.Response(
            200, content=json.dumps(data), headers={"Content-Type": "application/json"}
        )
