"""Concurrent duplicates of one POST (same Idempotency-Key) on PostgreSQL: one runs, the other
waits on the key's unique index and replays the first answer. Skipped on SQLite."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from aduan.api.keys import apikey_create
from aduan.api.models import IdempotencyRecord
from aduan.complaints.models import Complaint, Note
from tests.api.conftest import token_for
from tests.api.test_citizen import GUEST, REPORT
from tests.world import World, build_world, make

pytestmark = pytest.mark.postgres

REPEAT = 10
TIMEOUT = 60


@pytest.fixture
def tworld(transactional_db: Any, settings: Any, tmp_path: Any) -> World:
    return build_world(settings, tmp_path)


def _together(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = calls[index]()
        except BaseException as error:
            results[index] = error
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_concurrent_duplicate_notes_run_once(tworld: World) -> None:
    client, key = apikey_create(name="superapp")
    from tests.api.conftest import Api

    token = token_for(Api(key, client), tworld.coordinator)
    complaint = make(tworld, "submitted")
    headers = {"X-API-Key": key, "Authorization": f"Bearer {token}"}
    path = f"/api/v1/staff/complaints/{complaint.tracking_id}/notes/"
    for round_number in range(REPEAT):
        extra = {**headers, "Idempotency-Key": f"note-{round_number}"}

        def call(extra: dict[str, str] = extra) -> Any:
            return Client().post(
                path, {"body": "Cek lokasi"}, content_type="application/json", headers=extra
            )

        first, second = _together([call, call])
        assert not isinstance(first, BaseException), first
        assert not isinstance(second, BaseException), second
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert Note.objects.filter(complaint=complaint).count() == round_number + 1
    assert IdempotencyRecord.objects.count() == REPEAT


def test_concurrent_duplicate_submissions_create_one_complaint(tworld: World) -> None:
    _client, key = apikey_create(name="superapp")
    for round_number in range(REPEAT):
        headers = {"X-API-Key": key, "Idempotency-Key": f"submit-{round_number}"}

        def call(headers: dict[str, str] = headers) -> Any:
            return Client().post(
                "/api/v1/complaints/",
                {**REPORT, **GUEST},
                content_type="application/json",
                headers=headers,
            )

        first, second = _together([call, call])
        assert not isinstance(first, BaseException), first
        assert not isinstance(second, BaseException), second
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert Complaint.objects.count() == round_number + 1
