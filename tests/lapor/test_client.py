"""The HTTP adapter: headers, errors sorted into retryable and permanent, Retry-After, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from unittest import mock

import httpx
import pytest

from aduan.core import clock
from aduan.lapor.client import NationalClient, NationalError, parse_retry_after, use_transport
from aduan.lapor.config import load_config
from aduan.lapor.sync import backoff_seconds
from tests.lapor.conftest import configure


@pytest.fixture
def answers(settings: Any) -> Any:
    configure(settings)
    seen: list[httpx.Request] = []
    queue: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with use_transport(httpx.MockTransport(handler)), NationalClient(load_config()) as client:
        yield client, queue, seen


def test_requests_carry_the_token_and_the_idempotency_key(answers: Any) -> None:
    client, queue, seen = answers
    queue.append(httpx.Response(201, json={"tracking_id": "LAP-1"}))
    assert client.post("register", {"judul": "x"}, idempotency_key="aduan:X:register-c1") == {
        "tracking_id": "LAP-1"
    }
    request = seen[0]
    assert request.url == "https://lapor.test/api/v1/laporan"
    assert request.headers["Authorization"] == "Bearer token-rahasia"
    assert request.headers["Idempotency-Key"] == "aduan:X:register-c1"
    assert request.headers["Content-Type"] == "application/json"


def test_national_ids_are_escaped_in_paths(answers: Any) -> None:
    client, queue, seen = answers
    queue.append(httpx.Response(200, json={}))
    client.post("status", {}, idempotency_key="k", national_id="../admin?x=1")
    assert seen[0].url.raw_path == b"/api/v1/laporan/..%2Fadmin%3Fx%3D1/status"


@pytest.mark.parametrize(
    ("answer", "retryable", "status"),
    [
        (httpx.ReadTimeout("slow"), True, None),
        (httpx.ConnectError("refused"), True, None),
        (httpx.Response(500, text="boom"), True, 500),
        (httpx.Response(503, text="maintenance"), True, 503),
        (httpx.Response(408, text="timeout"), True, 408),
        (httpx.Response(429, headers={"Retry-After": "120"}), True, 429),
        (httpx.Response(400, json={"error": "judul wajib"}), False, 400),
        (httpx.Response(401, json={"error": "token"}), False, 401),
        (httpx.Response(422, json={"error": "status"}), False, 422),
        (httpx.Response(200, text="<html>login</html>"), False, 200),
        (httpx.Response(200, json=[1, 2]), False, 200),
    ],
)
def test_errors_are_retryable_or_permanent(
    answers: Any, answer: Any, retryable: bool, status: int | None
) -> None:
    client, queue, _seen = answers
    queue.append(answer)
    with pytest.raises(NationalError) as raised:
        client.post("followup", {}, idempotency_key="k", national_id="LAP-1")
    assert raised.value.retryable is retryable
    assert raised.value.status == status
    assert raised.value.retry_after == (120 if status == 429 else None)
    assert "SP4N-LAPOR!" in str(raised.value)


def test_a_missing_report_is_none(answers: Any) -> None:
    client, queue, _seen = answers
    queue.append(httpx.Response(404, json={}))
    assert client.report("LAP-404") is None


def test_feed_pages(answers: Any) -> None:
    client, queue, seen = answers
    queue.append(
        httpx.Response(200, json={"data": [{"a": 1}, "junk"], "next_cursor": "9", "has_more": True})
    )
    page = client.feed("4", 5)
    assert (page.items, page.next_cursor, page.has_more) == ([{"a": 1}], "9", True)
    assert seen[0].url.params["cursor"] == "4" and seen[0].url.params["limit"] == "5"
    queue.append(httpx.Response(200, json={"data": "nope"}))
    with pytest.raises(NationalError):
        client.feed("", 5)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with mock.patch.object(clock, "now", return_value=now):
        assert parse_retry_after("30") == 30
        assert parse_retry_after(format_datetime(now + timedelta(minutes=2), usegmt=True)) == 120
        assert parse_retry_after(format_datetime(now - timedelta(minutes=2), usegmt=True)) == 0
        assert parse_retry_after("soon") is None
        assert parse_retry_after("") is None
        assert parse_retry_after("99999999") == 24 * 3600


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    low = [backoff_seconds(n, base=30, cap=3600, rng=lambda: 0.0) for n in range(1, 10)]
    high = [backoff_seconds(n, base=30, cap=3600, rng=lambda: 1.0) for n in range(1, 10)]
    assert high == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert low == [value / 2 for value in high]
    for attempts in range(1, 10):
        value = backoff_seconds(attempts, base=30, cap=3600)
        assert high[attempts - 1] / 2 <= value <= high[attempts - 1]


def test_backoff_honours_retry_after() -> None:
    assert backoff_seconds(1, base=30, cap=3600, retry_after=300) == 300
    assert backoff_seconds(9, base=30, cap=3600, retry_after=5) == 5
    assert backoff_seconds(1, base=30, cap=3600, retry_after=0) == 1
