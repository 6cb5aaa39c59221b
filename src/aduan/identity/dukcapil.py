"""The online NIK check: Dukcapil's web service, where an instansi has access to it.

Dukcapil (Direktorat Jenderal Kependudukan dan Pencatatan Sipil) gives registered agencies a web
service, reached from whitelisted IP addresses with a user id and password. The call used here
is "verify by elements": the agency sends a NIK with the data it holds (name, optionally birth
date) and gets one flag per field, ``SESUAI`` or ``TIDAK SESUAI`` (sometimes with a name score,
``Sesuai (100)``); it never returns the population data itself.

    POST <ADUAN_DUKCAPIL_URL>        e.g. https://<host>:8000/dukcapil/get_json/<INSTANSI>/CALL_VERIFY_BY_ELEMEN
    {"USER_ID": …, "PASSWORD": …, "IP_USER": …, "TRESHOLD": "90",
     "NIK": "1371014101990001", "NAMA_LGKP": "SITI RAHMAWATI", "TGL_LHR": "01-01-1999"}
    → {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)", "TGL_LHR": "Sesuai"}], …}
    → {"content": [{"RESPONSE_CODE": "…", "RESPONSE": "Data Tidak Ditemukan"}], …}

The adapter answers ``matched``, ``not_matched`` or ``unavailable`` and never raises on network
trouble: a timeout, a refused connection, an HTTP error, an answer it cannot read, or a refusal
of our credentials are all ``unavailable``, and the offline verdict then stands. Nothing it logs
carries the NIK or the name.

Another provider (a provincial gateway, a broker) plugs in through ``ADUAN_NIK_ONLINE_ADAPTER``:
a dotted path to a class with ``from_settings()`` and ``verify(...)`` like ``DukcapilAdapter``.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# A RESPONSE text with one of these means "no such NIK", not "we could not answer".
_NOT_FOUND = re.compile(r"tidak\s+ditemukan|tidak\s+terdaftar|not\s+found", re.IGNORECASE)
_SCORE = re.compile(r"\(.*?\)")
FIELD_NIK = "NIK"
FIELD_NAME = "NAMA_LGKP"
FIELD_BIRTH_DATE = "TGL_LHR"


class OnlineResult(StrEnum):
    MATCHED = "matched"
    NOT_MATCHED = "not_matched"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class OnlineAnswer:
    """What the online check said. ``reason`` is a short code (never personal data):

    matched: ``ok``; not matched: ``nik_not_found``, ``nik_mismatch``, ``name_mismatch``,
    ``birth_date_mismatch``; unavailable: ``not_configured``, ``timeout``, ``connection``,
    ``server_error``, ``rate_limited``, ``refused`` (credentials, IP or quota), ``http_error``,
    ``malformed``.
    """

    result: OnlineResult
    reason: str
    fields: dict[str, bool] = field(default_factory=dict)  # per-field flags, never values
    http_status: int | None = None
    response_code: str = ""
    duration_ms: int = 0

    @property
    def matched(self) -> bool:
        return self.result is OnlineResult.MATCHED


class NikVerifier(Protocol):
    """An online NIK check (Dukcapil's web service, or a stand-in for another provider)."""

    def verify(self, *, nik: str, name: str, birth_date: date | None = None) -> OnlineAnswer: ...


def _flag(value: Any) -> bool | None:
    """``Sesuai`` / ``Sesuai (100)`` → True, ``Tidak Sesuai (40)`` → False, anything else None."""
    if not isinstance(value, str):
        return None
    text = " ".join(_SCORE.sub(" ", value).upper().split())
    if text == "SESUAI":
        return True
    if text == "TIDAK SESUAI":
        return False
    return None


@functools.lru_cache(maxsize=4)
def _shared_client(timeout: float, verify: str | bool) -> httpx.Client:
    # One pooled client per process and configuration, as aduan.channels.transport does.
    return httpx.Client(timeout=timeout, verify=verify, follow_redirects=False)


class DukcapilAdapter:
    """Dukcapil's "verify by elements" call over HTTP (see the module docstring)."""

    def __init__(
        self,
        *,
        url: str,
        user_id: str,
        password: str,
        ip_user: str = "",
        threshold: int = 90,
        timeout: float = 10.0,
        ca_bundle: str = "",
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.user_id = user_id
        self.password = password
        self.ip_user = ip_user
        self.threshold = threshold
        self.timeout = timeout
        self._client = client or _shared_client(timeout, ca_bundle or True)

    @classmethod
    def from_settings(cls) -> DukcapilAdapter | None:
        """The adapter ``ADUAN_DUKCAPIL_*`` describes, or None when it is not configured."""
        url = getattr(settings, "ADUAN_DUKCAPIL_URL", "")
        user_id = getattr(settings, "ADUAN_DUKCAPIL_USER_ID", "")
        password = getattr(settings, "ADUAN_DUKCAPIL_PASSWORD", "")
        if not (url and user_id and password):
            return None
        return cls(
            url=url,
            user_id=user_id,
            password=password,
            ip_user=getattr(settings, "ADUAN_DUKCAPIL_IP_USER", ""),
            threshold=int(getattr(settings, "ADUAN_DUKCAPIL_NAME_THRESHOLD", 90)),
            timeout=float(getattr(settings, "ADUAN_DUKCAPIL_TIMEOUT_SECONDS", 10)),
            ca_bundle=getattr(settings, "ADUAN_DUKCAPIL_CA_BUNDLE", ""),
        )

    def request_body(self, *, nik: str, name: str, birth_date: date | None) -> dict[str, str]:
        body = {
            "USER_ID": self.user_id,
            "PASSWORD": self.password,
            "IP_USER": self.ip_user,
            "TRESHOLD": str(self.threshold),  # sic: the service's own spelling
            FIELD_NIK: nik,
            # Dukcapil keeps names in capitals; its fuzzy match scores the rest.
            FIELD_NAME: " ".join(name.split()).upper(),
        }
        if birth_date is not None:
            body[FIELD_BIRTH_DATE] = birth_date.strftime("%d-%m-%Y")
        return body

    def verify(self, *, nik: str, name: str, birth_date: date | None = None) -> OnlineAnswer:
        """Ask whether ``nik`` is registered to ``name`` (and ``birth_date``). Never raises on
        network or service trouble: that is an ``unavailable`` answer."""
        started = time.monotonic()
        body = self.request_body(nik=nik, name=name, birth_date=birth_date)
        try:
            response = self._client.post(
                self.url, json=body, headers={"Accept": "application/json"}
            )
        except httpx.TimeoutException:
            return self._unavailable("timeout", started)
        except httpx.HTTPError as error:
            logger.warning("dukcapil: %s", type(error).__name__)
            return self._unavailable("connection", started)
        status = response.status_code
        if status >= 500:
            return self._unavailable("server_error", started, status)
        if status == 429:
            return self._unavailable("rate_limited", started, status)
        if status in (401, 403):
            logger.error("dukcapil: HTTP %s: check the user id, password and IP whitelist", status)
            return self._unavailable("refused", started, status)
        if status != 200:
            logger.error("dukcapil: HTTP %s", status)
            return self._unavailable("http_error", started, status)
        answer = self._read(response, sent_birth_date=birth_date is not None)
        return OnlineAnswer(
            result=answer.result,
            reason=answer.reason,
            fields=answer.fields,
            http_status=status,
            response_code=answer.response_code,
            duration_ms=_elapsed_ms(started),
        )

    def _read(self, response: httpx.Response, *, sent_birth_date: bool) -> OnlineAnswer:
        try:
            data = response.json()
            element = data["content"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return OnlineAnswer(OnlineResult.UNAVAILABLE, "malformed")
        if not isinstance(element, dict):
            return OnlineAnswer(OnlineResult.UNAVAILABLE, "malformed")
        if "RESPONSE_CODE" in element:
            code = str(element.get("RESPONSE_CODE", ""))[:20]
            if _NOT_FOUND.search(str(element.get("RESPONSE", ""))):
                return OnlineAnswer(OnlineResult.NOT_MATCHED, "nik_not_found", response_code=code)
            # Wrong credentials, an IP not on the whitelist, a spent quota: ours to fix.
            logger.error("dukcapil: refused with RESPONSE_CODE %s", code)
            return OnlineAnswer(OnlineResult.UNAVAILABLE, "refused", response_code=code)
        wanted = [FIELD_NAME, *([FIELD_BIRTH_DATE] if sent_birth_date else [])]
        if FIELD_NIK in element:
            wanted.insert(0, FIELD_NIK)
        flags: dict[str, bool] = {}
        for name in wanted:
            flag = _flag(element.get(name))
            if flag is None:
                return OnlineAnswer(OnlineResult.UNAVAILABLE, "malformed")
            flags[name] = flag
        for name, reason in (
            (FIELD_NIK, "nik_mismatch"),
            (FIELD_NAME, "name_mismatch"),
            (FIELD_BIRTH_DATE, "birth_date_mismatch"),
        ):
            if flags.get(name) is False:
                return OnlineAnswer(OnlineResult.NOT_MATCHED, reason, fields=flags)
        return OnlineAnswer(OnlineResult.MATCHED, "ok", fields=flags)

    def _unavailable(self, reason: str, started: float, status: int | None = None) -> OnlineAnswer:
        logger.warning("dukcapil: unavailable (%s)", reason)
        return OnlineAnswer(
            OnlineResult.UNAVAILABLE, reason, http_status=status, duration_ms=_elapsed_ms(started)
        )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def online_verifier() -> NikVerifier | None:
    """The configured online check, or None (then only the offline validation runs)."""
    path = getattr(settings, "ADUAN_NIK_ONLINE_ADAPTER", "") or (
        "aduan.identity.dukcapil.DukcapilAdapter"
    )
    adapter_class = import_string(path)
    verifier: NikVerifier | None = adapter_class.from_settings()
    return verifier


def online_configured() -> bool:
    return online_verifier() is not None
