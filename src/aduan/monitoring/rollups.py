"""Keep the rollups equal to the complaints, incrementally (see ``aduan.monitoring.models``).

The follower reads the audit log in ``seq`` order. Each audit event is written under the lock of
the chain head, so events commit in ``seq`` order and a cursor on ``seq`` misses nothing. For every
complaint named by new events it recomputes the fact and adds the difference to the rollups, and
moves the cursor, in one transaction; a crash anywhere leaves cursor and rollups as they were.

It runs right after each lifecycle transaction commits (``schedule``), and every few seconds in
the worker (``aduan.monitoring.tasks``) to pick up whatever a crashed or busy process left, so a
change reaches the dashboards within seconds either way. ``rebuild`` recomputes everything, for
data loaded without the services (``aduan loadgen``) or after restoring a backup.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q

from aduan.accounts.models import Membership
from aduan.complaints.models import Clock, Complaint, Dispatch, FollowUp
from aduan.core import clock
from aduan.core.models import AuditChainHead, AuditEvent
from aduan.monitoring import facts
from aduan.monitoring.models import (
    ClockRollup,
    ComplaintFact,
    DailyCount,
    FollowerCursor,
    Rollup,
    StaffActivity,
    StageHistogram,
)

COMPLAINT_TARGET = "complaints.complaint"
TABLES: tuple[type, ...] = (Rollup, ClockRollup, StageHistogram, DailyCount)
_KEY_FIELDS: dict[type, tuple[str, ...]] = {
    Rollup: ("month", "agency_id", "dim", "value"),
    ClockRollup: ("month", "agency_id", "kind"),
    StageHistogram: ("month", "agency_id", "stage", "bucket"),
    DailyCount: ("day", "agency_id", "dim", "value"),
}
_COMPLAINT_FIELDS = (
    "id",
    "submitted_at",
    "verified_at",
    "first_followup_at",
    "resolved_at",
    "lead_agency_id",
    "category_id",
    "region_id",
    "channel",
    "kind",
    "status",
    "rating",
    "reopen_count",
)
_ComplaintRow = namedtuple("_ComplaintRow", _COMPLAINT_FIELDS)  # type: ignore[misc]
_CLOCK_FIELDS = (
    "complaint_id",
    "kind",
    "state",
    "started_at",
    "due_at",
    "paused_at",
    "stopped_at",
    "breached_at",
    "dispatch_id",
)


# --- writing counter differences ----------------------------------------------------------------


def _upsert(table: type, rows: list[tuple[tuple[Any, ...], list[int]]]) -> None:
    """Add counter vectors to rows, creating missing rows (one statement per 500 rows)."""
    meta = table._meta  # type: ignore[attr-defined]
    name = meta.db_table
    keys = _KEY_FIELDS[table]
    counters: tuple[str, ...] = table.COUNTERS  # type: ignore[attr-defined]
    columns = ", ".join((*keys, *counters))
    placeholders = "(" + ", ".join(["%s"] * (len(keys) + len(counters))) + ")"
    updates = ", ".join(f"{c} = {name}.{c} + excluded.{c}" for c in counters)
    conflict = ", ".join(keys)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        # Table and column names come from the models; values are parameters.
        values = ", ".join([placeholders] * len(chunk))
        sql = f"INSERT INTO {name} ({columns}) VALUES {values} ON CONFLICT ({conflict}) "  # noqa: S608
        sql += f"DO UPDATE SET {updates}"
        params: list[Any] = []
        for key, vector in chunk:
            params.extend(key)
            params.extend(vector)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _apply(delta: dict[facts.Key, list[int]]) -> int:
    """Write a difference; rows are taken in key order so concurrent writers cannot deadlock."""
    written = 0
    for table in TABLES:
        rows = sorted(
            (key, vector) for (kind, key), vector in delta.items() if kind is table and any(vector)
        )
        if rows:
            _upsert(table, rows)
            written += len(rows)
    return written


# --- facts ----------------------------------------------------------------------------------------


def _snapshots_where(complaints: Q, related: Q) -> dict[int, dict[str, Any]]:
    """Current snapshot of each complaint matching ``complaints``; ``related`` selects the same
    complaints' clocks and follow-ups by ``complaint_id``. Plain rows, no model instances."""
    # The hops' agencies by a second indexed query: a join would make PostgreSQL hash the
    # whole dispatch table for every batch.
    agency_of = dict(Dispatch.objects.filter(related).values_list("pk", "agency_id"))
    by_complaint: dict[int, list[facts.ClockRow]] = defaultdict(list)
    for clock_row in Clock.objects.filter(related).values_list(*_CLOCK_FIELDS):
        dispatch_id = clock_row[-1]
        by_complaint[clock_row[0]].append((*clock_row[1:], agency_of.get(dispatch_id)))
    published: dict[int, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    answers = FollowUp.objects.filter(related, state=FollowUp.State.PUBLISHED)
    for complaint_id, dispatch_id, moment in answers.values_list(
        "complaint_id", "dispatch_id", "published_at"
    ):
        published[complaint_id][dispatch_id or 0].append(moment)
    out = {}
    for values in Complaint.objects.filter(complaints).values_list(*_COMPLAINT_FIELDS):
        row: Any = _ComplaintRow._make(values)
        out[row.id] = facts.snapshot(row, by_complaint[row.id], published.get(row.id))
    return out


def _snapshots(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = list(ids)
    return _snapshots_where(Q(pk__in=ids), Q(complaint_id__in=ids))


def refresh(ids: Iterable[int]) -> int:
    """Bring the facts of these complaints and the rollups up to date; returns rows changed.

    Must run inside a transaction that holds the follower's cursor lock (``catch_up`` and
    ``rebuild`` do), so no two refreshes of one complaint interleave.
    """
    ids = sorted(set(ids))
    if not ids:
        return 0
    current = _snapshots(ids)
    stored = {f.pk: f.data for f in ComplaintFact.objects.filter(pk__in=ids)}
    delta: dict[facts.Key, list[int]] = {}
    changed: list[ComplaintFact] = []
    for pk in ids:
        old, new = stored.get(pk), current.get(pk)
        if old == new:
            continue
        facts.add_into(delta, facts.contribution(old), -1)
        facts.add_into(delta, facts.contribution(new), +1)
        if new is not None:
            changed.append(ComplaintFact(complaint_id=pk, data=new))
    gone = [pk for pk in ids if pk in stored and pk not in current]
    if gone:
        ComplaintFact.objects.filter(pk__in=gone).delete()
    if changed:
        ComplaintFact.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["complaint"], update_fields=["data"]
        )
    return _apply(delta)


def _note_activity(seen: dict[int, Any]) -> None:
    staff = set(Membership.objects.filter(user_id__in=list(seen)).values_list("user_id", flat=True))
    for user_id in sorted(staff):
        moment = seen[user_id]
        updated = StaffActivity.objects.filter(user_id=user_id, last_seen__lt=moment).update(
            last_seen=moment
        )
        if not updated:
            StaffActivity.objects.get_or_create(user_id=user_id, defaults={"last_seen": moment})


# --- the follower ---------------------------------------------------------------------------------


def _lock_cursor(*, wait: bool) -> FollowerCursor | None:
    FollowerCursor.objects.get_or_create(pk=1)
    query = FollowerCursor.objects.filter(pk=1)
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=not wait)
    return query.first()


@dataclass(frozen=True)
class CatchUp:
    events: int
    complaints: int
    rows: int


def catch_up(batch_size: int = 1000, max_batches: int = 100) -> CatchUp:
    """Apply the audit events after the cursor. Returns at once if another process is at it."""
    events = complaints = rows = 0
    for _ in range(max_batches):
        with transaction.atomic():
            cursor = _lock_cursor(wait=False)
            if cursor is None:
                break
            batch = list(
                AuditEvent.objects.filter(seq__gt=cursor.seq)
                .order_by("seq")
                .values_list("seq", "target_type", "target_id", "actor_id", "created_at")[
                    :batch_size
                ]
            )
            if not batch:
                break
            ids = {int(t_id) for _, t_type, t_id, _, _ in batch if t_type == COMPLAINT_TARGET}
            seen: dict[int, Any] = {}
            for _, t_type, _, actor_id, created_at in batch:
                if t_type == COMPLAINT_TARGET and actor_id is not None:
                    seen[actor_id] = max(created_at, seen.get(actor_id, created_at))
            rows += refresh(ids)
            if seen:
                _note_activity(seen)
            cursor.seq = batch[-1][0]
            cursor.updated_at = clock.now()
            cursor.save(update_fields=["seq", "updated_at"])
            events += len(batch)
            complaints += len(ids)
        if len(batch) < batch_size:
            break
    return CatchUp(events=events, complaints=complaints, rows=rows)


def schedule() -> None:
    """Catch up once the current transaction commits (called by the lifecycle services)."""
    if not getattr(settings, "ADUAN_ROLLUPS_ON_COMMIT", True):
        return
    # Once per transaction, however many complaints it changes.
    pending = transaction.get_connection().run_on_commit
    if not any(entry[1] is _catch_up_quietly for entry in pending):
        transaction.on_commit(_catch_up_quietly)


def _catch_up_quietly() -> None:
    # The change itself is committed; if this fails, the worker's periodic run applies it.
    try:
        catch_up(max_batches=1)
    except Exception:
        import logging

        logging.getLogger(__name__).exception("rollup catch-up failed; the worker will retry")


# --- rebuild and check ------------------------------------------------------------------------


def _complaint_batches(batch_size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(
            Complaint.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def recompute(
    batch_size: int = 2000,
) -> tuple[dict[int, dict[str, Any]], dict[facts.Key, list[int]]]:
    """Every fact and every rollup row, computed afresh from the complaints (in memory)."""
    snapshots: dict[int, dict[str, Any]] = {}
    totals: dict[facts.Key, list[int]] = {}
    for ids in _complaint_batches(batch_size):
        for pk, data in _snapshots(ids).items():
            snapshots[pk] = data
            facts.add_into(totals, facts.contribution(data))
    return snapshots, totals


@dataclass(frozen=True)
class Rebuilt:
    complaints: int
    rows: int


def rebuild(batch_size: int = 2000, progress: Any = None) -> Rebuilt:
    """Recompute all facts and rollups in one transaction, and move the cursor to the head."""
    with transaction.atomic():
        cursor = _lock_cursor(wait=True)
        assert cursor is not None
        head = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        for table in (ComplaintFact, *TABLES):
            table.objects.all().delete()  # type: ignore[attr-defined]
        totals: dict[facts.Key, list[int]] = {}
        count = 0
        for ids in _complaint_batches(batch_size):
            first, last = ids[0], ids[-1]  # a key range reads faster than a long IN list
            snapshots = _snapshots_where(
                Q(pk__gte=first, pk__lte=last), Q(complaint_id__gte=first, complaint_id__lte=last)
            )
            ComplaintFact.objects.bulk_create(
                [ComplaintFact(complaint_id=pk, data=data) for pk, data in snapshots.items()],
                batch_size=batch_size,
            )
            for data in snapshots.values():
                facts.add_into(totals, facts.contribution(data))
            count += len(snapshots)
            if progress is not None:
                progress(count)
        rows = _apply(totals)
        StaffActivity.objects.all().delete()
        since = clock.now() - timedelta(days=30)
        recent = (
            AuditEvent.objects.filter(
                target_type=COMPLAINT_TARGET, created_at__gte=since, actor_id__isnull=False
            )
            .values("actor_id")
            .annotate(last=Max("created_at"))
        )
        _note_activity({r["actor_id"]: r["last"] for r in recent})
        cursor.seq = head
        cursor.updated_at = clock.now()
        cursor.save(update_fields=["seq", "updated_at"])
    return Rebuilt(complaints=count, rows=rows)


def stored_rows() -> dict[facts.Key, list[int]]:
    """The rollup tables as they are, zero rows left out."""
    out: dict[facts.Key, list[int]] = {}
    for table in TABLES:
        keys = _KEY_FIELDS[table]
        counters = table.COUNTERS  # type: ignore[attr-defined]
        for row in table.objects.values_list(*keys, *counters):  # type: ignore[attr-defined]
            key = tuple(
                value.isoformat() if hasattr(value, "isoformat") else value
                for value in row[: len(keys)]
            )
            vector = list(row[len(keys) :])
            if any(vector):
                out[(table, key)] = vector
    return out


def differences() -> list[str]:
    """Where the stored rollups differ from a fresh computation (empty when they agree)."""
    _, fresh = recompute()
    fresh = {key: vector for key, vector in fresh.items() if any(vector)}
    stored = stored_rows()
    problems = []
    for key in sorted(set(fresh) | set(stored), key=lambda k: (k[0].__name__, str(k[1]))):
        if fresh.get(key) != stored.get(key):
            problems.append(
                f"{key[0].__name__}{key[1]}: stored {stored.get(key)} fresh {fresh.get(key)}"
            )
    return problems
