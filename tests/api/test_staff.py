"""The staff side: scoped lists and the lifecycle actions, each for a role that may and one
that may not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aduan.complaints.models import Dispatch, FollowUp, Instruction, Note
from aduan.complaints.services import followup_draft, followup_submit
from tests.api.conftest import Api
from tests.world import World, lead_dispatch, make

pytestmark = pytest.mark.django_db

As = Callable[..., Api]


def test_list_is_scoped_like_the_back_office(world: World, api: Api, as_user: As) -> None:
    dispatched = make(world, "dispatched")  # lead DPU, supporting DINKES
    submitted = make(world, "submitted")
    coordinator = as_user(world.coordinator)
    listed = coordinator.get("/staff/complaints/").json()["results"]
    assert {c["tracking_id"] for c in listed} == {dispatched.tracking_id, submitted.tracking_id}
    assert listed[0]["reporter_name"] == "Siti Rahmawati"
    operator = as_user(world.operator)
    assert [c["tracking_id"] for c in operator.get("/staff/complaints/").json()["results"]] == [
        dispatched.tracking_id
    ]
    other = as_user(world.other_liaison)
    assert other.get("/staff/complaints/").json()["results"] == []
    citizen = as_user(world.reporter)  # not staff: refused, as the back office refuses
    assert citizen.get("/staff/complaints/").status_code == 403
    assert api.get("/staff/complaints/").status_code == 401
    by_status = coordinator.get("/staff/complaints/", status="submitted").json()["results"]
    assert [c["tracking_id"] for c in by_status] == [submitted.tracking_id]
    by_agency = coordinator.get("/staff/complaints/", agency="DPU").json()["results"]
    assert [c["tracking_id"] for c in by_agency] == [dispatched.tracking_id]
    assert coordinator.get("/staff/complaints/", status="nope").status_code == 400


def test_detail_hides_anonymous_identity_from_agencies(world: World, api: Api, as_user: As) -> None:
    complaint = make(world, "dispatched", is_anonymous=True)
    path = f"/staff/complaints/{complaint.tracking_id}/"
    coordinator = as_user(world.coordinator).get(path).json()
    assert coordinator["reporter"]["name"] == "Siti Rahmawati"
    operator = as_user(world.operator).get(path).json()
    assert operator["reporter"] is None and operator["reporter_name"] == ""
    assert "Siti" not in str(operator)
    assert as_user(world.other_liaison).get(path).status_code == 404


def _post(user_api: Api, complaint: object, action: str, data: dict[str, object]) -> int:
    tracking_id = complaint.tracking_id  # type: ignore[attr-defined]
    return user_api.post(f"/staff/complaints/{tracking_id}/{action}/", data).status_code


def test_dispatch(world: World, as_user: As) -> None:
    complaint = make(world, "submitted")
    body = {"lead_agency": "DPU", "supporting_agencies": ["DINKES"]}
    assert _post(as_user(world.operator), complaint, "dispatch", body) == 404  # not in scope
    assert _post(as_user(world.leadership), complaint, "dispatch", body) == 403
    assert _post(as_user(world.coordinator), complaint, "dispatch", {"lead_agency": "X"}) == 400
    assert _post(as_user(world.coordinator), complaint, "dispatch", body) == 200
    complaint.refresh_from_db()
    assert complaint.status == "dispatched" and complaint.dispatches.count() == 2
    assert _post(as_user(world.coordinator), complaint, "dispatch", body) == 409


def test_hold_archive_transfer(world: World, as_user: As) -> None:
    coordinator, leader = as_user(world.coordinator), as_user(world.leadership)
    one, two, three = (make(world, "submitted") for _ in range(3))
    assert _post(leader, one, "hold", {"reason": "Lengkapi"}) == 403
    assert _post(coordinator, one, "hold", {"reason": "Lengkapi lokasi"}) == 200
    assert _post(leader, two, "archive", {"reason": "not_a_complaint"}) == 403
    assert _post(coordinator, two, "archive", {"reason": "bogus"}) == 400
    assert _post(coordinator, two, "archive", {"reason": "not_a_complaint"}) == 200
    assert _post(leader, three, "transfer", {"target": "Kota Padang"}) == 403
    assert _post(coordinator, three, "transfer", {"target": "Kota Padang"}) == 200
    for complaint, status in ((one, "on_hold"), (two, "archived"), (three, "transferred")):
        complaint.refresh_from_db()
        assert complaint.status == status


def test_accept_and_decline_dispatch(world: World, as_user: As) -> None:
    complaint = make(world, "dispatched")
    hop = lead_dispatch(complaint)
    base = f"/staff/complaints/{complaint.tracking_id}/dispatches/{hop.pk}"
    assert as_user(world.operator).post(f"{base}/accept/").status_code == 403
    assert as_user(world.liaison).post(f"{base}/accept/").status_code == 200
    hop.refresh_from_db()
    assert hop.state == Dispatch.State.ACCEPTED
    assert as_user(world.liaison).post(f"{base}/accept/").status_code == 409
    other = make(world, "dispatched")
    other_hop = lead_dispatch(other)
    decline = f"/staff/complaints/{other.tracking_id}/dispatches/{other_hop.pk}/decline/"
    assert as_user(world.health_liaison).post(decline, {"reason": "Bukan kami"}).status_code == 403
    response = as_user(world.liaison).post(decline, {"reason": "Bukan wewenang kami"})
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    missing = f"/staff/complaints/{other.tracking_id}/dispatches/999999/accept/"
    assert as_user(world.coordinator).post(missing).status_code == 404


def test_followup_draft_submit_return_approve(world: World, as_user: As) -> None:
    complaint = make(world, "dispatched")
    operator, liaison = as_user(world.operator), as_user(world.liaison)
    assert _post(as_user(world.leadership), complaint, "followups", {"body": "x"}) == 403
    drafted = operator.post(f"/staff/complaints/{complaint.tracking_id}/followups/", {"body": "A"})
    assert drafted.status_code == 200
    followup_id = drafted.json()["followup_id"]
    base = f"/staff/complaints/{complaint.tracking_id}/followups/{followup_id}"
    assert liaison.post(f"{base}/approve/").status_code == 409  # still a draft
    assert operator.post(f"{base}/submit/", {"body": "Perbaikan dijadwalkan."}).status_code == 200
    assert operator.post(f"{base}/return/", {"note": "x"}).status_code == 403
    assert liaison.post(f"{base}/return/", {"note": "Tambahkan tanggal."}).status_code == 200
    assert operator.post(f"{base}/submit/", {}).status_code == 200
    assert operator.post(f"{base}/approve/").status_code == 403
    approved = liaison.post(f"{base}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "in_progress"
    assert FollowUp.objects.get(pk=followup_id).state == FollowUp.State.PUBLISHED


def test_drafts_are_visible_to_their_agency_not_to_supporting_ones(
    world: World, as_user: As
) -> None:
    complaint = make(world, "dispatched")
    draft = followup_draft(actor=world.operator, complaint=complaint, body="Draf internal")
    followup_submit(actor=world.operator, followup=draft)
    path = f"/staff/complaints/{complaint.tracking_id}/"
    assert [f["id"] for f in as_user(world.liaison).get(path).json()["followups"]] == [draft.pk]
    assert as_user(world.health_operator).get(path).json()["followups"] == []


def test_note_resolve_instruct(world: World, as_user: As) -> None:
    complaint = make(world, "in_progress")
    assert _post(as_user(world.other_liaison), complaint, "notes", {"body": "x"}) == 404
    assert _post(as_user(world.operator), complaint, "notes", {"body": "Cek lapangan"}) == 200
    assert Note.objects.filter(complaint=complaint).count() == 1
    assert _post(as_user(world.operator), complaint, "resolve", {}) == 403
    assert _post(as_user(world.liaison), complaint, "resolve", {"note": "Selesai"}) == 200
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert _post(as_user(world.coordinator), complaint, "instructions", {"body": "x"}) == 403
    assert _post(as_user(world.leadership), complaint, "instructions", {"body": "Segera"}) == 200
    assert Instruction.objects.filter(complaint=complaint).count() == 1


def test_staff_endpoints_need_a_user_token(world: World, api: Api) -> None:
    complaint = make(world, "submitted")
    response = api.post(f"/staff/complaints/{complaint.tracking_id}/hold/", {"reason": "x"})
    assert response.status_code == 401
