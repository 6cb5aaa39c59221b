"""Webhook requests go only to public internet addresses (no SSRF into the instansi's network).

An API client chooses the URL its webhooks are sent to; without a check it could point the
server at 127.0.0.1, the office network (10.x, 192.168.x) or a cloud metadata address
(169.254.169.254) and have it send requests there. With ``ADUAN_WEBHOOK_ALLOW_PRIVATE`` off
(the default in production):

- :func:`check_url` refuses, at subscription, a host that is such an address or resolves to one;
- :class:`PublicOnlyTransport` resolves the host again for every request, refuses it when any
  address is not public, and connects to the address it checked (the TLS name and the Host
  header stay the host's), so a DNS answer that changes in between cannot redirect it.

Redirects are not followed (httpx's default), so a public receiver cannot bounce a request
inward either.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aduan.core.errors import InvalidInput


class PrivateAddress(httpx.ConnectError):
    """The host is, or resolves to, an address that is not on the public internet."""


def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def public_addresses(host: str, port: int) -> list[str]:
    """The host's addresses, all public; :class:`PrivateAddress` (or ``OSError`` when it does
    not resolve) otherwise."""
    addresses = _addresses(host.strip("[]"), port)
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise PrivateAddress(f"{host} is not a public address ({address})")
    if not addresses:
        raise PrivateAddress(f"{host} has no address")
    return addresses


def check_url(host: str, port: int) -> None:
    """At subscription: refuse a webhook host that is not on the public internet."""
    if settings.ADUAN_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        public_addresses(host, port)
    except PrivateAddress:
        raise InvalidInput(
            _("The webhook URL must point to a public internet address, not %(host)s."),
            host=host,
        ) from None
    except OSError:
        raise InvalidInput(_("The webhook host %(host)s cannot be found."), host=host) from None


class PublicOnlyTransport(httpx.HTTPTransport):
    """Connects only to public addresses, to the address it checked."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            address = public_addresses(host, port)[0]
        except OSError as error:
            raise httpx.ConnectError(str(error), request=request) from error
        if address != host:
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=address)
        return super().handle_request(request)


def client() -> httpx.Client:
    """The HTTP client webhooks are sent with."""
    transport = None if settings.ADUAN_WEBHOOK_ALLOW_PRIVATE else PublicOnlyTransport()
    return httpx.Client(timeout=settings.ADUAN_WEBHOOK_TIMEOUT_SECONDS, transport=transport)
