"""How the last training ended is kept as a stored text (``aduan.core.problems``), shown in the
reader's language: ``last_training_result`` (words in the language of the worker that wrote
them) becomes ``last_training_outcome``. Old words are kept as they were, shown as they are.
"""

from typing import Any

from django.db import migrations, models


def words_to_outcome(apps: Any, schema_editor: Any) -> None:
    RoutingSettings = apps.get_model("routing", "RoutingSettings")
    for row in RoutingSettings.objects.exclude(last_training_result=""):
        row.last_training_outcome = {"text": row.last_training_result}
        row.save(update_fields=["last_training_outcome"])


def outcome_to_words(apps: Any, schema_editor: Any) -> None:
    from aduan.core.problems import problem_in_english

    RoutingSettings = apps.get_model("routing", "RoutingSettings")
    for row in RoutingSettings.objects.exclude(last_training_outcome={}):
        row.last_training_result = problem_in_english(row.last_training_outcome)[:500]
        row.save(update_fields=["last_training_result"])


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0001_routing_models_settings_suggestions"),
    ]

    operations = [
        migrations.AddField(
            model_name="routingsettings",
            name="last_training_outcome",
            field=models.JSONField(blank=True, default=dict, verbose_name="last training result"),
        ),
        migrations.RunPython(words_to_outcome, outcome_to_words, elidable=True),
        migrations.RemoveField(model_name="routingsettings", name="last_training_result"),
    ]
