"""``aduan duplicates backfill``: find possible duplicates for complaints written without the
submission signal (``aduan loadgen``, imports, complaints older than this feature)."""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from aduan.complaints.models import Complaint, Status
from aduan.core import clock
from aduan.duplicates import services
from aduan.duplicates.models import DuplicateScan


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(
            _("a number of days, 0 or more: %(value)s") % {"value": text}
        )
    return days


class Command(BaseCommand):
    help = "Find possible duplicates for complaints that were never scanned."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        backfill = sub.add_parser("backfill", help="scan complaints not scanned yet")
        backfill.add_argument(
            "--days",
            type=_days,
            default=30,
            help="only complaints submitted in the last DAYS days (0: all); default 30",
        )
        backfill.add_argument(
            "--all-statuses",
            action="store_true",
            help="also complaints already verified (default: only those awaiting verification)",
        )
        backfill.add_argument("--rescan", action="store_true", help="scan again those scanned")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        queryset = Complaint.objects.all()
        if options["days"]:
            queryset = queryset.filter(
                submitted_at__gte=clock.now() - timedelta(days=options["days"])
            )
        if not options["all_statuses"]:
            queryset = queryset.filter(status__in=[Status.SUBMITTED, Status.ON_HOLD])
        if not options["rescan"]:
            queryset = queryset.exclude(pk__in=DuplicateScan.objects.values("complaint_id"))
        scanned = found = 0
        for complaint in queryset.order_by("submitted_at", "pk").iterator(chunk_size=500):
            found += len(services.duplicates_detect(complaint=complaint))
            scanned += 1
            if scanned % 1000 == 0:
                self.stderr.write(_("%(count)s complaints scanned") % {"count": f"{scanned:,}"})
        self.stdout.write(
            _(
                "%(count)s complaints scanned, %(found)s possible duplicates stored "
                "in %(seconds).1f s."
            )
            % {
                "count": f"{scanned:,}",
                "found": f"{found:,}",
                "seconds": time.monotonic() - started,
            }
        )
