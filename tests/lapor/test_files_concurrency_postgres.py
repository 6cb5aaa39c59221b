"""Attaching a national file while an officer acts on the same complaint, on PostgreSQL: both
take the complaint before the connector's rows, so neither waits for the other in a circle.

Skipped on SQLite, whose single writer lock serialises everything anyway.
"""

from __future__ import annotations

from typing import Any

import pytest

from aduan.accounts.models import User
from aduan.complaints import services
from aduan.complaints.models import Complaint, Status
from aduan.core import clock
from aduan.lapor.client import use_transport
from aduan.lapor.inbound import take_file
from aduan.lapor.models import NationalFile, NationalLink
from aduan.lapor.sync import sync
from tests.complaints.test_concurrency_postgres import (
    REPEAT,
    run_together,
    tworld,  # noqa: F401 (fixture)
)
from tests.lapor.conftest import INSTANSI, configure
from tests.lapor.simulator import NationalSimulator
from tests.portal.conftest import png_bytes
from tests.world import World

pytestmark = pytest.mark.postgres


def test_attaching_a_file_beside_a_dispatch_does_not_deadlock(
    tworld: World,  # noqa: F811
    settings: Any,
) -> None:
    configure(settings)
    national = NationalSimulator(INSTANSI, token="token-rahasia")
    with use_transport(national.transport()):
        for round_number in range(REPEAT):
            national_id = national.dispose()
            sync()
            link = NationalLink.objects.get(national_id=national_id)
            file = NationalFile.objects.create(
                link=link,
                reference=f"BERKAS-{round_number}",
                name="foto.png",
                created_at=clock.now(),
                updated_at=clock.now(),
            )

            def dispatch(complaint_id: int = link.complaint_id) -> Any:  # type: ignore[assignment]
                actor = User.objects.get(pk=tworld.coordinator.pk)
                complaint = Complaint.objects.get(pk=complaint_id)
                return lambda: services.complaint_dispatch(
                    actor=actor, complaint=complaint, lead_agency=tworld.public_works
                )

            def attach(file_id: int = file.pk) -> Any:
                return lambda: take_file(file_id, png_bytes())

            outcomes = run_together(dispatch, attach)

            assert [outcome.error for outcome in outcomes] == [None, None]
            assert outcomes[1].value == "taken"
            complaint = Complaint.objects.get(pk=link.complaint_id)
            assert complaint.status == Status.DISPATCHED
            assert complaint.attachments.count() == 1
