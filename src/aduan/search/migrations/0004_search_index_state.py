"""The fingerprint of what the search documents were written with (check
``aduan.search.W001``). A database without documents yet is current: the documents written from
now on follow this version's normalisation. One with documents is unknown until the next full
``aduan search rebuild``."""

from typing import Any

from django.db import migrations, models

from aduan.search.text import index_fingerprint


def record_if_empty(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    documents = apps.get_model("search", "SearchDocument").objects.using(alias)
    apps.get_model("search", "SearchIndexState").objects.using(alias).update_or_create(
        pk=1, defaults={"fingerprint": "" if documents.exists() else index_fingerprint()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_search_document_scope"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "fingerprint",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="fingerprint of the normalisation"
                    ),
                ),
            ],
            options={
                "verbose_name": "search index state",
                "verbose_name_plural": "search index states",
            },
        ),
        migrations.RunPython(record_if_empty, migrations.RunPython.noop),
    ]
