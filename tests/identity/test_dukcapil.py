"""The Dukcapil adapter against the simulator over real HTTP: matched, not matched, and every
way of being unavailable (timeout, refused connection, 5xx, 429, refused credentials, malformed
answers), never raising and never logging the NIK or the name."""

from __future__ import annotations

import logging
import socket
from datetime import date
from typing import Any

import httpx
import pytest

from aduan.identity.dukcapil import (
    DukcapilAdapter,
    OnlineResult,
    _flag,
    online_configured,
    online_verifier,
)
from tests.identity.conftest import BUDI_NIK, SITI_NAME, SITI_NIK
from tests.identity.simulator import DukcapilSimulator


def adapter() -> DukcapilAdapter:
    configured = DukcapilAdapter.from_settings()
    assert configured is not None
    return configured


def test_not_configured_means_no_online_check(settings: Any) -> None:
    settings.ADUAN_DUKCAPIL_URL = ""
    assert DukcapilAdapter.from_settings() is None
    assert online_verifier() is None and not online_configured()
    settings.ADUAN_DUKCAPIL_URL = "https://dukcapil.example/verify"
    settings.ADUAN_DUKCAPIL_USER_ID = "user"
    settings.ADUAN_DUKCAPIL_PASSWORD = ""
    assert DukcapilAdapter.from_settings() is None


def test_another_provider_plugs_in_by_dotted_path(settings: Any) -> None:
    settings.ADUAN_NIK_ONLINE_ADAPTER = "tests.identity.test_dukcapil.AlwaysMatches"
    verifier = online_verifier()
    assert verifier is not None
    assert verifier.verify(nik=SITI_NIK, name="x").result is OnlineResult.MATCHED


class AlwaysMatches:
    @classmethod
    def from_settings(cls) -> AlwaysMatches:
        return cls()

    def verify(self, *, nik: str, name: str, birth_date: date | None = None) -> Any:
        from aduan.identity.dukcapil import OnlineAnswer

        return OnlineAnswer(OnlineResult.MATCHED, "ok")


def test_match(dukcapil: DukcapilSimulator) -> None:
    answer = adapter().verify(nik=SITI_NIK, name="siti  rahmawati")

    assert answer.result is OnlineResult.MATCHED and answer.matched
    assert answer.reason == "ok" and answer.fields == {"NIK": True, "NAMA_LGKP": True}
    assert answer.http_status == 200
    sent = dukcapil.received[-1]
    assert sent["NIK"] == SITI_NIK and sent["NAMA_LGKP"] == "SITI RAHMAWATI"
    assert sent["USER_ID"] == "aduan-sumbar" and sent["IP_USER"] == "10.13.0.5"
    assert sent["TRESHOLD"] == "90" and "TGL_LHR" not in sent


def test_match_with_birth_date(dukcapil: DukcapilSimulator) -> None:
    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME, birth_date=date(1999, 1, 1))

    assert answer.result is OnlineResult.MATCHED
    assert answer.fields == {"NIK": True, "NAMA_LGKP": True, "TGL_LHR": True}
    assert dukcapil.received[-1]["TGL_LHR"] == "01-01-1999"


def test_name_mismatch(dukcapil: DukcapilSimulator) -> None:
    answer = adapter().verify(nik=SITI_NIK, name="Budi Santoso")

    assert answer.result is OnlineResult.NOT_MATCHED and answer.reason == "name_mismatch"
    assert answer.fields == {"NIK": True, "NAMA_LGKP": False}


def test_birth_date_mismatch(dukcapil: DukcapilSimulator) -> None:
    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME, birth_date=date(1999, 1, 2))

    assert answer.result is OnlineResult.NOT_MATCHED and answer.reason == "birth_date_mismatch"


def test_unknown_nik_is_not_matched(dukcapil: DukcapilSimulator) -> None:
    answer = adapter().verify(nik=BUDI_NIK, name="Budi Santoso")

    assert answer.result is OnlineResult.NOT_MATCHED and answer.reason == "nik_not_found"
    assert answer.response_code == "13"


def test_refused_credentials_are_unavailable_not_a_mismatch(
    dukcapil: DukcapilSimulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ADUAN_DUKCAPIL_PASSWORD = "wrong"
    with caplog.at_level(logging.WARNING, logger="aduan.identity"):
        answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME)

    assert answer.result is OnlineResult.UNAVAILABLE and answer.reason == "refused"
    assert answer.response_code == "05"
    assert "RESPONSE_CODE 05" in caplog.text


def test_timeout_is_unavailable(dukcapil: DukcapilSimulator, settings: Any) -> None:
    settings.ADUAN_DUKCAPIL_TIMEOUT_SECONDS = 0.2
    release = dukcapil.hang_next()
    try:
        answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME)
    finally:
        release.set()

    assert answer.result is OnlineResult.UNAVAILABLE and answer.reason == "timeout"
    assert answer.http_status is None and answer.duration_ms >= 150


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "server_error"),
        (502, "server_error"),
        (503, "server_error"),
        (429, "rate_limited"),
        (401, "refused"),
        (403, "refused"),
        (404, "http_error"),
    ],
)
def test_http_errors_are_unavailable(dukcapil: DukcapilSimulator, status: int, reason: str) -> None:
    dukcapil.fail_next(status)
    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME)

    assert answer.result is OnlineResult.UNAVAILABLE
    assert (answer.reason, answer.http_status) == (reason, status)
    # The next call is answered normally: nothing is stuck.
    assert adapter().verify(nik=SITI_NIK, name=SITI_NAME).matched


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Gateway</html>",
        b"",
        b"[]",
        b'{"content": []}',
        b'{"content": "none"}',
        b'{"content": ["Sesuai"]}',
        b'{"content": [{"NIK": "Sesuai"}]}',  # no name flag
        b'{"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Mungkin"}]}',
        b'{"content": [{"NIK": "Sesuai", "NAMA_LGKP": 100}]}',
        b'{"rows": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai"}]}',
    ],
)
def test_malformed_answers_are_unavailable(dukcapil: DukcapilSimulator, body: bytes) -> None:
    dukcapil.answer_next(body)
    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME)

    assert answer.result is OnlineResult.UNAVAILABLE and answer.reason == "malformed"
    assert answer.http_status == 200


def test_a_missing_birth_date_flag_is_malformed_when_one_was_sent(
    dukcapil: DukcapilSimulator,
) -> None:
    dukcapil.answer_next(b'{"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (95)"}]}')
    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME, birth_date=date(1999, 1, 1))

    assert answer.reason == "malformed"


def test_a_closed_port_is_unavailable(settings: Any) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.ADUAN_DUKCAPIL_URL = f"http://127.0.0.1:{port}/verify"
    settings.ADUAN_DUKCAPIL_USER_ID = "user"
    settings.ADUAN_DUKCAPIL_PASSWORD = "secret"

    answer = adapter().verify(nik=SITI_NIK, name=SITI_NAME)

    assert answer.result is OnlineResult.UNAVAILABLE and answer.reason == "connection"


def test_any_transport_error_is_unavailable() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    client = httpx.Client(transport=httpx.MockTransport(broken))
    answer = DukcapilAdapter(
        url="https://dukcapil.example/verify", user_id="u", password="p", client=client
    ).verify(nik=SITI_NIK, name=SITI_NAME)

    assert answer.result is OnlineResult.UNAVAILABLE and answer.reason == "connection"


def test_nothing_logged_carries_the_nik_or_the_name(
    dukcapil: DukcapilSimulator, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    with caplog.at_level(logging.DEBUG):
        adapter().verify(nik=SITI_NIK, name=SITI_NAME)
        dukcapil.fail_next(500)
        adapter().verify(nik=SITI_NIK, name=SITI_NAME)
        dukcapil.answer_next(
            b'{"content": [{"RESPONSE_CODE": "99", "RESPONSE": "NIK 1371014101990001 diblokir"}]}'
        )
        adapter().verify(nik=SITI_NIK, name=SITI_NAME)

    assert caplog.records  # something was logged
    assert SITI_NIK not in caplog.text and "RAHMAWATI" not in caplog.text.upper()
    assert settings.ADUAN_DUKCAPIL_PASSWORD not in caplog.text


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("Sesuai", True),
        ("SESUAI", True),
        ("Sesuai (100)", True),
        (" sesuai ", True),
        ("Tidak Sesuai", False),
        ("TIDAK SESUAI (45)", False),
        ("tidak  sesuai", False),
        ("", None),
        ("Ya", None),
        (None, None),
        (1, None),
    ],
)
def test_field_flags(value: Any, flag: bool | None) -> None:
    assert _flag(value) is flag
