"""``aduan search rebuild``: (re)write the search documents (docs/operations.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.search import services


class Command(BaseCommand):
    help = "Rebuild the full-text search index of the complaints."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild", help="rewrite the search document of every complaint, in batches"
        )
        rebuild.add_argument(
            "--missing", action="store_true", help="only complaints that have no document yet"
        )
        rebuild.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("The batch size must be at least 1."))
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stderr.write(
                _("%(done)s/%(total)s complaints indexed, %(seconds).0f s")
                % {
                    "done": f"{done:,}",
                    "total": f"{total:,}",
                    "seconds": time.monotonic() - started,
                }
            )

        written = services.search_documents_rebuild(
            batch_size=options["batch_size"], only_missing=options["missing"], progress=progress
        )
        self.stdout.write(
            _("Search index rebuilt: %(count)s complaints in %(seconds).1f s.")
            % {"count": f"{written:,}", "seconds": time.monotonic() - started}
        )
