"""React to a new complaint from any channel: detection runs in the background once the
submission has committed (``complaints.services`` is not touched; see docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from aduan.complaints.models import Complaint


def _enqueue(complaint_id: int) -> None:
    from aduan.duplicates.tasks import detect_duplicates

    detect_duplicates.enqueue(complaint_id)


@receiver(post_save, sender=Complaint, dispatch_uid="duplicates.complaint_created")
def complaint_created(sender: Any, instance: Complaint, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        complaint_id = instance.pk
        transaction.on_commit(lambda: _enqueue(complaint_id))
