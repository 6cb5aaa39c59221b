"""Fault injection: many sync rounds while people act on both sides and the national system times
out (before and after doing the work), answers 5xx and 429, delivers feed items twice, delivers
older versions after newer ones and serves pages again. Once the faults stop, both sides must be
equal (reconcile finds nothing), with nothing lost and nothing applied twice."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aduan.complaints import services
from aduan.complaints.models import Attachment, Channel, Complaint, FollowUp, ReporterReply, Status
from aduan.core.errors import DomainError
from aduan.lapor.models import NationalLink, OutboundMessage
from aduan.lapor.outbox import attachment_reference, followup_reference
from aduan.lapor.reconcile import reconcile
from aduan.lapor.sync import sync
from tests.lapor.conftest import INSTANSI, FakeClock
from tests.lapor.simulator import NationalSimulator
from tests.world import World, publish_followup, submit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
ROUNDS = 30


class People:
    """Both sides' people, acting at random (seeded) through the services and the simulator."""

    def __init__(self, world: World, national: NationalSimulator, seed: int) -> None:
        self.world = world
        self.national = national
        self.rng = random.Random(seed)
        self.replies: dict[str, list[str]] = {}  # national id -> texts the reporter sent
        self.national_owned: set[str] = set()  # decided by national administrators
        self.files = 0

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def act_nationally(self) -> None:
        national = self.national
        if self.chance(0.6):
            national_id = national.dispose(
                title=f"Laporan warga {national.numbers + 1}",
                anonim=self.chance(0.2),
                rahasia=self.chance(0.1),
            )
            self.replies[national_id] = []
            if self.chance(0.15):
                # Decided nationally before this instansi even saw it.
                self.national_owned.add(national_id)
                if self.chance(0.5):
                    national.archive(national_id)
                else:
                    national.redispose(national_id)
        for national_id in list(self.replies):
            report = national.reports[national_id]
            if national_id in self.national_owned or report["instansi_id"] != INSTANSI:
                continue
            if report["status"] == "Arsip" or report["penilaian"] is not None:
                continue
            if self.chance(0.15):
                text = f"Tanggapan pelapor {national.numbers + 1} untuk {national_id}"
                national.reply(national_id, text)
                self.replies[national_id].append(text)
            if national.can_close(national_id) and self.chance(0.3):
                if self.chance(0.5):
                    national.rate(national_id, score=self.rng.randint(1, 5))
                else:
                    national.reopen(national_id)

    def act_locally(self) -> None:
        world = self.world
        if self.chance(0.4):
            submit(
                world,
                title=f"Laporan lokal {self.rng.randint(1, 10**6)}",
                is_confidential=self.chance(0.2),
            )
        national_owned = NationalLink.objects.filter(national_id__in=self.national_owned)
        complaints = Complaint.objects.exclude(
            pk__in=national_owned.values("complaint_id")
        ).order_by("id")
        for complaint in complaints:
            self._step(complaint)

    def _step(self, complaint: Complaint) -> None:
        world = self.world
        try:
            if complaint.status == Status.SUBMITTED and self.chance(0.4):
                roll = self.rng.random()
                if roll < 0.8:
                    services.complaint_dispatch(
                        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
                    )
                elif roll < 0.9 and complaint.channel != Channel.LAPOR:
                    services.complaint_transfer(
                        actor=world.coordinator,
                        complaint=complaint,
                        target="Pemerintah Kota Padang",
                    )
                elif complaint.channel != Channel.LAPOR:
                    services.complaint_archive(
                        actor=world.coordinator, complaint=complaint, reason="not_a_complaint"
                    )
            elif complaint.status in (Status.DISPATCHED, Status.IN_PROGRESS) and self.chance(0.4):
                if complaint.status == Status.IN_PROGRESS and self.chance(0.5):
                    services.complaint_resolve(actor=world.liaison, complaint=complaint)
                else:
                    self._attach(complaint)
                    publish_followup(
                        world, complaint, f"Tindak lanjut {self.rng.randint(1, 10**6)}"
                    )
            elif complaint.status == Status.RESOLVED and self.chance(0.2):
                self._attach(complaint)
                publish_followup(world, complaint, f"Jawaban lagi {self.rng.randint(1, 10**6)}")
        except DomainError:
            pass  # e.g. the complaint moved on in this round already

    def _attach(self, complaint: Complaint) -> None:
        if not self.chance(0.4):
            return
        self.files += 1
        services.attachment_add(
            actor=self.world.operator,
            complaint=complaint,
            upload=SimpleUploadedFile(f"foto-{self.files}.png", PNG, content_type="image/png"),
            internal=self.chance(0.3),
        )


def _settle(national: NationalSimulator, fake_clock: FakeClock) -> None:
    """Sync without faults until nothing is waiting and a pull brings nothing new."""
    national.faults.off()
    for _round in range(30):
        fake_clock.advance(hours=2)
        result = sync()
        assert not result.busy and not result.error, result
        waiting = OutboundMessage.objects.filter(state=OutboundMessage.State.PENDING).exists()
        if not waiting and not result.counts.get("created") and not result.counts.get("updated"):
            return
    raise AssertionError("the two sides did not settle")


@pytest.mark.parametrize("seed", [7, 2026])
def test_both_sides_end_equal_under_faults(
    seed: int, national: NationalSimulator, world: World, fake_clock: FakeClock, settings: Any
) -> None:
    settings.ADUAN_LAPOR_MAX_ATTEMPTS = 1000  # transient faults must never park a message here
    settings.ADUAN_LAPOR_PAGE_SIZE = 3
    settings.ADUAN_LAPOR_MAX_PAGES = 2  # the feed is not drained every round
    national.rng.seed(seed)
    faults = national.faults
    faults.timeout_before = faults.timeout_after = faults.server_error = 0.1
    faults.rate_limit = 0.05
    faults.duplicate_item = faults.out_of_order = 0.3
    faults.replay_page = 0.2
    people = People(world, national, seed)
    errors = 0
    for _round in range(ROUNDS):
        people.act_nationally()
        people.act_locally()
        result = sync()
        errors += bool(result.error)
        fake_clock.advance(hours=1)
    # Every kind of fault happened (a fault test without faults would prove nothing).
    assert set(national.faulted) == {
        "timeout_before",
        "timeout_after",
        "server_error",
        "rate_limit",
        "duplicate_item",
        "out_of_order",
        "replay_page",
    }, national.faulted
    assert errors > 0
    _settle(national, fake_clock)

    outcome = reconcile()
    assert outcome.error == ""
    assert outcome.in_flight == 0
    assert [(d.code, d.tracking_id, d.detail) for d in outcome.differences] == []
    assert not OutboundMessage.objects.filter(state=OutboundMessage.State.PARKED).exists()

    # Nothing applied twice nationally: each POST's effect once, each follow-up and file once.
    assert national.applied_twice() == []
    assert national.duplicated_references() == []
    assert sum(national.replayed.values()) > 0  # resends after lost answers did happen

    # Every national disposition is here exactly once, with every reply its reporter sent.
    links = {link.national_id: link for link in NationalLink.objects.select_related("complaint")}
    # A report given to another instansi before this one read it is not taken in (it is not
    # ours when we learn of it), unless an older version of it arrived first.
    expected = {
        national_id
        for national_id in people.replies
        if national.reports[national_id]["instansi_id"] == INSTANSI or national_id in links
    }
    assert set(links) >= expected
    lapor_complaints = Complaint.objects.filter(channel=Channel.LAPOR)
    assert lapor_complaints.count() == len(expected)
    for national_id, texts in people.replies.items():
        if national_id not in expected:
            continue
        complaint = links[national_id].complaint
        assert complaint is not None and complaint.channel == Channel.LAPOR
        bodies = list(complaint.replies.order_by("id").values_list("body", flat=True))
        reopen_reasons = [
            item["alasan"] for item in national.reports[national_id]["permintaan_buka_kembali"]
        ]
        assert sorted(bodies) == sorted(texts + reopen_reasons), national_id
        report = national.reports[national_id]
        assert complaint.rating == report["penilaian"]
        if report["penilaian"] is not None:
            assert complaint.status == Status.CLOSED
    assert ReporterReply.objects.filter(complaint__channel=Channel.LAPOR).count() == sum(
        len(texts) + len(national.reports[nid]["permintaan_buka_kembali"])
        for nid, texts in people.replies.items()
        if nid in expected
    )
    for national_id in people.national_owned & expected:
        complaint = links[national_id].complaint
        assert complaint is not None
        assert complaint.status in (Status.ARCHIVED, Status.TRANSFERRED)

    # Every published follow-up and every shared file of a linked complaint is there once;
    # internal files never left.
    for link in links.values():
        complaint = link.complaint
        assert complaint is not None
        if complaint.status == Status.TRANSFERRED and link.origin == "national":
            continue
        report = national.reports[link.national_id]
        refs = Counter(item["id_referensi"] for item in report["tindak_lanjut"])
        published = complaint.followups.filter(state=FollowUp.State.PUBLISHED)
        assert refs == Counter(
            followup_reference(pk) for pk in published.values_list("pk", flat=True)
        )
        files = {item["id_referensi"] for item in report["lampiran"]}
        internal = Attachment.objects.filter(complaint=complaint, is_internal=True)
        assert not files & {
            attachment_reference(pk) for pk in internal.values_list("pk", flat=True)
        }
    # Local complaints: verified non-confidential ones and transferred ones are registered.
    for complaint in Complaint.objects.exclude(channel=Channel.LAPOR):
        registered = complaint.pk in {
            link.complaint_id for link in links.values() if link.origin == "local"
        }
        expected = complaint.status == Status.TRANSFERRED or (
            complaint.verified_at is not None and not complaint.is_confidential
        )
        assert registered == expected, (complaint.tracking_id, complaint.status)
