"""The citizen side: submit, track, act on one's own complaint, support, public list."""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from aduan.api.models import ApiSubmission
from aduan.complaints import services
from aduan.complaints.models import Attachment, Complaint, ReporterReply
from tests.api.conftest import Api, token_for
from tests.world import World, make

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
SECRET = "ACDEFGHJKMNP"
GUEST = {"reporter_name": "Budi", "reporter_phone": "081298765432"}
REPORT = {
    "title": "Lampu jalan mati",
    "description": "Lampu jalan di Jalan Sudirman mati sejak seminggu lalu.",
    "category": "jalan",
}


@pytest.fixture
def known_secret() -> Iterator[None]:
    with mock.patch.object(services, "_new_guest_secret", return_value=SECRET):
        yield


def guest_complaint(world: World, state: str) -> Complaint:
    """A guest's complaint in ``state`` whose secret is ``SECRET``."""
    with mock.patch.object(services, "_new_guest_secret", return_value=SECRET):
        return make(world, state, actor=AnonymousUser(), **GUEST)


def as_guest(api: Api) -> dict[str, str]:
    return {"X-Tracking-Secret": SECRET}


# --- submit -------------------------------------------------------------------------------------


def test_guest_submits_json_and_gets_the_secret_once(world: World, api: Api) -> None:
    response = api.post("/complaints/", {**REPORT, **GUEST})
    assert response.status_code == 201, response.json()
    body = response.json()
    complaint = Complaint.objects.get(tracking_id=body["tracking_id"])
    assert body["secret"] and body["created"] is True and body["status"] == "submitted"
    assert complaint.channel == "superapp" and complaint.reporter is None
    assert complaint.reporter_phone == "+6281298765432"
    assert ApiSubmission.objects.get(complaint=complaint).client == api.client
    assert body["secret"] not in complaint.guest_secret_hash
    mine = api.get(f"/complaints/{body['tracking_id']}/", {"X-Tracking-Secret": body["secret"]})
    assert mine.status_code == 200 and mine.json()["available_actions"] == ["reply"]


def test_coordinates_with_a_phones_precision_are_kept_rounded(world: World, api: Api) -> None:
    response = api.post(
        "/complaints/",
        {**REPORT, **GUEST, "latitude": -0.94712345678, "longitude": "100.36171234567"},
    )
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(tracking_id=response.json()["tracking_id"])
    assert (str(complaint.latitude), str(complaint.longitude)) == ("-0.947123", "100.361712")
    # Out of range is still refused.
    refused = api.post("/complaints/", {**REPORT, **GUEST, "latitude": 91, "longitude": 100})
    assert refused.status_code in (400, 422)


def test_other_clients_submit_on_the_api_channel(world: World, other_api: Api) -> None:
    response = other_api.post("/complaints/", {**REPORT, **GUEST})
    assert Complaint.objects.get(tracking_id=response.json()["tracking_id"]).channel == "api"


def test_account_submits_as_the_token_user(world: World, api: Api) -> None:
    user_api = api.as_user(token_for(api, world.reporter))
    response = user_api.post("/complaints/", REPORT)
    assert response.status_code == 201
    assert response.json()["secret"] is None
    complaint = Complaint.objects.get(tracking_id=response.json()["tracking_id"])
    assert complaint.reporter == world.reporter
    listed = user_api.get("/complaints/mine/").json()["results"]
    assert [c["tracking_id"] for c in listed] == [complaint.tracking_id]


def test_guest_without_contact_is_refused_and_nothing_is_stored(world: World, api: Api) -> None:
    response = api.post("/complaints/", {**REPORT, "reporter_name": "Budi"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    missing = api.post("/complaints/", {"reporter_name": "Budi"})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"title", "description"}
    unknown = api.post("/complaints/", {**REPORT, **GUEST, "category": "nope"})
    assert unknown.status_code == 400 and "category" in unknown.json()["errors"]
    assert not Complaint.objects.exists()


def test_multipart_submit_with_attachments(world: World, api: Api) -> None:
    files = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]
    response = api.post("/complaints/", {**REPORT, **GUEST, "attachments": files}, multipart=True)
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(tracking_id=response.json()["tracking_id"])
    assert complaint.attachments.count() == 2
    assert all(a.from_reporter for a in complaint.attachments.all())
    bad = SimpleUploadedFile("x.png", b"not an image at all")
    refused = api.post("/complaints/", {**REPORT, **GUEST, "attachments": [bad]}, multipart=True)
    assert refused.status_code == 422
    assert Complaint.objects.count() == 1 and Attachment.objects.count() == 2


# --- track --------------------------------------------------------------------------------------


def test_get_by_tracking_id_needs_the_secret_or_the_owner(world: World, api: Api) -> None:
    guest = guest_complaint(world, "dispatched")
    path = f"/complaints/{guest.tracking_id}/"
    assert api.get(path, {"X-Tracking-Secret": SECRET}).status_code == 200
    assert api.get(path, {"X-Tracking-Secret": SECRET.lower()}).status_code == 200
    wrong = api.get(path, {"X-Tracking-Secret": "WRONGWRONG12"})
    assert wrong.status_code == 404
    assert api.get("/complaints/SB-AAAA-AAAA/", {"X-Tracking-Secret": SECRET}).status_code == 404
    assert api.get(path).status_code == 401
    owned = make(world, "in_progress")
    owner = api.as_user(token_for(api, world.reporter))
    body = owner.get(f"/complaints/{owned.tracking_id}/").json()
    assert body["status"] == "in_progress"
    assert [f["agency_code"] for f in body["followups"]] == ["DPU"]
    assert "complaint.dispatched" in [step["action"] for step in body["timeline"]]
    outsider = api.as_user(token_for(api, world.outsider))
    assert outsider.get(f"/complaints/{owned.tracking_id}/").status_code == 404
    # Staff use the staff endpoints; the reporter view is only the reporter's.
    staff = api.as_user(token_for(api, world.coordinator))
    assert staff.get(f"/complaints/{owned.tracking_id}/").status_code == 404


def test_mine_needs_a_token_and_lists_only_own(world: World, api: Api) -> None:
    assert api.get("/complaints/mine/").status_code == 401
    make(world, "submitted")
    make(world, "submitted", actor=world.outsider)
    owner = api.as_user(token_for(api, world.reporter))
    results = owner.get("/complaints/mine/").json()["results"]
    assert len(results) == 1
    assert "reporter_name" not in results[0]


# --- reporter actions ---------------------------------------------------------------------------


def test_guest_replies_with_a_file(world: World, api: Api) -> None:
    complaint = guest_complaint(world, "dispatched")
    response = api.post(
        f"/complaints/{complaint.tracking_id}/reply/",
        {"body": "Sudah dua bulan.", "attachments": [SimpleUploadedFile("c.png", PNG)]},
        headers=as_guest(api),
        multipart=True,
    )
    assert response.status_code == 200, response.json()
    assert ReporterReply.objects.filter(complaint=complaint).count() == 1
    assert complaint.attachments.filter(from_reporter=True).count() == 1
    other = api.as_user(token_for(api, world.outsider))
    refused = other.post(f"/complaints/{complaint.tracking_id}/reply/", {"body": "Halo"})
    assert refused.status_code == 404
    assert ReporterReply.objects.filter(complaint=complaint).count() == 1


def test_account_reopens_then_state_conflict(world: World, api: Api) -> None:
    complaint = make(world, "resolved")
    owner = api.as_user(token_for(api, world.reporter))
    path = f"/complaints/{complaint.tracking_id}/reopen/"
    response = owner.post(path, {"reason": "Belum diperbaiki."})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    again = owner.post(path, {"reason": "Belum diperbaiki."})
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"


def test_rate_closes_and_checks_the_score(world: World, api: Api) -> None:
    complaint = guest_complaint(world, "resolved")
    path = f"/complaints/{complaint.tracking_id}/rate/"
    assert api.post(path, {"score": 9}, headers=as_guest(api)).status_code == 400
    response = api.post(path, {"score": 5, "comment": "Cepat"}, headers=as_guest(api))
    assert response.status_code == 200 and response.json()["status"] == "closed"
    complaint.refresh_from_db()
    assert complaint.rating == 5
    outsider = api.as_user(token_for(api, world.outsider))
    assert outsider.post(path, {"score": 1}).status_code == 404


def test_guest_completes_a_held_complaint(world: World, api: Api) -> None:
    complaint = guest_complaint(world, "on_hold")
    path = f"/complaints/{complaint.tracking_id}/complete/"
    response = api.post(path, {"body": "Lokasinya di depan pasar."}, headers=as_guest(api))
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert api.post(path, {"body": "Lagi."}, headers=as_guest(api)).status_code == 409


# --- public -------------------------------------------------------------------------------------


def test_public_list_has_no_personal_data(world: World, api: Api) -> None:
    public = guest_complaint(world, "dispatched")
    make(world, "submitted")  # not verified: not public
    make(world, "dispatched", is_confidential=True)
    response = api.get("/public/complaints/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["tracking_id"] for c in results] == [public.tracking_id]
    text = response.content.decode()
    for personal in ("Budi", "081298765432", "+6281298765432", "Siti", "warga"):
        assert personal not in text
    assert api.get("/public/complaints/", status="closed").json()["results"] == []
    assert len(api.get("/public/complaints/", agency="DPU").json()["results"]) == 1
    assert len(api.get("/public/complaints/", category="jalan").json()["results"]) == 1
    detail = api.get(f"/public/complaints/{public.tracking_id}/")
    assert detail.status_code == 200 and "Budi" not in detail.content.decode()


def test_support_once_per_person(world: World, api: Api) -> None:
    complaint = make(world, "dispatched")
    path = f"/public/complaints/{complaint.tracking_id}/support/"
    assert api.post(path, {}).status_code == 400  # a guest must say who they are
    first = api.post(path, {"supporter_id": "device-1"})
    assert first.status_code == 200 and first.json() == {"added": True, "support_count": 1}
    assert api.post(path, {"supporter_id": "device-1"}).json()["added"] is False
    outsider = api.as_user(token_for(api, world.outsider))
    assert outsider.post(path, {}).json() == {"added": True, "support_count": 2}
    owner = api.as_user(token_for(api, world.reporter))
    assert owner.post(path, {}).status_code == 403
    hidden = make(world, "submitted")
    assert (
        api.post(
            f"/public/complaints/{hidden.tracking_id}/support/", {"supporter_id": "device-1"}
        ).status_code
        == 404
    )
