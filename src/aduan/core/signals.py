"""Keep the working-day cache in step with administrator edits in this process."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aduan.core.calendar import invalidate_overrides
from aduan.core.models import CalendarOverride


@receiver([post_save, post_delete], sender=CalendarOverride)
def _calendar_override_changed(**kwargs: Any) -> None:
    invalidate_overrides()
