"""``aduan audit verify``: walk the audit log's hash chain and report the first break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. 'verify' checks the hash chain and exits 1 at the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="what to do with the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_verify()
        if problem is not None:
            # CommandError goes to stderr and sets the exit status when run from the shell.
            raise CommandError(
                _("Audit chain broken at event #%(seq)d: %(reason)s")
                % {"seq": problem.seq, "reason": problem.reason},
                returncode=1,
            )
        self.stdout.write(
            ngettext(
                "Audit chain intact: %(count)d event checked.",
                "Audit chain intact: %(count)d events checked.",
                checked,
            )
            % {"count": checked}
        )
