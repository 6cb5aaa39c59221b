"""What a browser remembers for the portal, in its server-side session (never in a readable
cookie): the guest passes it proved with a secret, the receipt of its last submission (for
``RECEIPT_MINUTES``), and a random supporter key for anonymous "dukung".

A pass is the complaint's stored secret *hash* (``sha256(tracking_id:secret)``), never the
secret: whoever reads the session store learns nothing they could type into the track form. Only
the receipt holds a secret in clear, for those minutes.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from aduan.agencies.models import Region
from aduan.complaints import policies
from aduan.complaints.models import Complaint
from aduan.complaints.services import normalize_tracking_id
from aduan.core import clock

PASSES_KEY = "portal_guest_passes"
RECEIPT_KEY = "portal_receipt"
SUPPORTER_KEY = "portal_supporter"
# A browser keeps the passes of its most recent complaints only.
MAX_PASSES = 20
# How long the receipt (with a guest's secret) can be shown again in the browser that sent the
# report: a reload or a change of language must not lose it, a shared computer must not keep it.
RECEIPT_MINUTES = 30


def keep_receipt(session: Any, complaint: Complaint, secret: str) -> None:
    """The receipt of the complaint this browser just sent (the secret in clear: the session is
    server-side; the entry is replaced by the next submission and dropped when it is read after
    ``RECEIPT_MINUTES``, or with the session)."""
    session[RECEIPT_KEY] = {
        "tracking_id": complaint.tracking_id,
        "secret": secret,
        "at": clock.now().isoformat(),
    }


def receipt(session: Any) -> dict[str, str] | None:
    """The last receipt while it may be shown (dropped from the session after that)."""
    data = session.get(RECEIPT_KEY)
    if not data:
        return None
    try:
        kept_at = datetime.fromisoformat(str(data.get("at")))
    except ValueError:  # kept before receipts had a time
        kept_at = None
    if kept_at is None or clock.now() - kept_at > timedelta(minutes=RECEIPT_MINUTES):
        session.pop(RECEIPT_KEY, None)
        return None
    return {"tracking_id": str(data["tracking_id"]), "secret": str(data.get("secret") or "")}


def remember_pass(session: Any, complaint: Complaint) -> None:
    """This browser proved the complaint's secret (or just submitted it as a guest)."""
    if not complaint.guest_secret_hash:
        return
    passes = dict(session.get(PASSES_KEY) or {})
    passes.pop(complaint.tracking_id, None)
    passes[complaint.tracking_id] = complaint.guest_secret_hash
    while len(passes) > MAX_PASSES:
        passes.pop(next(iter(passes)))
    session[PASSES_KEY] = passes


def forget_pass(session: Any, tracking_id: str) -> None:
    """This browser no longer opens the complaint without the secret."""
    passes = dict(session.get(PASSES_KEY) or {})
    if passes.pop(normalize_tracking_id(tracking_id), None) is not None:
        session[PASSES_KEY] = passes


def complaint_for_pass(
    session: Any, tracking_id: str
) -> tuple[Complaint, policies.GuestPass] | None:
    """The complaint and the guest's pass when this browser proved its secret earlier.

    Scoped by the proof itself: the complaint is found only when the hash this session holds
    still matches the stored one (the same check ``selectors.complaint_for_guest`` does with the
    secret). None otherwise.
    """
    tracking_id = normalize_tracking_id(tracking_id)
    marker = (session.get(PASSES_KEY) or {}).get(tracking_id)
    if not marker:
        return None
    complaint = (
        Complaint.objects.select_related("category", "lead_agency", Region.parents_path("region"))
        .filter(tracking_id=tracking_id)
        .first()
    )
    if complaint is None or not complaint.guest_secret_hash:
        return None
    if not hmac.compare_digest(str(marker), complaint.guest_secret_hash):
        return None
    return complaint, policies.GuestPass(complaint_id=complaint.pk)


def supporter_key(request: Any) -> str:
    """A stable key for an anonymous visitor's support, kept in their session (created here).

    A random value rather than the session key itself: the session key changes at sign-in, and
    a visitor must not be able to support twice by signing in and out.
    """
    key = request.session.get(SUPPORTER_KEY)
    if not key:
        key = secrets.token_hex(16)
        request.session[SUPPORTER_KEY] = key
    return f"session:{key}"


def existing_supporter_key(request: Any) -> str:
    """The visitor's support key if they have one already (no session is created)."""
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"  # type: ignore[union-attr]
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return ""
    key = session.get(SUPPORTER_KEY)
    return f"session:{key}" if key else ""
