"""React to a new complaint: its routing suggestion is computed by the worker after commit.

Connected in ``RoutingConfig.ready``. Bulk writes (``aduan loadgen``) send no signals; their
suggestions are made lazily on the complaint page or by ``refresh_suggestions``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aduan.complaints.models import Complaint


def complaint_created(
    sender: type[Complaint], instance: Complaint, created: bool, **kwargs: Any
) -> None:
    if not created or kwargs.get("raw") or instance.is_supervisory:
        return
    complaint_id = instance.pk
    transaction.on_commit(lambda: _enqueue(complaint_id))


def _enqueue(complaint_id: int) -> None:
    from aduan.routing.models import RoutingModel
    from aduan.routing.tasks import suggest_complaint

    if RoutingModel.objects.filter(is_active=True).exists():
        suggest_complaint.enqueue(complaint_id)
