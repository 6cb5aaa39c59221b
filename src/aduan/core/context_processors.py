"""Template context every page needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """The instansi's name and whether the visitor works in the back office."""
    from aduan.complaints.policies import staff_roles

    user = getattr(request, "user", None)
    return {
        "instansi_name": settings.ADUAN_INSTANSI_NAME,
        "is_staff_member": bool(user is not None and staff_roles(user).is_staff),
    }
