"""A few demo complaints in every lifecycle state, made through the services like real ones."""

from __future__ import annotations

from aduan.accounts.models import User
from aduan.agencies.models import Agency, Category, Region
from aduan.complaints import services
from aduan.complaints.models import Complaint

# (category code, region code (Kemendagri) of the place the text names, title, description)
DEMO_REPORTS = [
    (
        "jalan-jembatan",
        "13.05.01.2001",  # Lubuk Alung, Padang Pariaman
        "Jalan provinsi berlubang di Lubuk Alung",
        "Lubang besar di jalan provinsi dekat pasar Lubuk Alung membahayakan pengendara motor.",
    ),
    (
        "drainase-banjir",
        "13.05.05.2002",  # Sungai Sariak, VII Koto Sungai Sariak, Padang Pariaman
        "Saluran irigasi tersumbat",
        "Saluran irigasi di Nagari Sungai Sariak tersumbat sampah sehingga sawah warga kebanjiran.",
    ),
    (
        "jalan-jembatan",
        "13.05.15",  # Kecamatan 2 x 11 Kayu Tanam, Padang Pariaman
        "Jembatan gantung rusak",
        "Papan jembatan gantung penghubung dua jorong sudah lapuk dan beberapa hilang.",
    ),
    (
        "jalan-jembatan",
        "13.04.01",  # Kecamatan X Koto, Tanah Datar (Lembah Anai)
        "Longsor menutup badan jalan",
        "Longsor kecil menutup separuh badan jalan di Lembah Anai sejak kemarin sore.",
    ),
    (
        "jalan-jembatan",
        "13.71.09",  # Kecamatan Kuranji, Kota Padang (By Pass)
        "Lampu penerangan jalan mati",
        "Lampu penerangan di ruas jalan By Pass Padang mati sepanjang satu kilometer.",
    ),
    (
        "jalan-jembatan",
        "13.05.02",  # Kecamatan Batang Anai, Padang Pariaman (Simpang Duku)
        "Marka jalan pudar",
        "Marka jalan di simpang Duku sudah pudar sehingga membingungkan pengendara.",
    ),
]


def create_demo_complaints() -> int:
    """Create the demo complaints once (nothing when any complaint exists). Returns how many."""
    if Complaint.objects.exists():
        return 0
    reporter = User.objects.get(username="pelapor")
    coordinator = User.objects.get(username="koordinator")
    operator = User.objects.get(username="operator")
    liaison = User.objects.get(username="penghubung")
    lead = operator.memberships.get().agency
    assert isinstance(lead, Agency)
    made = []
    for code, place, title, description in DEMO_REPORTS:
        result = services.complaint_submit(
            actor=reporter,
            title=title,
            description=description,
            category=Category.objects.filter(code=code).first(),
            region=Region.objects.filter(code=place).first(),  # none with --skip-regions
        )
        made.append(result.complaint)
    _submitted, held, dispatched, in_progress, resolved, closed = made
    services.complaint_hold(
        actor=coordinator, complaint=held, reason="Mohon lampirkan foto lokasi."
    )
    for complaint in (dispatched, in_progress, resolved, closed):
        services.complaint_dispatch(actor=coordinator, complaint=complaint, lead_agency=lead)
    for complaint in (in_progress, resolved, closed):
        draft = services.followup_draft(
            actor=operator,
            complaint=complaint,
            body="Laporan sudah kami terima dan tim akan meninjau lokasi.",
        )
        services.followup_submit(actor=operator, followup=draft)
        services.followup_approve(actor=liaison, followup=draft)
    for complaint in (resolved, closed):
        services.complaint_resolve(actor=liaison, complaint=complaint)
    services.complaint_rate(
        actor=reporter, complaint=closed, score=5, comment="Cepat ditangani, terima kasih."
    )
    return len(made)
