"""The duplicate-detection pool indexes become part of the complaints model (``Meta.indexes``).

``duplicates`` 0002 creates two composite indexes on this table with ``RunSQL``, so the model
state never knew them. They cannot enter ``Meta.indexes`` under the names it gave them: Django
refuses index names longer than 30 characters (check models.E034), and
``duplicates_complaint_category_time_idx`` has 38. So this migration

1. adds them to the state under their old names only (``SeparateDatabaseAndState``): the
   database has them already, on a fresh database as on one migrated before, because duplicates
   0002 is a dependency and always ran first;
2. renames them (``RenameIndex``) to the names ``Meta.indexes`` carries. On PostgreSQL that is
   ``ALTER INDEX … RENAME``, instant whatever the size of the table; SQLite cannot rename an
   index, so Django drops and recreates it (the embedded set-up holds few complaints).

Migrating back renames them to the old names and forgets them in the state, which leaves the
database exactly as duplicates 0002 made it (and its own reverse drops them). Dropping and
creating them under new names instead would rebuild both on a large PostgreSQL table for
nothing; duplicates 0002 is released and stays as it is.
"""

from django.db import migrations, models

# (name given by duplicates 0002, name in Complaint.Meta.indexes, fields)
POOL_INDEXES = [
    (
        "duplicates_complaint_region_time_idx",
        "complaint_region_time_idx",
        ["region", "submitted_at"],
    ),
    (
        "duplicates_complaint_category_time_idx",
        "complaint_category_time_idx",
        ["category", "submitted_at"],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_remove_canned_response_moved_to_knowledge"),
        ("duplicates", "0002_complaint_pool_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="complaint", index=models.Index(fields=fields, name=old_name)
                )
                for old_name, _new_name, fields in POOL_INDEXES
            ],
        ),
        *(
            migrations.RenameIndex(model_name="complaint", old_name=old_name, new_name=new_name)
            for old_name, new_name, _fields in POOL_INDEXES
        ),
    ]
