"""``aduan renaksi load [--file PATH]``: load the packaged action plan (docs/renaksi.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.renaksi.loaders import load_plan


class Command(BaseCommand):
    help = "Load the packaged action plan (Renaksi); keeps what administrators changed."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="create or update the plan from the packaged data")
        load.add_argument(
            "--file", default=None, help="a plan JSON file instead of the packaged one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options.get("file")
        try:
            result = load_plan(path)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error.strerror}
            ) from error
        except (ValueError, KeyError, TypeError) as error:
            # Not JSON, or JSON without the plan's fields (docs/renaksi.md shows the format).
            raise CommandError(
                _("%(file)s is not an action plan file (docs/renaksi.md): %(error)s")
                % {"file": path or "-", "error": error}
            ) from error
        self.stdout.write(
            _(
                "Action plan: %(activities)s activities; %(created)s rows created, %(updated)s "
                "updated, %(kept)s changed by administrators and kept, %(years)s activity years "
                "added."
            )
            % {
                "activities": result.activities,
                "created": result.created,
                "updated": result.updated,
                "kept": result.kept,
                "years": result.years_created,
            }
        )
