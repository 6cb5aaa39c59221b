"""Copy the canned responses kept so far in ``complaints.CannedResponse`` (edited in the Django
admin) into ``knowledge.ResponseTemplate``, which the follow-up form now offers. Inactive ones
are copied archived. complaints 0009 then drops the old table."""

from django.db import migrations
from django.utils import timezone


def copy_canned_responses(apps, schema_editor):
    old = apps.get_model("complaints", "CannedResponse")
    new = apps.get_model("knowledge", "ResponseTemplate")
    now = timezone.now()
    new.objects.bulk_create(
        new(
            title=item.title,
            body=item.body,
            category_id=item.category_id,
            agency_id=item.agency_id,
            created_at=now,
            updated_at=now,
            archived_at=None if item.is_active else now,
        )
        for item in old.objects.order_by("pk")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_documents_and_response_templates"),
        ("complaints", "0004_canned_response"),
    ]

    operations = [migrations.RunPython(copy_canned_responses, migrations.RunPython.noop)]
