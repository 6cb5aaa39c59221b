"""``aduan load_knowledge``: the regulations every node works by, as links (docs/knowledge.md).

Safe to repeat and safe in production; ``aduan load_demo`` runs it too, with ``--examples``
(the demo's shared canned responses).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from aduan.knowledge.loaders import load_example_templates, load_regulations


class Command(BaseCommand):
    help = "Add the regulations (as links) to the document library; --examples adds demo texts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--examples", action="store_true", help="Also add example shared canned responses."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        documents = load_regulations()
        self.stdout.write(_("Documents added: %(count)d") % {"count": documents})
        if options["examples"]:
            templates = load_example_templates()
            self.stdout.write(_("Canned responses added: %(count)d") % {"count": templates})
