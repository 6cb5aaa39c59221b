"""Problems are kept as source text and values and shown in the reader's language
(``aduan.lapor.problems``): ``NationalLink.problem`` becomes a JSON field, and a parked message
gets one for why it is parked (``last_error`` keeps the technical error).

An existing link's problem text, written in English or in the language of the worker that wrote
it, is kept as a text outside the catalogue, so it is shown as it was written until the report
is applied again. Existing parked messages have no ``problem``: their ``last_error`` holds the
whole explanation, and it is shown as before."""

from django.db import migrations, models


def problem_to_source_text(apps, schema_editor):
    NationalLink = apps.get_model("lapor", "NationalLink")
    for pk, text in NationalLink.objects.exclude(problem="").values_list("pk", "problem"):
        NationalLink.objects.filter(pk=pk).update(kept_problem={"text": text})


def source_text_to_problem(apps, schema_editor):
    NationalLink = apps.get_model("lapor", "NationalLink")

    def english(stored):
        params = stored.get("params") or {}
        values = {k: english(v) if isinstance(v, dict) else v for k, v in params.items()}
        return stored.get("text", "") % values if values else stored.get("text", "")

    for pk, stored in NationalLink.objects.values_list("pk", "kept_problem"):
        if stored:
            NationalLink.objects.filter(pk=pk).update(problem=english(stored))


class Migration(migrations.Migration):
    dependencies = [
        ("lapor", "0001_connector_links_outbox_cursor_runs"),
    ]

    operations = [
        migrations.AddField(
            model_name="nationallink",
            name="kept_problem",
            field=models.JSONField(blank=True, default=dict, verbose_name="problem"),
        ),
        migrations.RunPython(problem_to_source_text, source_text_to_problem),
        migrations.RemoveField(model_name="nationallink", name="problem"),
        migrations.RenameField(
            model_name="nationallink", old_name="kept_problem", new_name="problem"
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="problem",
            field=models.JSONField(blank=True, default=dict, verbose_name="why it is parked"),
        ),
    ]
