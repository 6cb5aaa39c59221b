"""Detection in the database: the bounded pool, storing on submission, the backfill command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from aduan.agencies.models import Category
from aduan.complaints.models import Complaint
from aduan.duplicates import detection, services
from aduan.duplicates.models import DuplicateCandidate, DuplicateScan
from aduan.duplicates.tasks import detect_duplicates
from tests.duplicates.conftest import OTHER_TEXT, MakeAt, Places
from tests.world import World

pytestmark = pytest.mark.django_db


def found(complaint: Complaint) -> list[Complaint]:
    return [other for other, _match in detection.find(complaint)]


def test_only_complaints_within_the_time_window_are_found(make_at: MakeAt, settings: Any) -> None:
    settings.ADUAN_DUPLICATES_WINDOW_DAYS = 30
    recent = make_at(10)
    make_at(40)  # the same report, but too long ago
    new = make_at(0)
    assert found(new) == [recent]
    settings.ADUAN_DUPLICATES_WINDOW_DAYS = 60
    assert len(found(new)) == 2


def test_later_complaints_count_too_for_an_older_one(make_at: MakeAt) -> None:
    old = make_at(5)
    later = make_at(1)
    assert found(old) == [later]


def test_the_pool_is_the_same_kecamatan_or_the_same_category(
    make_at: MakeAt, places: Places, other_category: Category
) -> None:
    new = make_at(0)
    neighbour = make_at(1, region=places.neighbour, category=other_category)
    same_category_elsewhere = make_at(1, region=places.elsewhere)
    make_at(1, region=places.elsewhere, category=other_category)  # neither: never compared
    make_at(1, description=OTHER_TEXT, title="Akta kelahiran")  # same place, other problem
    assert set(found(new)) == {neighbour, same_category_elsewhere}
    pool = {c.pk for c in detection.pool_for(new)}
    assert neighbour.pk in pool and same_category_elsewhere.pk in pool and len(pool) == 3


def test_the_pool_is_capped_on_each_side(make_at: MakeAt, settings: Any) -> None:
    settings.ADUAN_DUPLICATES_POOL_LIMIT = 2
    new = make_at(5)
    for days in (1, 2, 3, 7, 8, 9):
        make_at(days)
    assert len(detection.pool_for(new)) == 4  # two before and two after, the nearest
    nearest = {c.submitted_at.date() for c in detection.pool_for(new)}
    assert new.submitted_at.date() not in nearest and len(nearest) == 4


def test_archived_complaints_are_left_out(make_at: MakeAt) -> None:
    make_at(2, state="archived")
    assert found(make_at(0)) == []


def test_a_submission_schedules_detection_and_the_task_stores_the_pairs(
    world: World, make_at: MakeAt, django_capture_on_commit_callbacks: Any
) -> None:
    old = make_at(3)
    with django_capture_on_commit_callbacks(execute=True):
        new = make_at(0)
    task = DBTaskResult.objects.get(task_path="aduan.duplicates.tasks.detect_duplicates")
    assert task.args_kwargs["args"] == [new.pk]

    assert detect_duplicates.call(new.pk) == {"complaint": new.pk, "candidates": 1}
    pair = DuplicateCandidate.objects.get()
    assert (pair.complaint, pair.candidate, pair.dismissed_at) == (new, old, None)
    assert pair.score >= 0.55
    assert [r["code"] for r in pair.reasons] == ["text", "same_kelurahan", "same_category", "time"]
    assert DuplicateScan.objects.filter(complaint=new).exists()
    # Run again (or from the other side): the pair is stored once.
    services.duplicates_detect(complaint=new)
    services.duplicates_detect(complaint=old)
    assert DuplicateCandidate.objects.count() == 1


def test_backfill_scans_the_complaints_never_scanned(make_at: MakeAt) -> None:
    first, second = make_at(2), make_at(1)
    out = StringIO()
    with translation.override("en"):
        call_command("duplicates", "backfill", stdout=out)
    assert "2 complaints scanned, 1 possible duplicates stored" in out.getvalue()
    assert set(DuplicateScan.objects.values_list("complaint_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    out = StringIO()
    with translation.override("en"):
        call_command("duplicates", "backfill", stdout=out)
    assert out.getvalue().startswith("0 complaints scanned")
