"""The HTTP JSON client of the national SP4N-LAPOR! API (the adapter's only network code).

Errors come out as :class:`NationalError`: ``retryable`` for timeouts, connection failures, HTTP
408, 429 (with ``retry_after`` from the ``Retry-After`` header) and 5xx; permanent for any other
4xx or an answer that is not a JSON object (a wrong base URL answers with an HTML page).

Tests replace the network with an in-memory transport (:func:`use_transport`), the simulator of
the national side in ``tests/lapor/simulator.py``.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.core import clock
from aduan.core.problems import problem, problem_in_english
from aduan.lapor.config import Config

_transport: httpx.BaseTransport | None = None
MAX_RETRY_AFTER_SECONDS = 24 * 3600


class NationalError(Exception):
    """A request to SP4N-LAPOR! failed."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        explained: dict[str, Any] | None = None,
    ) -> None:
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        # The message as a stored text (aduan.core.problems), shown in the reader's language;
        # ``str(error)`` stays English, for logs.
        self.problem = explained or {"text": message}
        super().__init__(message)


def national_error(
    text: str | Promise,
    *,
    retryable: bool,
    status: int | None = None,
    **params: Any,
) -> NationalError:
    """A :class:`NationalError` from a translatable text (``%(name)s`` placeholders) and its
    values: English in ``str(error)`` (logs), kept as a stored text to be shown in the reader's
    language."""
    stored = problem(text, **params)
    return NationalError(
        problem_in_english(stored),
        retryable=retryable,
        status=status,
        explained=stored,
    )


@contextmanager
def use_transport(transport: httpx.BaseTransport | None) -> Iterator[None]:
    """Send every request of the block through ``transport`` (tests: the simulator)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER_SECONDS))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return float(min(max((moment - clock.now()).total_seconds(), 0), MAX_RETRY_AFTER_SECONDS))


@dataclass(frozen=True)
class FeedPage:
    """One page of the national change feed."""

    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


class NationalClient:
    """One connection pool for one sync run: ``with NationalClient(config) as client: ...``."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.mapping = config.mapping
        headers = {"Accept": "application/json", "User-Agent": "aduan-lapor-connector"}
        if config.token:
            scheme = f"{config.auth_scheme} " if config.auth_scheme else ""
            headers[config.auth_header] = f"{scheme}{config.token}"
        self._http = httpx.Client(
            base_url=config.base_url,
            headers=headers,
            timeout=config.timeout,
            transport=_transport,
        )

    def __enter__(self) -> NationalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def path(self, endpoint: str, **values: str) -> str:
        template = self.mapping.endpoints[endpoint]
        return template.format(
            instansi=httpx_quote(self.config.instansi),
            **{key: httpx_quote(value) for key, value in values.items()},
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        what = f"{method} {path}"
        try:
            response = self._http.request(method, path, params=params, json=body, headers=headers)
        except httpx.TransportError as error:
            raise _unreachable(error, what) from error
        status = response.status_code
        if missing_ok and status == 404:
            return None
        if not response.is_success:
            raise _refused(response, what)
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            raise national_error(
                _(
                    "SP4N-LAPOR! answered %(request)s with something that is not JSON (is "
                    "ADUAN_LAPOR_BASE_URL right?)"
                ),
                retryable=False,
                status=status,
                request=what,
            ) from None
        if not isinstance(data, dict):
            raise national_error(
                _("SP4N-LAPOR! answered %(request)s with %(kind)s, not an object"),
                retryable=False,
                status=status,
                request=what,
                kind=type(data).__name__,
            )
        return data

    def feed(self, cursor: str, limit: int) -> FeedPage:
        """Reports given to (or registered by) this instansi that changed after ``cursor``."""
        return self._page("feed", cursor, limit, stay=cursor)

    def directory(self, cursor: str, limit: int) -> FeedPage:
        """One page of the national directory of instansi (objects as SP4N-LAPOR! sends them)."""
        return self._page("directory", cursor, limit, stay="")

    def _page(self, endpoint: str, cursor: str, limit: int, *, stay: str) -> FeedPage:
        """A page of a cursor-paged list; ``stay`` is the next cursor when none is given."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        data = self._request("GET", self.path(endpoint), params=params) or {}
        items = self.mapping.get(data, "feed_items", [])
        if not isinstance(items, list):
            raise national_error(
                _("SP4N-LAPOR! %(endpoint)s: the item list is not a list"),
                retryable=False,
                endpoint=endpoint,
            )
        return FeedPage(
            items=[item for item in items if isinstance(item, dict)],
            next_cursor=str(self.mapping.get(data, "next_cursor", stay) or stay),
            has_more=bool(self.mapping.get(data, "has_more", False)),
        )

    def report(self, national_id: str) -> dict[str, Any] | None:
        """The national report, or None when SP4N-LAPOR! does not know it (404)."""
        return self._request("GET", self.path("report", national_id=national_id), missing_ok=True)

    def post(
        self, endpoint: str, body: dict[str, Any], *, idempotency_key: str, national_id: str = ""
    ) -> dict[str, Any]:
        path = self.path(endpoint, national_id=national_id) if national_id else self.path(endpoint)
        return self._request("POST", path, body=body, idempotency_key=idempotency_key) or {}

    def download(
        self, national_id: str, reference: str, *, limit: int, max_seconds: float
    ) -> bytes:
        """A file the reporter gave SP4N-LAPOR! with a report. Reads the bytes as sent (no
        content decoding) and at most ``limit`` + 1 of them: a longer file comes back cut, one
        byte too long, for the caller to refuse. Longer than ``max_seconds`` in all: a
        retryable error (a server that trickles bytes cannot hold the run)."""
        path = self.path("attachment_download", national_id=national_id, reference=reference)
        what = f"GET {path}"
        started = time.monotonic()
        try:
            with self._http.stream(
                "GET", path, headers={"Accept-Encoding": "identity"}
            ) as response:
                if not response.is_success:
                    raise _refused(response, what, _head(response))
                content = bytearray()
                for chunk in response.iter_raw():
                    content += chunk
                    if len(content) > limit:
                        break
                    if time.monotonic() - started > max_seconds:
                        raise national_error(
                            _("SP4N-LAPOR! took more than %(seconds)s s to send %(request)s"),
                            retryable=True,
                            seconds=round(max_seconds),
                            request=what,
                        )
                del content[limit + 1 :]
                return bytes(content)
        except httpx.TransportError as error:
            raise _unreachable(error, what) from error


def _head(response: httpx.Response, size: int = 1024) -> str:
    """The start of a streamed error answer, for the message (never the whole of it)."""
    data = bytearray()
    try:
        for chunk in response.iter_raw():
            data += chunk
            if len(data) >= size:
                break
    except httpx.StreamConsumed:  # read already (a transport that does not stream)
        data = bytearray(response.content[:size])
    return bytes(data[:size]).decode("utf-8", "replace")


def _unreachable(error: httpx.TransportError, what: str) -> NationalError:
    if isinstance(error, httpx.TimeoutException):
        return national_error(
            _("SP4N-LAPOR! did not answer in time (%(request)s): %(error)s"),
            retryable=True,
            request=what,
            error=str(error),
        )
    return national_error(
        _("SP4N-LAPOR! could not be reached (%(request)s): %(error)s"),
        retryable=True,
        request=what,
        error=f"{type(error).__name__}: {error}",
    )


def _refused(response: httpx.Response, what: str, text: str | None = None) -> NationalError:
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    text = response.text[:500] if text is None else text[:500]
    return NationalError(
        f"SP4N-LAPOR! answered HTTP {status} to {what}: {text}",
        retryable=status in (408, 429) or status >= 500,
        status=status,
        retry_after=retry_after if status in (429, 503) else None,
        explained=problem(
            _("SP4N-LAPOR! answered HTTP %(status)s to %(request)s: %(answer)s"),
            status=status,
            request=what,
            answer=text,
        ),
    )


def httpx_quote(value: str) -> str:
    """A path segment, escaped (national IDs are ours to trust no more than any input)."""
    return quote(str(value), safe="")


def utc_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
