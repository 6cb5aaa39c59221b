"""What the connector keeps for administrators (a report it could not take in, a conflict, why a
message is parked) is stored as source text and values, whatever language the worker ran in, and
shown in the reader's language; rows kept before that are still shown as they were written."""

from __future__ import annotations

from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from aduan.complaints.models import Status
from aduan.core import clock
from aduan.core.errors import TransitionNotAllowed
from aduan.core.problems import problem, problem_in_english, problem_text
from aduan.lapor import inbound
from aduan.lapor.models import NationalLink, OutboundMessage, SyncState
from aduan.lapor.sync import sync
from tests.lapor.simulator import NationalSimulator
from tests.world import World, build_world, make, staff_login

URL = "/staf/lapor/"
APPLIED = gettext_lazy("Could not be applied: %(error)s")
NOT_NOW = gettext_lazy("This cannot be done while the complaint is “%(status)s”.")


def _kept_in(language: str) -> dict[str, Any]:
    with translation.override(language):
        error = TransitionNotAllowed(NOT_NOW, status=Status.DISPATCHED.label)
        return problem(APPLIED, error=error)


def test_what_is_kept_does_not_depend_on_the_workers_language() -> None:
    kept = _kept_in("id")
    assert kept == _kept_in("en")
    assert kept == {
        "text": "Could not be applied: %(error)s",
        "params": {
            "error": {
                "text": "This cannot be done while the complaint is “%(status)s”.",
                "params": {"status": {"text": "Dispatched"}},
            }
        },
    }


def test_it_is_shown_in_the_readers_language() -> None:
    kept = _kept_in("en")
    english = "Could not be applied: This cannot be done while the complaint is “Dispatched”."
    assert problem_in_english(kept) == english
    with translation.override("id"):
        indonesian = problem_text(kept)
        status = gettext("Dispatched")
        expected = gettext("Could not be applied: %(error)s") % {
            "error": gettext("This cannot be done while the complaint is “%(status)s”.")
            % {"status": status}
        }
    assert indonesian == expected and indonesian != english and status != "Dispatched"
    assert problem_text({}) == problem_text(None) == ""


def test_a_text_outside_the_catalogue_is_shown_as_it_is() -> None:
    with translation.override("id"):
        assert problem_text({"text": "Could not be taken in: refused (100%)"}) == (
            "Could not be taken in: refused (100%)"
        )
        assert problem_text(problem("SP4N-LAPOR! said %(what)s", what="tidak")) == (
            "SP4N-LAPOR! said tidak"
        )


def _page(world: World, language: str | None) -> str:
    client = Client()
    staff_login(client, world.admin)
    if language:
        client.cookies["aduan_language"] = language
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_connectors_page_shows_problems_in_the_viewers_language(
    national: NationalSimulator, world: World
) -> None:
    bad = national.dispose()
    with (
        mock.patch.object(inbound, "complaint_submit", side_effect=RuntimeError("ditolak")),
        translation.override("en"),  # a worker running in English
    ):
        assert sync().counts["failed"] == 1
    link = NationalLink.objects.get(national_id=bad)
    english = _page(world, "en")
    assert f"{bad}: Could not be applied: RuntimeError: ditolak" in english
    indonesian = _page(world, None)  # Bahasa Indonesia by default
    assert f"{bad}: Tidak dapat diterapkan: RuntimeError: ditolak" in indonesian
    assert "Could not be applied" not in indonesian
    assert f'data-link="{link.pk}"' in indonesian


def test_parked_messages_show_why_and_the_national_answer(
    national: NationalSimulator, world: World
) -> None:
    make(world, "dispatched")
    national.fail_next(422, path_contains="/laporan")
    with translation.override("id"):
        sync()
    message = OutboundMessage.objects.get(state=OutboundMessage.State.PARKED)
    assert message.last_error.startswith("SP4N-LAPOR! answered HTTP 422")  # technical, as is
    html = _page(world, "en")
    assert "<span data-problem>SP4N-LAPOR! refused this message, so it is not retried" in html
    assert "{&quot;error&quot;: &quot;simulated&quot;}" in html
    # A message parked before problems were kept: its whole explanation is in last_error.
    OutboundMessage.objects.filter(pk=message.pk).update(
        problem={}, last_error="Ditolak.\n\nTekan Ulangi."
    )
    html = _page(world, "en")
    assert "Ditolak.<br><br>Tekan Ulangi." in html and "data-problem" not in html


def test_the_last_error_and_the_runs_speak_the_readers_language(
    national: NationalSimulator, world: World, commands_in_english: None
) -> None:
    national.dispose()
    national.fail_next(502, path_contains="/laporan")
    with translation.override("en"):  # a worker running in English
        result = sync()

    assert result.error.startswith("SP4N-LAPOR! answered HTTP 502 to GET ")  # logs: English
    state = SyncState.objects.get(pk=1)
    assert (
        state.last_problem["text"]
        == "SP4N-LAPOR! answered HTTP %(status)s to %(request)s: %(answer)s"
    )
    indonesian = _page(world, None)
    assert "SP4N-LAPOR! menjawab HTTP 502 untuk GET " in indonesian
    assert "answered HTTP" not in indonesian
    assert "SP4N-LAPOR! answered HTTP 502 to GET " in _page(world, "en")
    status = StringIO()
    call_command("lapor", "status", stdout=status)  # LANGUAGE_CODE "en" here
    assert "Last error\tSP4N-LAPOR! answered HTTP 502" in status.getvalue()
    with translation.override("id"):
        assert problem_text(state.last_problem).startswith("SP4N-LAPOR! menjawab HTTP 502")


@pytest.mark.django_db(transaction=True)
def test_problems_kept_as_text_before_are_migrated(settings: Any, tmp_path: Any) -> None:
    """The migration, run for real: back to 0001, old rows with text problems, forward again."""
    complaint = make(build_world(settings, tmp_path), "dispatched")
    before = [("lapor", "0001_connector_links_outbox_cursor_runs")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_link = executor.loader.project_state(before).apps.get_model("lapor", "NationalLink")
    now = clock.now()
    texts = {
        "N-1": "Could not be taken in: Deskripsi harus diisi.",
        "N-2": "Tidak dapat diterapkan: RuntimeError: x",
        "N-3": "",
    }
    for national_id, text in texts.items():
        old_link.objects.create(
            national_id=national_id,
            complaint_id=complaint.pk if national_id == "N-2" else None,
            origin="national",
            problem=text,
            created_at=now,
            updated_at=now,
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    links = {link.national_id: link for link in NationalLink.objects.all()}
    assert links["N-1"].problem == {"text": texts["N-1"]}
    assert links["N-3"].problem == {}
    with translation.override("id"):
        assert problem_text(links["N-2"].problem) == texts["N-2"]  # shown as it was
    assert {link.national_id for link in NationalLink.objects.filter(problem__has_key="text")} == {
        "N-1",
        "N-2",
    }
