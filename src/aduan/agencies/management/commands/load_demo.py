"""``aduan load_demo``: the demo configuration (agencies, regions, categories, demo users) and
a few demo complaints in every state.

The demo password is kept in ``.demo-password`` in the working directory, so every run (and
every developer's shell) uses the same one until the file is removed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from aduan.accounts.demo import DEMO_TWO_FACTOR_EXAMPLE, create_demo_users
from aduan.agencies.loaders import load_agencies, load_categories, load_regions
from aduan.complaints.demo import create_demo_complaints
from aduan.renaksi.loaders import load_plan

PASSWORD_FILE_NAME = ".demo-password"  # noqa: S105 (a file name)


def password_file() -> Path:
    """``.demo-password`` in ``settings.WORK_DIR`` when that directory exists, else in the cwd."""
    work_dir = getattr(settings, "WORK_DIR", None)
    directory = Path(work_dir) if work_dir and Path(work_dir).is_dir() else Path.cwd()
    return directory / PASSWORD_FILE_NAME


def read_or_create_password(path: Path) -> tuple[str, bool]:
    """The password stored at ``path``, or a new one written there (mode 0600).

    Returns (password, created). An empty file counts as missing.
    """
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password, False
        path.unlink()
    password = secrets.token_urlsafe(12)
    # O_EXCL: never follow a planted symlink or overwrite a file created in the meantime.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password, True


class Command(BaseCommand):
    help = "Load the demo configuration: agencies, regions, categories and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            default=settings.ADUAN_PROVINCE_CODE,
            help="Kemendagri province code (default: ADUAN_PROVINCE_CODE, %(default)s).",
        )
        parser.add_argument(
            "--skip-regions", action="store_true", help="Do not load the regions (faster)."
        )
        parser.add_argument(
            "--no-complaints", action="store_true", help="Do not create the demo complaints."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with ADUAN_ENV=production (the demo accounts share one password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and not options["allow_production"]:
            raise CommandError(
                _("Refusing to create demo accounts in production (use --allow-production).")
            )
        path = password_file()
        password, created = read_or_create_password(path)

        try:
            with transaction.atomic():
                agencies = load_agencies()
                regions = 0 if options["skip_regions"] else load_regions(options["province"])
                categories = load_categories()
                users = create_demo_users(password)
                complaints = 0 if options["no_complaints"] else create_demo_complaints()
                plan = load_plan()
                call_command("load_knowledge", examples=True, stdout=self.stdout)
        except (ValueError, LookupError) as error:
            raise CommandError(str(error)) from error

        self.stdout.write(_("Agencies: %(count)d") % {"count": agencies})
        if options["skip_regions"]:
            self.stdout.write(_("Regions: skipped"))
        else:
            self.stdout.write(
                _("Regions: %(count)d (province %(province)s)")
                % {"count": regions, "province": options["province"]}
            )
        self.stdout.write(_("Categories: %(count)d") % {"count": categories})
        self.stdout.write(_("Demo complaints created: %(count)d") % {"count": complaints})
        self.stdout.write(_("Action plan activities: %(count)d") % {"count": plan.activities})
        self.stdout.write("")
        self._write_table([(_("Username"), _("Role"), _("Agency")), *users])
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("Demo password: %(password)s") % {"password": password})
        )
        if created:
            self.stdout.write(_("Saved in %(path)s.") % {"path": path})
        else:
            self.stdout.write(_("Read from %(path)s.") % {"path": path})
        self.stdout.write(
            _(
                "Staff sign in with a second step; get the current code with: "
                "aduan otp code %(username)s"
            )
            % {"username": DEMO_TWO_FACTOR_EXAMPLE}
        )

    def _write_table(self, rows: list[tuple[str, str, str]]) -> None:
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        for index, (username, role, agency) in enumerate(rows):
            line = f"{username:<{widths[0]}}  {role:<{widths[1]}}  {agency or '-'}"
            self.stdout.write(self.style.MIGRATE_HEADING(line) if index == 0 else line)
