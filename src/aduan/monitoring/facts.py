"""What one complaint contributes to the rollups: a snapshot of its inputs, and the counters.

``snapshot`` reads a complaint and its deadlines into a small JSON-able dict (stored as
``ComplaintFact.data``); ``contribution`` turns a snapshot into counter vectors keyed by rollup
row. Both are pure, so the contribution that was applied can always be taken back exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aduan.complaints.models import OPEN_STATUSES, Clock, Complaint, Status
from aduan.core.calendar import local_date
from aduan.monitoring.models import (
    ALL_AGENCIES,
    NO_AGENCY,
    ClockRollup,
    DailyCount,
    Rollup,
    StageHistogram,
)

# Upper edges, in hours, of the stage-duration buckets (the last is open-ended).
HOUR_BUCKETS: tuple[float, ...] = (
    1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 480, 720, 1080, 1440, 2160, 2880,
    float("inf"),
)  # fmt: skip
STAGES = ("verify", "followup", "resolution", "answer")
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)
SATISFIED_RATING = 4  # ratings of 4 and 5 of 5 count as satisfied

# A row key: (table, key tuple). Counter vectors follow the table's COUNTERS.
Key = tuple[type, tuple[Any, ...]]
Contribution = dict[Key, tuple[int, ...]]

# The trends' place of a complaint: its region code cut to the kecamatan ("13.71.01").
PLACE_CODE_LENGTH = 8


def bucket_of(hours: float) -> int:
    for index, edge in enumerate(HOUR_BUCKETS):
        if hours <= edge:
            return index
    return len(HOUR_BUCKETS) - 1  # pragma: no cover - the last edge is infinite


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 3600)


ClockRow = tuple[
    str,  # kind
    str,  # state
    datetime,  # started_at
    datetime,  # due_at
    datetime | None,  # paused_at
    datetime | None,  # stopped_at
    datetime | None,  # breached_at
    int | None,  # dispatch id
    int | None,  # the dispatch's agency id
]


def _fulfilled(
    kind: str,
    started_at: datetime,
    stopped_at: datetime,
    dispatch_id: int | None,
    resolved: bool,
    published: dict[int, list[datetime]],
) -> bool:
    """Was the clock stopped by what it was waiting for? Otherwise it was cancelled (the hop was
    declined or withdrawn, the complaint archived, transferred or resolved without that hop's
    answer) and counts neither as kept nor as missed."""
    if kind == Clock.Kind.VERIFY:
        return True  # only the coordinators' decision (dispatch, archive, transfer) stops it
    if kind == Clock.Kind.RESOLUTION:
        return resolved
    answers = published.get(dispatch_id or 0, [])
    if kind == Clock.Kind.FIRST_FOLLOWUP:
        return any(moment <= stopped_at for moment in answers)
    # A follow-up owed after reopening or a reply: a new answer, or the complaint resolved.
    return resolved or any(started_at <= moment <= stopped_at for moment in answers)


def _clock_outcome(
    row: ClockRow, resolved: bool, published: dict[int, list[datetime]]
) -> str | None:
    """met / missed once fulfilled; overdue while running past a flagged breach; else uncounted."""
    kind, state, started_at, due_at, paused_at, stopped_at, breached_at, dispatch_id, _ = row
    if state == Clock.State.STOPPED and stopped_at is not None:
        if paused_at is not None:
            return None  # stopped while paused (on hold): nothing was owed then
        if not _fulfilled(kind, started_at, stopped_at, dispatch_id, resolved, published):
            return None
        return "met" if stopped_at <= due_at else "missed"
    if state == Clock.State.RUNNING and breached_at is not None:
        return "overdue"
    return None


def snapshot(
    complaint: Complaint | Any,
    clocks: Iterable[ClockRow],
    published: dict[int, list[datetime]] | None = None,
) -> dict[str, Any]:
    """The inputs of one complaint (a model or a row with the same attribute names).

    ``clocks``: a :data:`ClockRow` for each of its deadlines; ``published``: the publication
    times of its follow-ups by dispatch id. A deadline belongs to the agency of its hop; the
    resolution deadline (owed by no single hop) to the lead agency.
    """
    published = published or {}
    resolved = complaint.status in RESOLVED_STATUSES
    outcomes: list[list[Any]] = []
    overdue = False
    for row in clocks:
        kind = row[0]
        if kind not in Clock.STAFF_KINDS:
            continue
        outcome = _clock_outcome(row, resolved, published)
        if outcome == "overdue":
            overdue = True
        if outcome is not None:
            agency_id = row[8]
            if agency_id is None and kind == Clock.Kind.RESOLUTION:
                agency_id = complaint.lead_agency_id
            outcomes.append([kind, agency_id or NO_AGENCY, outcome])
    outcomes.sort()
    reopened = complaint.reopen_count > 0
    region = complaint.region_id or ""
    stages = {
        "verify": _hours(complaint.submitted_at, complaint.verified_at),
        "followup": _hours(complaint.verified_at, complaint.first_followup_at),
        "resolution": _hours(complaint.verified_at, complaint.resolved_at),
        # What the reporter waits for: from submission to the first published answer.
        "answer": _hours(complaint.submitted_at, complaint.first_followup_at),
    }
    return {
        "month": local_date(complaint.submitted_at).replace(day=1).isoformat(),
        "day": local_date(complaint.submitted_at).isoformat(),
        "agency": complaint.lead_agency_id or NO_AGENCY,
        "category": complaint.category_id or 0,
        "region": region[:5] if len(region) >= 5 else "",
        # The kecamatan ("13.71.01"), or the kabupaten/kota a complaint names without one.
        "place": region[:PLACE_CODE_LENGTH] if len(region) >= 5 else "",
        "channel": complaint.channel,
        "kind": complaint.kind,
        "status": complaint.status,
        "verified": complaint.verified_at is not None,
        "answered": complaint.first_followup_at is not None,
        "resolved_once": complaint.resolved_at is not None or reopened,
        "overdue": overdue,
        "reopened": reopened,
        "rating": complaint.rating,
        "stages": {k: bucket_of(v) for k, v in stages.items() if v is not None},
        "clocks": outcomes,
    }


def _counters(data: dict[str, Any]) -> tuple[int, ...]:
    status = data["status"]
    rating = data["rating"]
    values = {
        "received": 1,
        "verified": int(data["verified"]),
        "answered": int(data["answered"]),
        "resolved": int(status in RESOLVED_STATUSES),
        "resolved_once": int(data["resolved_once"]),
        "closed": int(status == Status.CLOSED),
        "backlog": int(status in OPEN_STATUSES),
        "overdue": int(data["overdue"]),
        "reopened": int(data["reopened"]),
        "archived": int(status == Status.ARCHIVED),
        "transferred": int(status == Status.TRANSFERRED),
        "rated": int(rating is not None),
        "rating_sum": rating or 0,
        "satisfied": int(rating is not None and rating >= SATISFIED_RATING),
    }
    return tuple(values[name] for name in Rollup.COUNTERS)


def contribution(data: dict[str, Any] | None) -> Contribution:
    """The counters a snapshot adds to each rollup row (empty for ``None``)."""
    out: dict[Key, list[int]] = {}
    if data is None:
        return {}
    month = data["month"]
    agency = data["agency"]
    vector = _counters(data)
    dims = {
        "total": "",
        "channel": data["channel"],
        "kind": data["kind"],
        "category": str(data["category"]),
        "region": data["region"],
        "status": data["status"],
    }
    for scope in (agency, ALL_AGENCIES):
        for dim, value in dims.items():
            out[(Rollup, (month, scope, dim, value))] = list(vector)
    out[(Rollup, (month, ALL_AGENCIES, "agency", str(agency)))] = list(vector)
    clock_counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for kind, clock_agency, outcome in data["clocks"]:
        position = ClockRollup.COUNTERS.index(outcome)
        for scope in (clock_agency, ALL_AGENCIES):
            clock_counts[(ClockRollup, (month, scope, kind))][position] += 1
    out.update(clock_counts)
    for stage, bucket in data["stages"].items():
        for scope in (agency, ALL_AGENCIES):
            out[(StageHistogram, (month, scope, stage, bucket))] = [1]
    day = data.get("day")  # facts stored before the daily counts had none: rebuild adds them
    if day is not None:
        daily = {"category": str(data["category"] or ""), "place": data.get("place", "")}
        for dim, value in daily.items():
            if value and value != "0":
                for scope in (agency, ALL_AGENCIES):
                    out[(DailyCount, (day, scope, dim, value))] = [1]
    return {key: tuple(vector) for key, vector in out.items()}


def add_into(total: dict[Key, list[int]], part: Contribution, sign: int = 1) -> None:
    """``total += sign * part``, row by row."""
    for key, vector in part.items():
        current = total.get(key)
        if current is None:
            total[key] = [sign * v for v in vector]
        else:
            for index, v in enumerate(vector):
                current[index] += sign * v
