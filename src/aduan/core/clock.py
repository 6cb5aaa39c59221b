"""The one place that asks for the current time, so tests and the sweep can move it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current aware time (UTC)."""
    return timezone.now()
