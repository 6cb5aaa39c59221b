"""The Super-App's OpenID Connect provider, as the settings describe it.

Sign-in with the Super-App is on only when a client id and an issuer (or a discovery URL) are
configured; otherwise the button is hidden and the sign-in URLs answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DISCOVERY_PATH = "/.well-known/openid-configuration"
# ID tokens must be signed with a public key of the provider: a shared-secret (HS*) or unsigned
# token is refused whatever the provider advertises.
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


@dataclass(frozen=True)
class OidcConfig:
    """Everything the sign-in flow needs to talk to the provider."""

    issuer: str  # empty: taken from the discovery document
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    display_name: str
    token_auth_method: str  # "" = client_secret_basic with a secret, none without
    redirect_uri: str  # "" = this site's callback URL as the request reached it
    post_logout_redirect_uri: str  # "" = this site's home page as the request reached it
    timeout_seconds: float
    metadata_cache_seconds: int
    clock_skew_seconds: int
    flow_max_age_seconds: int

    @property
    def auth_method(self) -> str:
        if self.token_auth_method:
            return self.token_auth_method
        return "client_secret_basic" if self.client_secret else "none"


def get_config() -> OidcConfig | None:
    """The configured provider, or None when sign-in with the Super-App is off."""
    issuer = str(getattr(settings, "ADUAN_SUPERAPP_OIDC_ISSUER", "") or "").rstrip("/")
    discovery_url = str(getattr(settings, "ADUAN_SUPERAPP_OIDC_DISCOVERY_URL", "") or "")
    client_id = str(getattr(settings, "ADUAN_SUPERAPP_OIDC_CLIENT_ID", "") or "")
    if not client_id or not (issuer or discovery_url):
        return None
    scopes = tuple(
        str(getattr(settings, "ADUAN_SUPERAPP_OIDC_SCOPES", "openid email profile")).split()
    )
    if "openid" not in scopes:
        scopes = ("openid", *scopes)
    method = str(getattr(settings, "ADUAN_SUPERAPP_OIDC_TOKEN_AUTH_METHOD", "") or "")
    if method and method not in TOKEN_AUTH_METHODS:
        method = ""
    post_logout = str(getattr(settings, "ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI", "") or "")
    parts = urlsplit(post_logout)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        post_logout = ""  # only a full URL can be registered at the provider
    return OidcConfig(
        issuer=issuer,
        discovery_url=discovery_url or issuer + DISCOVERY_PATH,
        client_id=client_id,
        client_secret=str(getattr(settings, "ADUAN_SUPERAPP_OIDC_CLIENT_SECRET", "") or ""),
        scopes=scopes,
        display_name=str(getattr(settings, "ADUAN_SUPERAPP_NAME", "") or "Sumbar Madani"),
        token_auth_method=method,
        redirect_uri=str(getattr(settings, "ADUAN_SUPERAPP_OIDC_REDIRECT_URI", "") or ""),
        post_logout_redirect_uri=post_logout,
        timeout_seconds=float(getattr(settings, "ADUAN_SUPERAPP_OIDC_TIMEOUT_SECONDS", 10)),
        metadata_cache_seconds=int(getattr(settings, "ADUAN_SUPERAPP_OIDC_CACHE_SECONDS", 3600)),
        clock_skew_seconds=int(getattr(settings, "ADUAN_SUPERAPP_OIDC_CLOCK_SKEW_SECONDS", 60)),
        flow_max_age_seconds=int(getattr(settings, "ADUAN_SUPERAPP_OIDC_FLOW_MAX_AGE", 600)),
    )
