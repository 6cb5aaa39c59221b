"""``aduan channels poll-email`` reads the IMAP mailbox once; ``aduan channels retry`` processes
messages and replies left behind (both also run periodically under ``aduan worker``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.channels.errors import WebhookRejected


class Command(BaseCommand):
    help = "Message channels: poll the IMAP mailbox, retry pending messages and replies."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("poll-email", help="take in unseen messages from the IMAP mailbox once")
        sub.add_parser("retry", help="process pending inbound messages and failed replies")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if options["action"] == "poll-email":
            if not settings.ADUAN_IMAP_HOST:
                raise CommandError(_("ADUAN_IMAP_HOST is not set (docs/channels.md)."))
            import imaplib

            from imap_tools.errors import ImapToolsError

            from aduan.channels.mail import email_poll_run

            try:
                counts = email_poll_run()
            except (OSError, imaplib.IMAP4.error, ImapToolsError, WebhookRejected) as error:
                raise CommandError(f"IMAP: {error}") from error
        else:
            from aduan.channels.tasks import channels_retry

            counts = channels_retry.call()
        for key, value in sorted(counts.items()):
            self.stdout.write(f"{key}\t{value}")
