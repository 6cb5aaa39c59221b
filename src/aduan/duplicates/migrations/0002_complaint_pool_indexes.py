"""Indexes for the candidate pool of duplicate detection (``detection.pool_for``).

The pool is read by (region, time) and (category, time) ranges. The complaints table has only
single-column indexes on those (and partial ones limited to public complaints), so on 1,000,000
complaints a large category would be found by walking the time index and filtering. These two
composite indexes make each of the four pool queries one short index range scan.

They are created here, with SQL that SQLite and PostgreSQL share, so that the complaints model
(owned by the complaints app) is not changed; the model state is left as it is.
"""

from django.db import migrations

INDEXES = {
    "duplicates_complaint_region_time_idx": "region_id, submitted_at",
    "duplicates_complaint_category_time_idx": "category_id, submitted_at",
}


class Migration(migrations.Migration):
    dependencies = [
        ("duplicates", "0001_initial"),
        ("complaints", "0008_complaint_reopen_count"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON complaints_complaint ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
