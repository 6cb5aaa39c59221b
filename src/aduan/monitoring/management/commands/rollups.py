"""``aduan rollups rebuild|catch-up|check``: the dashboards' rollups (docs/architecture.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.monitoring import rollups


class Command(BaseCommand):
    help = "Rebuild, catch up or check the rollups that the dashboards read."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="recompute every rollup from the complaints")
        sub.add_parser("catch-up", help="apply the changes not yet applied")
        sub.add_parser("check", help="compare the rollups with a fresh computation")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "rebuild":

            def progress(count: int) -> None:
                if count % 100_000 < 2000:
                    self.stderr.write(_("%(count)s complaints read") % {"count": f"{count:,}"})

            rebuilt = rollups.rebuild(progress=progress)
            self.stdout.write(
                _("Rollups rebuilt: %(complaints)s complaints, %(rows)s rows in %(seconds).1f s.")
                % {
                    "complaints": f"{rebuilt.complaints:,}",
                    "rows": f"{rebuilt.rows:,}",
                    "seconds": time.monotonic() - started,
                }
            )
        elif options["action"] == "catch-up":
            done = rollups.catch_up(max_batches=1_000_000)
            self.stdout.write(
                _("%(events)s audit events applied (%(complaints)s complaints).")
                % {"events": done.events, "complaints": done.complaints}
            )
        else:
            problems = rollups.differences()
            if problems:
                for line in problems[:50]:
                    self.stderr.write(line)
                raise CommandError(
                    _("The rollups differ from the complaints in %(count)s rows.")
                    % {"count": len(problems)}
                )
            self.stdout.write(_("The rollups match the complaints."))
