"""The append-only, hash-chained audit log. Services write it; signals never do."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from aduan.core.context import request_id_var
from aduan.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> Any:
    """What a JSONField gives back after a round trip, so the hash is the same before and after."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _event_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    data: Any,
    request_id: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "seq": seq,
            "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "data": data,
            "request_id": request_id,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_log must be called inside the transaction of the change")
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    label = actor_label or (str(actor.get_username()) if actor_id else "system")
    event = AuditEvent(
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=_canonical(data or {}),
        request_id=request_id_var.get(),
        prev_hash=head.hash,
    )
    event.hash = _event_hash(
        seq=event.seq,
        created_at=event.created_at,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=event.target_type,
        target_id=event.target_id,
        data=event.data,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
    )
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold."""

    seq: int
    reason: str


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Walk the whole chain; return how many events were checked and the first problem, if any."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return checked, ChainProblem(expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return checked, ChainProblem(
                event.seq, "previous hash does not match (row removed or altered)"
            )
        recomputed = _event_hash(
            seq=event.seq,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            data=event.data,
            request_id=event.request_id,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return checked, ChainProblem(event.seq, "content does not match its hash (row altered)")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return checked, ChainProblem(checked, "the chain head is missing (row removed)")
        return checked, None
    if head.seq > checked:
        return checked, ChainProblem(
            checked + 1, f"event #{checked + 1} is missing (chain head is at #{head.seq})"
        )
    if head.seq < checked:
        return head.seq, ChainProblem(
            head.seq + 1, f"event #{head.seq + 1} lies beyond the chain head (row inserted)"
        )
    # No later event vouches for the last one, so only the head can show it was rewritten.
    if head.hash != expected_prev:
        return max(checked - 1, 0), ChainProblem(
            checked, "last event does not match the chain head (row altered)"
        )
    return checked, None
