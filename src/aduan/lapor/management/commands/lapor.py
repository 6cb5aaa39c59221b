"""``aduan lapor sync|reconcile|status|retry``: the national SP4N-LAPOR! connector by hand.

- ``sync [--send-only|--receive-only]``: send the outbox, take in the national feed (also the
  worker's periodic job ``lapor.sync``). Exit 1 when SP4N-LAPOR! could not be reached.
- ``reconcile [--repair]``: list every difference between our complaints and SP4N-LAPOR!;
  with ``--repair`` queue the messages / apply the national reports that make them equal.
  Exit 1 while a difference remains that was not repaired.
- ``status``: configuration, cursor, last runs, the outbox by state and the parked messages.
- ``retry (--all | ID ...)``: send parked messages again from the first attempt.
- ``instansi``: read SP4N-LAPOR!'s directory of instansi now (the sync reads it once a day); the
  coordinator's transfer form offers its names. Exit 1 when it could not be read.

Output is in ``settings.LANGUAGE_CODE`` (Bahasa Indonesia by default), like every ``aduan``
command; codes (counts' keys, idempotency keys, reconcile's difference codes) stay as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from aduan.core.problems import problem_text
from aduan.lapor import config, services
from aduan.lapor.models import (
    NationalFile,
    NationalInstansi,
    NationalLink,
    OutboundMessage,
    SyncRun,
)
from aduan.lapor.selectors import RunView


def _when(moment: datetime | None) -> str:
    """A time in the server's time zone (Asia/Jakarta), to the second."""
    return timezone.localtime(moment).isoformat(" ", "seconds") if moment else "-"


class Command(BaseCommand):
    help = "National SP4N-LAPOR! connector: sync, reconcile [--repair], status, retry, instansi."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="send the outbox, then take in the national changes")
        only = sync.add_mutually_exclusive_group()
        only.add_argument("--send-only", action="store_true", help="only send the outbox")
        only.add_argument("--receive-only", action="store_true", help="only read the national feed")
        reconcile = sub.add_parser("reconcile", help="compare both sides and list differences")
        reconcile.add_argument(
            "--repair",
            action="store_true",
            help="queue the messages and apply the national reports that make both sides equal",
        )
        sub.add_parser("status", help="configuration, last runs, outbox and parked messages")
        retry = sub.add_parser("retry", help="send parked messages again")
        retry.add_argument("ids", nargs="*", type=int, help="message ids (see status)")
        retry.add_argument("--all", action="store_true", help="every parked message")
        sub.add_parser("instansi", help="read the national directory of instansi now")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self._status()
            return
        if not config.enabled():
            raise CommandError(_("ADUAN_LAPOR_BASE_URL is not set: the connector is off."))
        try:
            if action == "sync":
                self._sync(send=not options["receive_only"], receive=not options["send_only"])
            elif action == "reconcile":
                self._reconcile(repair=options["repair"])
            elif action == "instansi":
                self._directory()
            else:
                self._retry(options["ids"], every=options["all"])
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error

    def _sync(self, *, send: bool, receive: bool) -> None:
        from aduan.lapor.sync import sync

        result = sync(send=send, receive=receive)
        if result.busy:
            self.stdout.write(_("Another sync or reconcile is running; nothing done."))
            return
        for key, value in sorted(result.counts.items()):
            self.stdout.write(f"{key}\t{value}")
        if result.run is not None:
            for note in result.run.differences:
                self.stderr.write(problem_text(note) if isinstance(note, dict) else str(note))
        if result.error:
            raise CommandError(problem_text(result.problem) or result.error)

    def _directory(self) -> None:
        from aduan.lapor.sync import read_directory_now

        result = read_directory_now()
        if result.busy:
            raise CommandError(_("Another sync or reconcile is running; try again later."))
        if result.error:
            raise CommandError(problem_text(result.problem) or result.error)
        for key, value in sorted(result.counts.items()):
            self.stdout.write(f"{key}\t{value}")
        count = NationalInstansi.objects.filter(active=True).count()
        self.stdout.write(
            ngettext(
                "%(count)d active instansi in the directory.",
                "%(count)d active instansi in the directory.",
                count,
            )
            % {"count": count}
        )

    def _reconcile(self, *, repair: bool) -> None:
        from aduan.lapor.reconcile import reconcile

        result = reconcile(repair=repair)
        if result.busy:
            raise CommandError(_("Another sync or reconcile is running; try again later."))
        for item in result.differences:
            mark = _("repaired") if item.repaired else _("DIFFERENT")
            who = " ".join(filter(None, [item.tracking_id, item.national_id])) or "-"
            self.stdout.write(f"{mark}\t{item.code}\t{who}\t{problem_text(item.detail)}")
        repaired = sum(1 for item in result.differences if item.repaired)
        left = len(result.differences) - repaired
        self.stdout.write(
            _(
                "compared %(compared)d, in flight %(in_flight)d, differences %(differences)d, "
                "repaired %(repaired)d"
            )
            % {
                "compared": result.compared,
                "in_flight": result.in_flight,
                "differences": len(result.differences),
                "repaired": repaired,
            }
        )
        if repaired:
            self.stdout.write(_("Queued repairs are sent by the next sync (aduan lapor sync)."))
        if result.error:
            raise CommandError(problem_text(result.problem) or result.error)
        if left:
            raise CommandError(
                ngettext("%(count)d difference remains.", "%(count)d differences remain.", left)
                % {"count": left}
            )

    def _retry(self, ids: list[int], *, every: bool) -> None:
        if not ids and not every:
            raise CommandError(_("Name message ids or use --all."))
        parked = OutboundMessage.objects.filter(state=OutboundMessage.State.PARKED)
        if not every:
            parked = parked.filter(pk__in=ids)
        found = list(parked.order_by("id"))
        count = services.message_retry(actor=None, messages=found)
        self.stdout.write(
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count}
        )
        missing = sorted(set(ids) - {message.pk for message in found})
        if missing and not every:
            # A typo or a message retried meanwhile: say which, and fail the command.
            raise CommandError(
                _("Not parked messages (nothing done for them): %(ids)s")
                % {"ids": ", ".join(str(pk) for pk in missing)}
            )

    def _status(self) -> None:
        from aduan.lapor.sync import sync_state

        def row(label: str, *values: Any) -> None:
            self.stdout.write("\t".join([label, *(str(value) for value in values)]))

        if not config.enabled():
            row(_("Connector"), _("off (ADUAN_LAPOR_BASE_URL is not set)"))
        else:
            try:
                current = config.load_config()
                row(
                    _("Connector"),
                    _("on, %(url)s, instansi %(instansi)s")
                    % {"url": current.base_url, "instansi": current.instansi},
                )
                row(_("Registering local complaints"), current.register)
            except ImproperlyConfigured as error:
                row(_("Connector"), _("MISCONFIGURED: %(error)s") % {"error": error})
        state = sync_state()
        row(_("Inbound cursor"), state.cursor or "-")
        row(_("Last sync"), _when(state.last_sync_at))
        row(_("Last successful sync"), _when(state.last_success_at))
        if state.last_error:
            row(_("Last error"), problem_text(state.last_problem) or state.last_error)
        if state.paused_until:
            row(_("Sending paused until"), _when(state.paused_until))
        by_state = dict(
            OutboundMessage.objects.values_list("state").annotate(n=Count("id")).order_by()
        )
        State = OutboundMessage.State
        labels = {
            State.PENDING: _("Messages waiting"),
            State.DELIVERED: _("Messages delivered"),
            State.PARKED: _("Messages parked"),
            State.DISCARDED: _("Messages discarded"),
        }
        for name, label in labels.items():
            row(label, by_state.get(name, 0))
        row(_("Linked complaints"), NationalLink.objects.exclude(complaint=None).count())
        files = dict(NationalFile.objects.values_list("state").annotate(n=Count("id")).order_by())
        row(_("Reporters' files waiting"), files.get(NationalFile.State.PENDING, 0))
        row(_("Reporters' files refused"), files.get(NationalFile.State.REFUSED, 0))
        row(
            _("Instansi directory"),
            NationalInstansi.objects.filter(active=True).count(),
            _when(state.directory_read_at),
        )
        for link in NationalLink.objects.filter(problem__has_key="text").order_by("id")[:20]:
            row(_("Problem"), link.national_id or link.pk, problem_text(link.problem))
        for message in OutboundMessage.objects.filter(state=State.PARKED).order_by("id")[:20]:
            first_line = message.last_error.splitlines()[0] if message.last_error else ""
            row(
                _("Parked"),
                message.pk,
                message.get_kind_display(),
                message.idempotency_key,
                problem_text(message.problem) or "-",
                first_line or "-",
            )
        for run in SyncRun.objects.order_by("-started_at", "-id")[:5]:
            started = _when(run.started_at)
            run_error = problem_text(run.error_problem) or run.error
            counts = "; ".join(f"{label}: {value}" for label, value in RunView(run).counts)
            row(
                pgettext("a sync run", "Run"),
                run.get_kind_display(),
                started,
                counts or "-",
                run_error[:200],
            )
