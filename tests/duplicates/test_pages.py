"""The verification queue's badge, the complaint page's list, dismissing and merging."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from aduan.complaints import services as complaint_services
from aduan.complaints.models import ArchiveReason, Complaint, Follower, Status
from aduan.core.errors import TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.duplicates import services
from aduan.duplicates.models import DuplicateCandidate, DuplicateScan
from tests.duplicates.conftest import MakeAt
from tests.world import World

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def page(client: Client, complaint: Complaint) -> str:
    response = client.get(f"/staf/aduan/{complaint.tracking_id}/")
    assert response.status_code == 200
    return response.content.decode()


def candidates_on(html: str) -> list[str]:
    return re.findall(r'data-candidate="([^"]+)"', html)


def pair_of(new: Complaint) -> tuple[Complaint, DuplicateCandidate]:
    services.duplicates_detect(complaint=new)
    pair = DuplicateCandidate.objects.get(complaint=new)
    return pair.candidate, pair


def test_the_verification_queue_marks_rows_with_a_possible_duplicate(
    make_at: MakeAt, client_for: ClientFor
) -> None:
    old, new = make_at(3), make_at(0)
    alone = make_at(1, title="Akta", description="Akta kelahiran belum terbit empat minggu.")
    services.duplicates_detect(complaint=new)
    html = client_for("coordinator").get("/staf/verifikasi/").content.decode()
    badges = {
        c.tracking_id: bool(
            re.search(
                r'value="' + re.escape(c.tracking_id) + r'"(?:(?!</tr>).)*data-possible-duplicate',
                html,
                re.S,
            )
        )
        for c in (old, new, alone)
    }
    assert badges == {old.tracking_id: True, new.tracking_id: True, alone.tracking_id: False}
    assert "Possible duplicate" in html


def test_the_coordinator_sees_the_candidates_with_reasons_and_merge_buttons(
    make_at: MakeAt, client_for: ClientFor
) -> None:
    old = make_at(2)
    new = make_at(0)
    services.duplicates_detect(complaint=new)
    client = client_for("coordinator")
    html = page(client, new)
    assert candidates_on(html) == [old.tracking_id]
    assert "same kelurahan · same category · 2 days earlier" in html
    assert f'action="/staf/aduan/{new.tracking_id}/gabungkan/"' in html
    assert f'name="merge-into" value="{old.tracking_id}"' in html
    # Seen from the older complaint: the same pair, the other way round.
    older = page(client, old)
    assert candidates_on(older) == [new.tracking_id]
    assert "2 days later" in older


def test_an_officer_sees_only_the_candidates_of_complaints_they_may_see(
    world: World, make_at: MakeAt, client_for: ClientFor
) -> None:
    old = make_at(2, state="dispatched")  # to public works (and health as support)
    new = make_at(0)
    complaint_services.complaint_dispatch(
        actor=world.coordinator, complaint=new, lead_agency=world.education
    )
    services.duplicates_detect(complaint=new)
    assert DuplicateCandidate.objects.count() == 1
    # The education liaison sees the new complaint, not the old one: no candidate, no buttons.
    html = page(client_for("other_liaison"), new)
    assert candidates_on(html) == [] and 'id="duplicates"' not in html
    # The public-works operator sees the old one, not the new one.
    assert candidates_on(page(client_for("operator"), old)) == []
    assert candidates_on(page(client_for("coordinator"), old)) == [new.tracking_id]


def test_not_a_duplicate_dismisses_the_pair_with_an_audit_event(
    world: World, make_at: MakeAt, client_for: ClientFor
) -> None:
    new = make_at(0)
    make_at(1)
    old, pair = pair_of(new)
    url = f"/staf/duplikat/aduan/{new.tracking_id}/bukan-duplikat/{pair.pk}/"
    assert client_for("operator").post(url).status_code == 404  # may not see the complaint
    client = client_for("coordinator")
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/staf/aduan/{new.tracking_id}/"
    pair.refresh_from_db()
    assert pair.dismissed_by == world.coordinator and pair.dismissed_at is not None
    event = AuditEvent.objects.get(action="complaint.duplicate_dismissed")
    assert (event.target_id, event.data) == (str(new.pk), {"duplicate": old.tracking_id})
    assert candidates_on(page(client, new)) == [] and candidates_on(page(client, old)) == []
    # Detection does not bring it back.
    services.duplicates_detect(complaint=new)
    services.duplicates_detect(complaint=old)
    assert DuplicateCandidate.objects.count() == 1
    # A pair of other complaints cannot be dismissed through this one.
    third = make_at(0, title="Akta", description="Akta kelahiran belum terbit empat minggu.")
    other = f"/staf/duplikat/aduan/{third.tracking_id}/bukan-duplikat/{pair.pk}/"
    assert client.post(other, follow=True).status_code == 200
    assert AuditEvent.objects.filter(action="complaint.duplicate_dismissed").count() == 1


def test_merging_from_a_candidate_archives_the_duplicate_with_a_link(
    world: World, make_at: MakeAt, client_for: ClientFor
) -> None:
    old = make_at(3, state="dispatched")
    new = make_at(0)
    services.duplicates_detect(complaint=new)
    client = client_for("coordinator")
    html = page(client, new)
    form = re.search(r'<form method="post" action="([^"]+gabungkan/)"(.*?)</form>', html, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    response = client.post(form.group(1), fields)
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.status == Status.ARCHIVED and new.archive_reason == ArchiveReason.DUPLICATE
    assert new.merged_into == old
    assert Follower.objects.filter(complaint=old, source=new).exists()
    # Its reporter is led to the report that goes on, on its public page.
    reporter = Client()
    reporter.force_login(new.reporter)
    track = reporter.get(f"/lacak/{new.tracking_id}/").content.decode()
    assert f'<a href="/laporan/{old.tracking_id}/">{old.tracking_id}</a>' in track
    # Merged: the old one no longer offers it as a candidate to merge.
    assert "data-possible-duplicate" not in client.get("/staf/verifikasi/").content.decode()
    # Nor does either page show the pair any more, and it cannot be called "not a duplicate".
    assert candidates_on(page(client, old)) == candidates_on(page(client, new)) == []
    pair = DuplicateCandidate.objects.get(complaint=new)
    with pytest.raises(TransitionNotAllowed):
        services.duplicate_dismiss(actor=world.coordinator, pair=pair, complaint=old)
    assert not AuditEvent.objects.filter(action="complaint.duplicate_dismissed").exists()


def test_a_coordinator_opening_an_unscanned_complaint_scans_it(
    make_at: MakeAt, client_for: ClientFor
) -> None:
    old, new = make_at(2), make_at(0)
    assert not DuplicateScan.objects.exists()  # as after loadgen: no signal ran the detection
    assert candidates_on(page(client_for("leadership"), new)) == []
    assert not DuplicateScan.objects.exists()  # only coordinators trigger the scan
    assert candidates_on(page(client_for("coordinator"), new)) == [old.tracking_id]
    assert DuplicateScan.objects.filter(complaint=new).exists()
