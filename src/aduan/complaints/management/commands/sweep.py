"""``aduan sweep``: apply time-based rules (overdue flags, auto-close, expired holds)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from aduan.complaints.sweep import sweep


class Command(BaseCommand):
    help = "Apply time-based rules: overdue flags, auto-close, expired holds. Safe to repeat."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        message = _(
            "Overdue deadlines flagged: %(breached)d; auto-closed: %(closed)d; "
            "expired holds archived: %(held)d."
        )
        values = {
            "breached": result.breached,
            "closed": result.auto_closed,
            "held": result.holds_expired,
        }
        self.stdout.write(message % values)
        self.stdout.write(
            _("Reminders sent: %(reminded)d; overdue deadlines escalated: %(escalated)d.")
            % {"reminded": result.reminded, "escalated": result.escalated}
        )
