"""``aduan nik check NIK [--online --name NAME [--birth-date DD-MM-YYYY]]``: is this a NIK?

Prints the verdict on the first line, then the reasons (or, for a valid NIK, what the number
says: region, birth date, sex), one per line. ``--online`` also asks the configured Dukcapil
adapter (when the number passes offline) and records the answer as a ``NikCheck``.

Exit status: 0 valid (and, with ``--online``, matched or Dukcapil unavailable: the offline verdict
stands), 1 invalid or not matched, 2 wrong usage (also ``--online`` without a configured adapter).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.identity.dukcapil import OnlineResult
from aduan.identity.models import NikCheck
from aduan.identity.nik import NikVerdict, validate_nik
from aduan.identity.services import nik_check_online

USAGE = 2
UNAVAILABLE = 3  # --online: Dukcapil could not be asked


def _birth_date(value: str) -> date:
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CommandError(
        _("The birth date %(value)s is not a date (DD-MM-YYYY).") % {"value": value},
        returncode=USAGE,
    )


class Command(BaseCommand):
    # A quick check at the prompt: no system checks first (they import every URL module).
    requires_system_checks: list[str] = []
    help = (
        "NIK tools. 'check NIK' validates a NIK offline (format, region codes, birth date) and "
        "prints the verdict and the reasons; exit 0 valid, 1 invalid, 2 usage. '--online "
        "--name NAME' also asks Dukcapil where it is configured (exit 3: it could not be asked)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate a NIK and print the verdict and reasons")
        check.add_argument("nik", help="the NIK (spaces, dots and dashes are ignored)")
        check.add_argument(
            "--online", action="store_true", help="also ask the configured Dukcapil adapter"
        )
        check.add_argument("--name", default="", help="the full name to match (with --online)")
        check.add_argument(
            "--birth-date", default="", help="the birth date to match, DD-MM-YYYY (with --online)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        online = bool(options["online"])
        name = " ".join(str(options["name"] or "").split())
        birth_date = _birth_date(options["birth_date"]) if options["birth_date"] else None
        if online and not name:
            raise CommandError(
                _("--online needs --name (the full name as on the KTP)."), returncode=USAGE
            )
        if not online and (name or birth_date):
            raise CommandError(_("--name and --birth-date go with --online."), returncode=USAGE)

        verdict = validate_nik(options["nik"])
        self._print_verdict(verdict)
        if not verdict.valid:
            if online:
                self.stdout.write(_("Dukcapil was not asked: the number is not a valid NIK."))
            raise CommandError(_("The NIK is not valid."), returncode=1)
        if not online:
            return

        check = nik_check_online(
            nik=verdict.nik,
            name=name,
            birth_date=birth_date,
            trigger=NikCheck.Trigger.COMMAND,
            actor_label="aduan nik check",
        )
        if check is None:
            raise CommandError(
                _(
                    "No online check is configured: set ADUAN_DUKCAPIL_URL, "
                    "ADUAN_DUKCAPIL_USER_ID and ADUAN_DUKCAPIL_PASSWORD (docs/identity.md)."
                ),
                returncode=USAGE,
            )
        answer = check.answer
        if answer.result is OnlineResult.MATCHED:
            self.stdout.write(_("Dukcapil: matched."))
        elif answer.result is OnlineResult.NOT_MATCHED:
            self.stdout.write(_("Dukcapil: not matched (%(reason)s).") % {"reason": answer.reason})
            raise CommandError(_("Dukcapil did not match the NIK."), returncode=1)
        else:
            self.stdout.write(
                _("Dukcapil: unavailable (%(reason)s); the offline verdict stands.")
                % {"reason": answer.reason}
            )
            # Its own status: an operator checking the set-up (a wrong password reads as
            # "refused") must not take it for a match.
            raise CommandError(_("Dukcapil could not be asked."), returncode=UNAVAILABLE)

    def _print_verdict(self, verdict: NikVerdict) -> None:
        if not verdict.valid:
            self.stdout.write(_("NIK not valid"))
            for reason in verdict.reasons:
                self.stdout.write(f"- {reason}")
        else:
            self.stdout.write(_("NIK valid"))
            assert verdict.birth_date is not None and verdict.sex is not None
            lines = [
                _("Province: %(code)s %(name)s")
                % {"code": verdict.province_code, "name": verdict.province_name},
                _("Regency/city: %(code)s %(name)s")
                % {"code": verdict.regency_code, "name": verdict.regency_name},
                _("District: %(code)s %(name)s")
                % {"code": verdict.district_code, "name": verdict.district_name},
                _("Birth date: %(date)s") % {"date": verdict.birth_date.strftime("%d-%m-%Y")},
                _("Sex: %(sex)s") % {"sex": verdict.sex.label()},
            ]
            for line in lines:
                self.stdout.write(f"  {line}")
        for note in verdict.notes:
            self.stdout.write(_("Note: %(note)s") % {"note": note.message})
