"""Idempotency-Key: a retried POST returns the first answer and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aduan.api.models import IdempotencyRecord, UserToken, WebhookSubscription
from aduan.complaints.models import Attachment, Complaint, Note
from aduan.core import clock
from tests.api.conftest import PASSWORD, Api, give_password
from tests.api.test_citizen import GUEST, PNG, REPORT
from tests.world import World, frozen_at, make

pytestmark = pytest.mark.django_db


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_retried_submit_returns_the_first_answer(world: World, api: Api) -> None:
    first = api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-1"))
    again = api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-1"))
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["tracking_id"] == first.json()["tracking_id"]
    assert again.json()["secret"] == first.json()["secret"]  # a guest who lost the answer
    assert Complaint.objects.count() == 1
    # The secret is never stored with the key.
    assert IdempotencyRecord.objects.get().body["secret"] is None
    assert first.json()["secret"] not in str(IdempotencyRecord.objects.get().body)


def test_same_key_with_another_body_is_a_422_problem(world: World, api: Api) -> None:
    api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-2"))
    changed = api.post("/complaints/", {**REPORT, **GUEST, "title": "Lain"}, headers=key("k-2"))
    assert changed.status_code == 422
    assert changed["Content-Type"] == "application/problem+json"
    assert changed.json()["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_multipart_submit_replay_creates_nothing(world: World, api: Api) -> None:
    def send(content: bytes = PNG) -> object:
        files = [SimpleUploadedFile("a.png", content)]
        return api.post(
            "/complaints/",
            {**REPORT, **GUEST, "attachments": files},
            headers=key("k-3"),
            multipart=True,
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 201  # type: ignore[attr-defined]
    assert again.json() == first.json()  # type: ignore[attr-defined]
    assert Complaint.objects.count() == 1 and Attachment.objects.count() == 1
    other_file = send(PNG + b"\x00")  # same key, another file: not the same request
    assert other_file.status_code == 422  # type: ignore[attr-defined]


def test_keys_are_scoped_by_client_and_user(world: World, api: Api, other_api: Api) -> None:
    assert api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-4")).status_code == 201
    other = other_api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-4"))
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Complaint.objects.count() == 2


def test_staff_action_retry_replays_instead_of_conflicting(world: World, as_user: object) -> None:
    complaint = make(world, "submitted")
    coordinator = as_user(world.coordinator)  # type: ignore[operator]
    path = f"/staff/complaints/{complaint.tracking_id}/hold/"
    first = coordinator.post(path, {"reason": "Lengkapi lokasi"}, headers=key("h-1"))
    again = coordinator.post(path, {"reason": "Lengkapi lokasi"}, headers=key("h-1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    without_key = coordinator.post(path, {"reason": "Lengkapi lokasi"})
    assert without_key.status_code == 409  # a real second attempt is refused by the service
    note = f"/staff/complaints/{complaint.tracking_id}/notes/"
    coordinator.post(note, {"body": "Satu"}, headers=key("n-1"))
    coordinator.post(note, {"body": "Satu"}, headers=key("n-1"))
    assert Note.objects.count() == 1


def test_a_refused_request_does_not_use_up_its_key(world: World, api: Api) -> None:
    refused = api.post("/complaints/", {**REPORT, "reporter_name": "Budi"}, headers=key("k-5"))
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    fixed = api.post("/complaints/", {**REPORT, **GUEST}, headers=key("k-5"))
    assert fixed.status_code == 201


def test_keys_expire_after_24_hours(world: World, api: Api) -> None:
    note_maker = make(world, "submitted")
    del note_maker
    api.post(
        "/webhooks/",
        {"url": "http://127.0.0.1:9/", "events": ["complaint.dispatched"]},
        headers=key("w-1"),
    )
    replay = api.post(
        "/webhooks/",
        {"url": "http://127.0.0.1:9/", "events": ["complaint.dispatched"]},
        headers=key("w-1"),
    )
    assert replay.status_code == 201 and replay.json()["secret"] is None  # shown once
    assert WebhookSubscription.objects.count() == 1
    with frozen_at(clock.now() + timedelta(hours=25)):
        later = api.post(
            "/webhooks/",
            {"url": "http://127.0.0.1:9/", "events": ["complaint.dispatched"]},
            headers=key("w-1"),
        )
    assert later.status_code == 201 and later.json()["secret"]
    assert WebhookSubscription.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_sign_in_replay_gives_no_second_token(world: World, api: Api) -> None:
    give_password(world.reporter)
    body = {"username": "warga", "password": PASSWORD}
    first = api.post("/auth/token/", body, headers=key("t-1"))
    again = api.post("/auth/token/", body, headers=key("t-1"))
    assert first.json()["token"] and again.json()["token"] is None
    assert UserToken.objects.count() == 1


def test_overlong_key_is_a_field_error(world: World, api: Api) -> None:
    response = api.post("/complaints/", {**REPORT, **GUEST}, headers=key("x" * 300))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
