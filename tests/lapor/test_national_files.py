"""Files the reporter gives SP4N-LAPOR! reach the complaint: listed from the report, downloaded
by the sync outside any transaction, attached once as the reporter's, and refused (with the
reason kept, tried again only when an administrator asks) when the intake would refuse them or
the checksum is wrong."""

from __future__ import annotations

from io import StringIO
from typing import Any

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aduan.complaints import services
from aduan.complaints.models import Attachment, Status
from aduan.core.models import AuditEvent
from aduan.core.problems import problem_text
from aduan.lapor import selectors
from aduan.lapor.models import NationalFile, NationalLink
from aduan.lapor.reconcile import reconcile
from aduan.lapor.sync import FILES_PER_RUN, sync
from tests.lapor.simulator import NationalSimulator, Scripted
from tests.portal.conftest import png_bytes
from tests.world import World, publish_followup, staff_login

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def complaint_of(national_id: str) -> Any:
    link = NationalLink.objects.select_related("complaint").get(national_id=national_id)
    assert link.complaint is not None
    return link.complaint


def test_the_reporters_photo_is_attached_with_the_new_complaint(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, png_bytes(), "lubang di jalan.png")

    result = sync()

    assert result.counts["created"] == 1 and result.counts["files_taken"] == 1
    complaint = complaint_of(national_id)
    (attachment,) = complaint.attachments.all()
    assert attachment.original_name == "lubang di jalan.png"
    assert attachment.content_type == "image/png"
    assert not attachment.is_internal
    assert attachment.uploaded_by is None  # the reporter's file, as the portal stores one
    with attachment.file.open("rb") as stored:
        assert stored.read() == png_bytes()
    file = NationalFile.objects.get()
    assert (file.state, file.attachment) == (NationalFile.State.TAKEN, attachment)
    assert AuditEvent.objects.filter(action="attachment.added").count() == 1
    # Taken once: later snapshots and runs list it again, nothing more is downloaded.
    national.reply(national_id)
    downloads = len(national.posts("/lampiran/")) + len(_downloads(national))
    assert sync().counts.get("files_taken", 0) == 0
    assert len(national.posts("/lampiran/")) + len(_downloads(national)) == downloads
    assert complaint.attachments.count() == 1


def _downloads(national: NationalSimulator) -> list[httpx.Request]:
    return [r for r in national.requests if r.method == "GET" and "/lampiran/" in r.url.path]


def test_a_file_added_later_is_attached_too_and_ours_are_not_fetched_back(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = complaint_of(national_id)
    services_dispatch_and_answer_with_a_file(world, complaint)
    sync()  # our answer and its file go to SP4N-LAPOR!
    assert len(national.reports[national_id]["lampiran"]) == 1  # ours, listed there now

    national.add_file(national_id, PDF, "surat.pdf")
    sync()

    names = sorted(complaint.attachments.values_list("original_name", flat=True))
    assert names == ["jawaban.png", "surat.pdf"]
    assert len(_downloads(national)) == 1  # only the reporter's file


def services_dispatch_and_answer_with_a_file(world: World, complaint: Any) -> None:
    """Dispatched here, answered with a file that leaves with the published answer."""
    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
    )
    services.attachment_add(
        actor=world.operator,
        complaint=complaint,
        upload=SimpleUploadedFile("jawaban.png", png_bytes()),
    )
    publish_followup(world, complaint, "Sudah kami tinjau dan akan diperbaiki minggu ini.")


@pytest.mark.parametrize(
    ("content", "listed", "reason"),
    [
        (b"MZ\x90\x00 not a photo", None, "is not an allowed type"),
        (png_bytes(), "0" * 64, "SHA-256"),
        (png_bytes(), "00", "SHA-256"),  # not a checksum at all: refused, not let through
    ],
)
def test_a_file_the_intake_refuses_is_kept_refused_with_the_reason(
    national: NationalSimulator, world: World, content: bytes, listed: str | None, reason: str
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, content, "berkas.exe", listed_sha256=listed)

    result = sync()

    assert result.counts["created"] == 1 and result.counts["files_refused"] == 1
    assert not Attachment.objects.exists()
    file = NationalFile.objects.get()
    assert file.state == NationalFile.State.REFUSED
    with translation.override("en"):
        assert reason in problem_text(file.problem)
    sync()
    assert len(_downloads(national)) == 1  # not tried again


def test_a_file_too_large_is_not_read_to_the_end(
    national: NationalSimulator, world: World, settings: Any
) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    national_id = national.dispose()
    national.add_file(national_id, png_bytes() + b"\x00" * 5000)

    assert sync().counts["files_refused"] == 1

    with translation.override("en"):
        assert "too large" in problem_text(NationalFile.objects.get().problem)
    # Streamed in pieces of 1 KiB: reading stopped just past the limit.
    assert national.file_bytes_sent <= 1000 + 1024


def test_a_file_sp4n_lapor_will_not_give_is_refused(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    reference = national.add_file(national_id, png_bytes())
    del national.files[(national_id, reference)]

    assert sync().counts["files_refused"] == 1

    file = NationalFile.objects.get()
    assert file.state == NationalFile.State.REFUSED
    with translation.override("en"):
        assert "404" in problem_text(file.problem)


def test_a_file_that_fails_for_a_passing_reason_waits_behind_the_others(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    first = national.add_file(national_id, png_bytes(), "satu.png")
    national.add_file(national_id, PDF, "dua.pdf")
    national.scripted.append(Scripted(status=503, path_contains=f"/lampiran/{first}"))

    result = sync()

    assert result.error == ""
    assert (result.counts["files_failed"], result.counts["files_taken"]) == (1, 1)
    failed = NationalFile.objects.get(reference=first)
    assert (failed.state, failed.attempts) == (NationalFile.State.PENDING, 1)
    assert sync().counts["files_taken"] == 1
    assert complaint_of(national_id).attachments.count() == 2


def test_a_file_that_keeps_failing_is_refused_after_five_attempts(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, png_bytes())
    for _run in range(5):
        national.scripted.append(Scripted(status=500, path_contains="/lampiran/"))
        sync()

    file = NationalFile.objects.get()
    assert (file.state, file.attempts) == (NationalFile.State.REFUSED, 5)
    with translation.override("en"):
        assert "after 5 attempts" in problem_text(file.problem)


def test_while_sp4n_lapor_is_down_the_rest_wait_for_the_next_run(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    for _number in range(5):
        national.add_file(national_id, png_bytes())
    national.scripted.extend(Scripted(status=503, path_contains="/lampiran/") for _ in range(5))

    result = sync()

    assert result.counts["files_failed"] == 3 and result.counts["files_stopped"] == 1
    assert set(NationalFile.objects.values_list("state", flat=True)) == {"pending"}


def test_a_refused_token_ends_the_run_and_refuses_no_file(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, png_bytes())
    national.scripted.append(Scripted(status=401, path_contains="/lampiran/"))

    result = sync()

    assert "401" in result.error
    file = NationalFile.objects.get()
    assert (file.state, file.attempts) == (NationalFile.State.PENDING, 0)
    assert sync().counts["files_taken"] == 1


def test_a_file_for_a_complaint_closed_here_is_refused(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    complaint = complaint_of(national_id)
    services.complaint_archive(
        actor=world.coordinator, complaint=complaint, reason="duplicate", note="Sama dengan lain."
    )
    national.add_file(national_id, png_bytes())

    sync()

    complaint.refresh_from_db()
    assert complaint.status == Status.ARCHIVED
    assert NationalFile.objects.get().state == NationalFile.State.REFUSED
    assert not complaint.attachments.exists()


def test_at_most_a_batch_of_files_per_run(national: NationalSimulator, world: World) -> None:
    national_id = national.dispose()
    for _number in range(FILES_PER_RUN + 2):
        national.add_file(national_id, png_bytes())

    assert sync().counts["files_taken"] == FILES_PER_RUN
    assert sync().counts["files_taken"] == 2


def test_reconcile_finds_a_file_not_listed_here_and_repair_fetches_it(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    sync()
    national.add_file(national_id, png_bytes())
    # The snapshot naming the file was never read here (say the feed skipped it).
    national.changed_at.pop(national_id)

    result = reconcile()
    assert [(d.code, d.repaired) for d in result.differences] == [
        ("national_actions_missing", False)
    ]
    assert "file BERKAS-" in problem_text(result.differences[0].detail)

    assert reconcile(repair=True).differences[0].repaired
    sync()
    assert complaint_of(national_id).attachments.count() == 1
    assert reconcile().equal


def test_an_administrator_tries_a_refused_file_again(
    national: NationalSimulator, world: World
) -> None:
    national_id = national.dispose()
    reference = national.add_file(national_id, png_bytes(), "foto.png")
    national.files.pop((national_id, reference))  # not there at first
    sync()
    file = NationalFile.objects.get()
    assert file.state == NationalFile.State.REFUSED
    client = Client()
    staff_login(client, world.admin)
    client.cookies["aduan_language"] = "en"
    page = client.get("/staf/lapor/").content.decode()
    assert f'data-file="{file.pk}"' in page and "foto.png" in page and "404" in page
    coordinator = Client()
    staff_login(coordinator, world.coordinator)
    assert coordinator.post(f"/staf/lapor/berkas/{file.pk}/ulang/").status_code == 403

    national.files[(national_id, reference)] = png_bytes()  # SP4N-LAPOR! has it again
    response = client.post(f"/staf/lapor/berkas/{file.pk}/ulang/")

    assert response.status_code == 302
    file.refresh_from_db()
    assert (file.state, file.attempts, file.problem) == (NationalFile.State.PENDING, 0, {})
    assert AuditEvent.objects.filter(action="lapor.file_retried").count() == 1
    assert sync().counts["files_taken"] == 1
    assert complaint_of(national_id).attachments.count() == 1
    # Pressing it again once the file is attached changes nothing, and says so.
    again = client.post(f"/staf/lapor/berkas/{file.pk}/ulang/", follow=True)
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="lapor.file_retried").count() == 1
    assert client.post("/staf/lapor/berkas/999999/ulang/").status_code == 404


def test_status_counts_the_files_waiting_and_refused(
    national: NationalSimulator, world: World, commands_in_english: None
) -> None:
    national_id = national.dispose()
    national.add_file(national_id, b"MZ not a photo", "program.exe")
    national.add_file(national_id, png_bytes())
    national.fail_next(503, path_contains="/lampiran/BERKAS-3")
    sync()

    out = StringIO()
    call_command("lapor", "status", stdout=out)

    lines = out.getvalue().splitlines()
    assert "Reporters' files waiting\t1" in lines and "Reporters' files refused\t1" in lines


def test_the_connectors_page_lists_refused_files_in_constant_queries(
    national: NationalSimulator,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Any,
) -> None:
    national_id = national.dispose()
    for _number in range(3):
        national.add_file(national_id, b"MZ not a photo", "program.exe")
    sync()
    monkeypatch.setattr(selectors, "REFUSED_FILES_SHOWN", 2)
    client = Client()
    staff_login(client, world.admin)
    client.cookies["aduan_language"] = "en"
    client.get("/staf/lapor/")  # warm the session and caches
    with CaptureQueriesContext(connection) as three:
        page = client.get("/staf/lapor/").content.decode()
    assert page.count("data-file=") == 2 and "The latest 2 of 3." in page
    national.add_file(national_id, b"MZ not a photo", "program.exe")
    sync()
    with CaptureQueriesContext(connection) as four:
        client.get("/staf/lapor/")
    assert len(four.captured_queries) == len(three.captured_queries)
