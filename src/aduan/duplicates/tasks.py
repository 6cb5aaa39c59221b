"""Background work of the duplicates app (django-tasks; ``aduan worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from aduan.complaints.models import Complaint
from aduan.duplicates import services


@task()
def detect_duplicates(complaint_id: int) -> dict[str, object]:
    """Find and store the likely duplicates of a newly submitted complaint."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return {"complaint": complaint_id, "status": "missing"}
    rows = services.duplicates_detect(complaint=complaint)
    return {"complaint": complaint_id, "candidates": len(rows)}
