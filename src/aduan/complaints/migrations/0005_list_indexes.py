# Written by hand to match Meta.indexes on Complaint and Dispatch (makemigrations --check stays
# clean once models.py carries the same definitions). Partial indexes serve the lists at any page
# depth with keyset pagination (measured with 1,000,000 complaints on PostgreSQL):
#   public list       status in PUBLIC_STATUSES, not confidential, not supervisory; newest or most supported
#                     first, optionally for one agency, category or region;
#   verification      status submitted or on hold, oldest first;
#   agency inbox      active dispatches of an agency, oldest first; of an agency and its
#                     sub-units (agency IN (...)), by time with the agencies as a filter.
# SQLite supports partial indexes too.

from django.db import migrations, models


PUBLIC = models.Q(
    status__in=("dispatched", "in_progress", "resolved", "closed"),
    is_confidential=False,
    is_supervisory=False,
)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_canned_response"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=PUBLIC, fields=["submitted_at", "id"], name="complaint_public_recent_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=PUBLIC,
                fields=["support_count", "id"],
                name="complaint_public_support_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=PUBLIC,
                fields=["lead_agency", "submitted_at", "id"],
                name="complaint_public_agency_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=PUBLIC,
                fields=["category", "submitted_at", "id"],
                name="complaint_public_category_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=PUBLIC,
                fields=["region", "submitted_at", "id"],
                name="complaint_public_region_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(status__in=("submitted", "on_hold")),
                fields=["submitted_at", "id"],
                name="complaint_unverified_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(
                condition=models.Q(state__in=("pending", "accepted")),
                fields=["agency", "dispatched_at", "id"],
                name="dispatch_inbox_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(
                condition=models.Q(state__in=("pending", "accepted")),
                fields=["dispatched_at", "id"],
                name="dispatch_inbox_time_idx",
            ),
        ),
    ]
