"""``aduan lapor sync|reconcile|status|retry``: the national SP4N-LAPOR! connector by hand.

- ``sync [--send-only|--receive-only]``: send the outbox, take in the national feed (also the
  worker's periodic job ``lapor.sync``). Exit 1 when SP4N-LAPOR! could not be reached.
- ``reconcile [--repair]``: list every difference between our complaints and SP4N-LAPOR!;
  with ``--repair`` queue the messages / apply the national reports that make them equal.
  Exit 1 while a difference remains that was not repaired.
- ``status``: configuration, cursor, last runs, the outbox by state and the parked messages.
- ``retry (--all | ID ...)``: send parked messages again from the first attempt.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from aduan.lapor import config, services
from aduan.lapor.models import NationalLink, OutboundMessage, SyncRun


class Command(BaseCommand):
    help = "National SP4N-LAPOR! connector: sync, reconcile [--repair], status, retry."

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

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self._status()
            return
        if not config.enabled():
            raise CommandError("ADUAN_LAPOR_BASE_URL is not set: the connector is off.")
        try:
            if action == "sync":
                self._sync(send=not options["receive_only"], receive=not options["send_only"])
            elif action == "reconcile":
                self._reconcile(repair=options["repair"])
            else:
                self._retry(options["ids"], every=options["all"])
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error

    def _sync(self, *, send: bool, receive: bool) -> None:
        from aduan.lapor.sync import sync

        result = sync(send=send, receive=receive)
        if result.busy:
            self.stdout.write("Another sync or reconcile is running; nothing done.")
            return
        for key, value in sorted(result.counts.items()):
            self.stdout.write(f"{key}\t{value}")
        if result.run is not None:
            for note in result.run.differences:
                self.stderr.write(str(note))
        if result.error:
            raise CommandError(result.error)

    def _reconcile(self, *, repair: bool) -> None:
        from aduan.lapor.reconcile import reconcile

        result = reconcile(repair=repair)
        if result.busy:
            raise CommandError("Another sync or reconcile is running; try again later.")
        for item in result.differences:
            mark = "repaired" if item.repaired else "DIFFERENT"
            who = " ".join(filter(None, [item.tracking_id, item.national_id])) or "-"
            self.stdout.write(f"{mark}\t{item.code}\t{who}\t{item.detail}")
        repaired = sum(1 for item in result.differences if item.repaired)
        left = len(result.differences) - repaired
        self.stdout.write(
            f"compared {result.compared}, in flight {result.in_flight}, differences "
            f"{len(result.differences)}, repaired {repaired}"
        )
        if repaired:
            self.stdout.write("Queued repairs are sent by the next sync (aduan lapor sync).")
        if result.error:
            raise CommandError(result.error)
        if left:
            raise CommandError(f"{left} difference(s) remain.")

    def _retry(self, ids: list[int], *, every: bool) -> None:
        if not ids and not every:
            raise CommandError("Name message ids or use --all.")
        parked = OutboundMessage.objects.filter(state=OutboundMessage.State.PARKED)
        if not every:
            parked = parked.filter(pk__in=ids)
        count = services.message_retry(actor=None, messages=list(parked.order_by("id")))
        self.stdout.write(f"{count} message(s) queued again.")

    def _status(self) -> None:
        from aduan.lapor.sync import sync_state

        write = self.stdout.write
        if not config.enabled():
            write("connector\toff (ADUAN_LAPOR_BASE_URL is not set)")
        else:
            try:
                current = config.load_config()
                write(f"connector\ton, {current.base_url}, instansi {current.instansi}")
                write(f"register\t{current.register}")
            except ImproperlyConfigured as error:
                write(f"connector\tMISCONFIGURED: {error}")
        state = sync_state()
        write(f"cursor\t{state.cursor or '-'}")
        write(f"last sync\t{state.last_sync_at or '-'}")
        write(f"last success\t{state.last_success_at or '-'}")
        if state.last_error:
            write(f"last error\t{state.last_error}")
        if state.paused_until:
            write(f"sending paused until\t{state.paused_until}")
        by_state = dict(
            OutboundMessage.objects.values_list("state").annotate(n=Count("id")).order_by()
        )
        for name in OutboundMessage.State.values:
            write(f"messages {name}\t{by_state.get(name, 0)}")
        write(f"linked complaints\t{NationalLink.objects.exclude(complaint=None).count()}")
        problems = NationalLink.objects.exclude(problem="").order_by("id")[:20]
        for link in problems:
            write(f"problem\t{link.national_id or link.pk}\t{link.problem}")
        for message in OutboundMessage.objects.filter(state=OutboundMessage.State.PARKED).order_by(
            "id"
        )[:20]:
            first_line = message.last_error.splitlines()[0] if message.last_error else ""
            write(f"parked\t{message.pk}\t{message.kind}\t{message.idempotency_key}\t{first_line}")
        for run in SyncRun.objects.order_by("-started_at", "-id")[:5]:
            write(f"run\t{run.kind}\t{run.started_at}\t{run.counts}\t{run.error[:200]}")
