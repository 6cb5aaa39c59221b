"""The candidate pool's indexes (created by duplicates 0002) are the complaints model's own since
complaints 0010, which renames them into ``Complaint.Meta.indexes``; run for real, both ways."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aduan.complaints.models import Complaint

COLUMNS = {"region": ["region_id", "submitted_at"], "category": ["category_id", "submitted_at"]}
IN_THE_MODEL = {f"complaint_{name}_time_idx": columns for name, columns in COLUMNS.items()}
FROM_DUPLICATES = {f"duplicates_complaint_{name}_time_idx": cols for name, cols in COLUMNS.items()}


def pool_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Complaint._meta.db_table)
    return {name: info["columns"] for name, info in found.items() if name.endswith("_time_idx")}


def test_the_model_declares_the_pool_indexes() -> None:
    declared = {
        index.name: [Complaint._meta.get_field(field).column for field in index.fields]
        for index in Complaint._meta.indexes
        if index.name in IN_THE_MODEL
    }
    assert declared == IN_THE_MODEL


@pytest.mark.django_db(transaction=True)
def test_the_pool_indexes_are_renamed_forwards_and_backwards() -> None:
    assert pool_indexes() == IN_THE_MODEL
    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0009_remove_canned_response_moved_to_knowledge")])
    assert pool_indexes() == FROM_DUPLICATES  # as a database migrated before 0010 has them
    executor = MigrationExecutor(connection)
    executor.migrate([("duplicates", "0001_initial")])
    assert pool_indexes() == {}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert pool_indexes() == IN_THE_MODEL
