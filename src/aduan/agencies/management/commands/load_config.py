"""``aduan load_config``: the instansi's configuration without demo accounts or complaints.

Loads the packaged agencies and categories and the regions of ``--province``; safe to repeat
(rows are updated in place), and safe in production.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from aduan.agencies.loaders import load_agencies, load_categories, load_regions


class Command(BaseCommand):
    help = "Load agencies, categories and regions (no demo accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default=settings.ADUAN_PROVINCE_CODE)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                agencies = load_agencies()
                regions = load_regions(options["province"])
                categories = load_categories()
        except (ValueError, LookupError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Agencies: %(count)d") % {"count": agencies})
        self.stdout.write(
            _("Regions: %(count)d (province %(province)s)")
            % {"count": regions, "province": options["province"]}
        )
        self.stdout.write(_("Categories: %(count)d") % {"count": categories})
