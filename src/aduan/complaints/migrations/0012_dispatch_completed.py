"""Dispatches end as "completed" when their complaint closes, so a closed complaint leaves the
agency inbox (which lists pending and accepted hops) while the agency keeps seeing it.

Before this, a closed complaint's hops stayed pending or accepted; they are completed here.
Reversed, completed hops become accepted again (which of them were still pending is not kept).
"""

from typing import Any

from django.db import migrations, models


def complete_closed(apps: Any, schema_editor: Any) -> None:
    Dispatch = apps.get_model("complaints", "Dispatch")
    Dispatch.objects.filter(
        state__in=("pending", "accepted"), complaint__status="closed"
    ).update(state="completed")


def reopen_completed(apps: Any, schema_editor: Any) -> None:
    Dispatch = apps.get_model("complaints", "Dispatch")
    Dispatch.objects.filter(state="completed").update(state="accepted")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_followup_response_template"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dispatch",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting acceptance"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("withdrawn", "Withdrawn"),
                    ("completed", "Completed"),
                ],
                default="pending",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(complete_closed, reopen_completed, elidable=True),
    ]
