"""Seed the action plan's targets (Renaksi SP4N-LAPOR! Sumbar, "Sasaran Strategis dan Target
2021-2024"): baseline 2020 and the yearly targets. Administrators edit them in /admin/."""

from django.db import migrations

SOURCE = "Renaksi SP4N-LAPOR! Provinsi Sumatera Barat, Sasaran Strategis dan Target 2021-2024"
TARGETS = [
    (2020, 50, "99.00", True),
    (2021, 60, "98.00", False),
    (2022, 70, "99.00", False),
    (2023, 80, "99.00", False),
    (2024, 80, "100.00", False),
]


def seed(apps, schema_editor):
    Target = apps.get_model("monitoring", "Target")
    for year, complaints, percent, baseline in TARGETS:
        Target.objects.get_or_create(
            year=year,
            defaults={
                "complaints": complaints,
                "resolved_percent": percent,
                "is_baseline": baseline,
                "note": SOURCE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
