"""Keep the working-day cache in step with administrator edits in this process.

Other processes pick up an edit when their cached overrides expire (see ``aduan.core.calendar``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aduan.core.calendar import invalidate_overrides
from aduan.core.models import CalendarOverride


@receiver([post_save, post_delete], sender=CalendarOverride)
def _calendar_override_changed(**kwargs: Any) -> None:
    # Now, so this transaction sees its own edit; and again after commit, because a request in
    # another thread may have reloaded the old rows in between (or this one rolled back).
    invalidate_overrides()
    transaction.on_commit(invalidate_overrides)
