"""The check ``aduan.search.W001``: documents written with other spellings, synonyms or
normalisation than this version's are reported until a full rebuild; on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from aduan.core import spelling
from aduan.search.checks import index_matches_this_version
from aduan.search.models import SearchIndexState
from tests.world import World, submit

pytestmark = pytest.mark.django_db


def warning_ids() -> list[str]:
    return [message.id for message in index_matches_this_version(databases=["default"])]


@pytest.fixture
def new_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade that added an informal spelling (documents indexed before lack it)."""
    monkeypatch.setitem(spelling.SPELLINGS, "jlnan", "jalanan")


def test_new_database_is_current(world: World) -> None:
    submit(world)
    assert warning_ids() == []


def test_changed_spellings_warn(world: World, new_spelling: None) -> None:
    submit(world)
    with translation.override("en"):
        [warning] = index_matches_this_version(databases=["default"])
    assert warning.id == "aduan.search.W001"
    assert "searches can miss complaints indexed before" in warning.msg
    assert warning.hint == "Run `aduan search rebuild`."


def test_full_rebuild_clears_the_warning(world: World, new_spelling: None) -> None:
    submit(world)
    call_command("search", "rebuild", stdout=StringIO(), stderr=StringIO())
    assert warning_ids() == []


def test_rebuild_of_missing_documents_keeps_the_warning(world: World, new_spelling: None) -> None:
    submit(world)
    call_command("search", "rebuild", "--missing", stdout=StringIO(), stderr=StringIO())
    assert warning_ids() == ["aduan.search.W001"]


def test_an_index_without_documents_is_current(db: None, new_spelling: None) -> None:
    assert warning_ids() == []


def test_upgraded_database_with_documents_is_unknown_until_a_rebuild(world: World) -> None:
    submit(world)
    migration = importlib.import_module("aduan.search.migrations.0004_search_index_state")
    migration.record_if_empty(apps, SimpleNamespace(connection=connection))
    assert SearchIndexState.objects.get().fingerprint == ""
    assert warning_ids() == ["aduan.search.W001"]
    call_command("search", "rebuild", stdout=StringIO(), stderr=StringIO())
    assert warning_ids() == []


def test_shown_by_check_with_the_database_and_by_migrate_only(
    world: World, new_spelling: None
) -> None:
    submit(world)
    plain, with_database, migrate = StringIO(), StringIO(), StringIO()
    call_command("check", stdout=StringIO(), stderr=plain)
    call_command("check", "--database", "default", stdout=StringIO(), stderr=with_database)
    call_command("migrate", "--check", skip_checks=False, stdout=StringIO(), stderr=migrate)
    assert "aduan.search.W001" not in plain.getvalue()
    assert "aduan.search.W001" in with_database.getvalue()
    assert "aduan.search.W001" in migrate.getvalue()


def test_plain_check_reads_no_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert index_matches_this_version(databases=None) == []
