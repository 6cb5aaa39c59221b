"""``aduan lapor sync``: send the outbox to SP4N-LAPOR!, then take in the national changes.

One run at a time (a lease on the :class:`SyncState` row, taken by a conditional UPDATE, so a
worker's periodic job, the command line and the administrators' button never run together; a
run that dies leaves a lease that simply expires). No database transaction is held while the
network is used: each message's outcome and each national report is written in its own short
transaction.

Sending: per complaint, in the order written; a message waits while an earlier one of the same
complaint is waiting or parked, so SP4N-LAPOR! never sees a follow-up before the registration or
an old status after a new one. Failures that may pass (timeouts, connection errors, HTTP 408,
429, 5xx) are retried with exponential backoff and jitter up to ``ADUAN_LAPOR_MAX_ATTEMPTS``;
HTTP 429 pauses all sending for ``Retry-After``. Any other refusal parks the message at once for
an administrator, with the national answer in ``last_error`` and what to do in ``problem``.
"""

from __future__ import annotations

import base64
import logging
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Min, Q
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Attachment, FollowUp, Status
from aduan.core import clock
from aduan.core.problems import explained, problem, problem_in_english
from aduan.lapor import directory
from aduan.lapor.client import NationalClient, NationalError
from aduan.lapor.config import Config, load_config
from aduan.lapor.inbound import (
    MalformedReport,
    apply_report_isolated,
    file_attempt_failed,
    parse_report,
    refuse_file,
    take_file,
)
from aduan.lapor.models import NationalFile, NationalLink, OutboundMessage, SyncRun, SyncState
from aduan.lapor.outbox import attachment_reference, followup_reference

logger = logging.getLogger(__name__)

Kind = OutboundMessage.Kind
State = OutboundMessage.State
MAX_RESPONSE_CHARS = 2000
# Sending stops for this run after so many failures in a row that say SP4N-LAPOR! is down
# (timeouts, connection errors, 5xx), so a run never spends its lease waiting on each message.
OUTAGE_FAILURES = 3
# The run log keeps this many days (a run a minute makes 20,000 rows a fortnight).
RUN_KEEP_DAYS = 14
# National files downloaded per run at most (the rest wait for the next run), and the longest
# one download may take.
FILES_PER_RUN = 50
FILE_SECONDS = 120.0

PARKED_HELP = _(
    "SP4N-LAPOR! refused this message, so it is not retried by itself. Check the connector's "
    "settings and field mapping (docs/integrations.md) or the complaint, then press Retry; "
    "or discard it."
)
CANNOT_BE_SENT = _(
    "This message cannot be sent: %(reason)s. Check the complaint, then press Retry; or discard it."
)


def sync_state() -> SyncState:
    state, _created = SyncState.objects.get_or_create(pk=1)
    return state


# --- the lease -------------------------------------------------------------------------------


def lease_acquire(now: datetime | None = None) -> str | None:
    """A token if this process may run now (no other run holds an unexpired lease)."""
    now = now or clock.now()
    sync_state()
    token = secrets.token_hex(16)
    won = (
        SyncState.objects.filter(pk=1)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_token=token,
            lease_until=now + timedelta(seconds=int(settings.ADUAN_LAPOR_LEASE_SECONDS)),
        )
    )
    return token if won else None


def lease_renew(token: str) -> bool:
    """Extend a lease this process holds by ``ADUAN_LAPOR_LEASE_SECONDS`` from now (long runs:
    reconcile); ``False`` if it is no longer held (it expired and another run took it)."""
    return bool(
        SyncState.objects.filter(pk=1, lease_token=token).update(
            lease_until=clock.now() + timedelta(seconds=int(settings.ADUAN_LAPOR_LEASE_SECONDS))
        )
    )


def lease_release(token: str) -> None:
    SyncState.objects.filter(pk=1, lease_token=token).update(lease_until=None, lease_token="")


# --- backoff ---------------------------------------------------------------------------------


def backoff_seconds(
    attempts: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: Any = random.random,
) -> float:
    """Seconds before attempt ``attempts + 1``: ``base · 2^(attempts-1)`` capped at ``cap``, with
    "equal jitter" (between half and all of it) so many messages do not come back together; at
    least what ``Retry-After`` asked for."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    jittered = delay / 2 + rng() * delay / 2
    if retry_after is not None:
        return max(float(retry_after), 1.0)
    return jittered


# --- building requests -----------------------------------------------------------------------


class Undeliverable(Exception):
    """The message cannot be built (its follow-up or file is gone): park it, with ``problem``
    (why) and ``error`` (the technical error, if any)."""

    def __init__(self, reason: Any, error: str = "", **params: Any) -> None:
        self.problem = problem(CANNOT_BE_SENT, reason=problem(reason, **params))
        self.error = error
        super().__init__(error or str(reason))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_request(
    message: OutboundMessage, link: NationalLink, config: Config
) -> tuple[str, dict[str, Any]]:
    """The endpoint and JSON body of ``message``, from the data as it is now. Privacy: the
    reporter's name only for reports neither anonymous nor confidential, never a contact."""
    mapping = config.mapping
    payload = message.payload
    if message.kind == Kind.REGISTER:
        complaint = link.complaint
        if complaint is None:
            raise Undeliverable(_("the complaint no longer exists"))
        protected = complaint.is_anonymous or complaint.is_confidential
        status = str(payload.get("status") or complaint.status)
        body = mapping.out(
            {
                "local_reference": complaint.tracking_id,
                "instansi": config.instansi,
                "title": complaint.title,
                "description": complaint.description,
                "kind": mapping.kinds.get(complaint.kind, complaint.kind),
                "category": mapping.category_to_national(complaint.category.code)
                if complaint.category
                else None,
                "region_code": complaint.region.code if complaint.region else None,
                "address": complaint.address_text or None,
                "latitude": str(complaint.latitude) if complaint.latitude is not None else None,
                "longitude": str(complaint.longitude) if complaint.longitude is not None else None,
                "event_date": complaint.event_date.isoformat() if complaint.event_date else None,
                "anonymous": complaint.is_anonymous,
                "confidential": complaint.is_confidential,
                "reporter_name": None if protected else complaint.reporter_name or None,
                "created_at": _iso(complaint.submitted_at),
                "status": mapping.national_state(status),
                "local_status": status,
            }
        )
        return "register", body
    if message.kind == Kind.STATUS:
        status = str(payload["status"])
        return "status", mapping.out(
            {
                "status": mapping.national_state(status),
                "local_status": status,
                "archive_reason": payload.get("archive_reason") or None,
                "at": payload.get("at"),
            }
        )
    if message.kind == Kind.TRANSFER:
        return "transfer", mapping.out(
            {
                "transfer_target": payload.get("target", ""),
                # Looked up when sent: the directory may have changed since the transfer.
                "transfer_target_id": directory.instansi_id(str(payload.get("target", ""))),
                "status": mapping.national_state(Status.TRANSFERRED),
                "local_status": Status.TRANSFERRED,
                "at": payload.get("at"),
            }
        )
    if message.kind == Kind.FOLLOWUP:
        followup = (
            FollowUp.objects.select_related("dispatch__agency")
            .filter(pk=payload.get("followup"), state=FollowUp.State.PUBLISHED)
            .first()
        )
        if followup is None:
            raise Undeliverable(_("the published follow-up no longer exists"))
        return "followup", mapping.out(
            {
                "followup_reference": followup_reference(followup.pk),
                "followup_body": followup.body,
                "followup_unit": followup.dispatch.agency.name,
                "at": _iso(followup.published_at),
            }
        )
    if message.kind == Kind.ATTACHMENT:
        attachment = Attachment.objects.filter(
            pk=payload.get("attachment"), is_internal=False, from_reporter=False
        ).first()
        if attachment is None:
            raise Undeliverable(_("the attachment no longer exists or is no longer shared"))
        try:
            with attachment.file.open("rb") as handle:
                content = handle.read()
        except OSError as error:
            raise Undeliverable(_("the file cannot be read"), str(error)) from error
        return "attachment", mapping.out(
            {
                "attachment_reference": attachment_reference(attachment.pk),
                "attachment_name": attachment.original_name,
                "attachment_type": attachment.content_type,
                "attachment_size": attachment.size,
                "attachment_sha256": attachment.sha256,
                "attachment_content": base64.b64encode(content).decode("ascii"),
                "at": _iso(attachment.created_at),
            }
        )
    raise Undeliverable(_("its kind “%(kind)s” is unknown"), kind=message.kind)


# --- sending ---------------------------------------------------------------------------------


def _head(link_id: int) -> OutboundMessage | None:
    """The first message of the link not yet delivered (or given up). While the link has no
    national ID only a registration can go: after a discarded one, reconcile's new registration
    must get through before the messages that waited for it."""
    waiting = OutboundMessage.objects.select_related(
        "link__complaint__category", "link__complaint__region"
    ).filter(link_id=link_id, state__in=[State.PENDING, State.PARKED])
    if not NationalLink.objects.filter(pk=link_id).exclude(national_id="").exists():
        waiting = waiting.filter(kind=Kind.REGISTER)
    return waiting.order_by("id").first()


def _trim(data: dict[str, Any]) -> dict[str, Any]:
    small = {key: value for key, value in data.items() if len(str(value)) <= 200}
    return small if len(str(small)) <= MAX_RESPONSE_CHARS else {}


@transaction.atomic
def _delivered(
    message: OutboundMessage, config: Config, body: dict[str, Any], answer: dict[str, Any]
) -> None:
    now = clock.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=State.DELIVERED,
        delivered_at=now,
        attempts=message.attempts + 1,
        last_error="",
        problem={},
        last_http_status=None,
        response=_trim(answer),
    )
    mapping = config.mapping
    fields: dict[str, Any] = {"updated_at": now}
    if message.kind == Kind.REGISTER:
        fields["national_id"] = str(mapping.get(answer, "national_id", ""))[:64]
    national_status = mapping.get(body, "status")
    if national_status:
        fields["national_status"] = national_status
    NationalLink.objects.filter(pk=message.link_id).update(**fields)


@transaction.atomic
def _failed(
    message: OutboundMessage,
    config: Config,
    error: str,
    *,
    retryable: bool,
    status: int | None,
    retry_after: float | None,
    why: dict[str, Any] | None = None,
) -> str:
    """Record a failed attempt (``error``: the technical error; ``why``: the stored problem of
    a message parked at once, the national refusal's by default); returns the new state."""
    now = clock.now()
    attempts = message.attempts + 1
    kept: dict[str, Any] = {}
    if not retryable:
        state, next_at, kept = State.PARKED, now, why or problem(PARKED_HELP)
    elif attempts >= config.max_attempts:
        state, next_at = State.PARKED, now
        kept = problem(
            _(
                "Gave up after %(attempts)d attempts: SP4N-LAPOR! may be down or unreachable. "
                "Press Retry once it answers again."
            ),
            attempts=attempts,
        )
    else:
        state = State.PENDING
        next_at = now + timedelta(
            seconds=backoff_seconds(
                attempts,
                base=config.backoff_seconds,
                cap=config.backoff_max_seconds,
                retry_after=retry_after,
            )
        )
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=state,
        attempts=attempts,
        next_attempt_at=next_at,
        last_error=error[:4000],
        problem=kept,
        last_http_status=status,
    )
    if state == State.PARKED:
        logger.warning(
            "SP4N-LAPOR! message %s parked: %s %s",
            message.idempotency_key,
            problem_in_english(kept),
            error,
        )
    return state


def push(client: NationalClient, config: Config, counts: Counter[str]) -> None:
    """Send what is due, complaint by complaint, at most ``ADUAN_LAPOR_PUSH_BATCH`` messages."""
    now = clock.now()
    state = sync_state()
    if state.paused_until is not None and state.paused_until > now:
        counts["paused"] += 1
        return
    link_ids = list(
        OutboundMessage.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .values("link_id")
        .annotate(first=Min("id"))
        .order_by("first")
        .values_list("link_id", flat=True)[: config.push_batch]
    )
    sent = 0
    failures_in_a_row = 0
    # Half the lease: the run must end (and release it) long before another may start.
    deadline = time.monotonic() + int(settings.ADUAN_LAPOR_LEASE_SECONDS) / 2
    for link_id in link_ids:
        if failures_in_a_row >= OUTAGE_FAILURES or time.monotonic() > deadline:
            counts["stopped"] += 1
            return
        while sent < config.push_batch:
            message = _head(link_id)
            if message is None:
                break
            if message.state == State.PARKED:
                counts["blocked"] += 1
                break
            if message.next_attempt_at > now:
                break
            link = message.link
            sent += 1
            try:
                endpoint, body = build_request(message, link, config)
            except Undeliverable as error:
                _failed(
                    message,
                    config,
                    error.error,
                    retryable=False,
                    status=None,
                    retry_after=None,
                    why=error.problem,
                )
                counts["parked"] += 1
                break
            try:
                answer = client.post(
                    endpoint,
                    body,
                    idempotency_key=message.national_key,
                    national_id=link.national_id,
                )
            except NationalError as error:
                result = _failed(
                    message,
                    config,
                    str(error),
                    retryable=error.retryable,
                    status=error.status,
                    retry_after=error.retry_after,
                )
                counts["parked" if result == State.PARKED else "retry"] += 1
                if error.retryable and (error.status is None or error.status >= 500):
                    failures_in_a_row += 1
                if error.status == 429:
                    pause = error.retry_after or config.backoff_seconds
                    SyncState.objects.filter(pk=1).update(
                        paused_until=now + timedelta(seconds=pause)
                    )
                    counts["paused"] += 1
                    return
                break
            if message.kind == Kind.REGISTER and not config.mapping.get(answer, "national_id"):
                _failed(
                    message,
                    config,
                    "",
                    retryable=False,
                    status=None,
                    retry_after=None,
                    why=problem(
                        _(
                            "SP4N-LAPOR! accepted the registration but its answer has no "
                            "tracking ID (field “%(field)s”). Check the field mapping "
                            "(docs/integrations.md), then press Retry."
                        ),
                        field=config.mapping.name("national_id"),
                    ),
                )
                counts["parked"] += 1
                break
            if message.kind == Kind.REGISTER and (why := _someone_elses(message, config, answer)):
                # Retry must ask for a new registration, not replay the answer it already got.
                OutboundMessage.objects.filter(pk=message.pk).update(nonce=secrets.token_hex(8))
                _failed(
                    message, config, "", retryable=False, status=None, retry_after=None, why=why
                )
                counts["parked"] += 1
                break
            try:
                _delivered(message, config, body, answer)
            except IntegrityError:
                # Its own transaction (a savepoint inside another) is undone: not delivered.
                _failed(
                    message,
                    config,
                    "",
                    retryable=False,
                    status=None,
                    retry_after=None,
                    why=_taken_id(message, config, answer),
                )
                counts["parked"] += 1
                break
            counts["delivered"] += 1
            failures_in_a_row = 0


def _someone_elses(
    message: OutboundMessage, config: Config, answer: dict[str, Any]
) -> dict[str, Any]:
    """Why a registration's answer is not this complaint's (empty when it is): SP4N-LAPOR!
    answered with a report whose reference is another complaint's tracking ID, e.g. the answer
    it kept for a key that a database restored from a backup sent again for a new complaint."""
    reference = str(config.mapping.get(answer, "local_reference", "") or "")
    complaint = message.link.complaint
    if not reference or complaint is None or reference == complaint.tracking_id:
        return {}
    return problem(
        _(
            "SP4N-LAPOR! answered the registration with report %(national_id)s, which belongs "
            "to %(reference)s, not to this complaint. Nothing was linked. Check whether the "
            "database was restored from a backup (docs/operations.md), then press Retry."
        ),
        national_id=str(config.mapping.get(answer, "national_id", ""))[:64],
        reference=reference[:64],
    )


def _taken_id(message: OutboundMessage, config: Config, answer: dict[str, Any]) -> dict[str, Any]:
    """Why a registration's answer cannot be recorded: its tracking ID is another link's."""
    national_id = str(config.mapping.get(answer, "national_id", ""))[:64]
    other = (
        NationalLink.objects.select_related("complaint")
        .filter(national_id=national_id)
        .exclude(pk=message.link_id)
        .first()
    )
    holder = "-"
    if other is not None:
        holder = other.complaint.tracking_id if other.complaint else f"#{other.pk}"
    return problem(
        _(
            "SP4N-LAPOR! registered this complaint under tracking ID %(national_id)s, which "
            "already belongs to another complaint or national report here (%(holder)s), so it "
            "cannot be recorded and nothing more of this complaint is sent. Check both reports "
            "in SP4N-LAPOR!, then discard this message: a repairing reconcile (aduan lapor "
            "reconcile --repair) registers the complaint again."
        ),
        national_id=national_id,
        holder=holder,
    )


# --- receiving -------------------------------------------------------------------------------


def pull(
    client: NationalClient, config: Config, counts: Counter[str], notes: list[dict[str, Any]]
) -> None:
    """Take in the national feed from the cursor on, page by page (at most
    ``ADUAN_LAPOR_MAX_PAGES``); the cursor moves after each page is taken in, so a run that stops
    halfway reads the rest (and, harmlessly, part of that page) again."""
    cursor = sync_state().cursor
    for _page in range(config.max_pages):
        page = client.feed(cursor, config.page_size)
        for raw in page.items:
            counts["received"] += 1
            try:
                report = parse_report(raw, config.mapping)
            except MalformedReport as error:
                counts["malformed"] += 1
                notes.append(problem(_("malformed national item skipped: %(error)s"), error=error))
                continue
            # One report that cannot be applied is kept for an administrator and counted as
            # failed; it must not stop the reports after it (nor keep the cursor where it is).
            counts[apply_report_isolated(report, config=config)] += 1
        if page.next_cursor != cursor:
            SyncState.objects.filter(pk=1).update(cursor=page.next_cursor[:200])
            cursor = page.next_cursor
        if not page.has_more or not page.items:
            break


def fetch_files(client: NationalClient, counts: Counter[str], token: str) -> None:
    """Download the reporter's files that national reports listed (``NationalFile``), those
    tried least first, and attach each to its complaint.

    A file SP4N-LAPOR! no longer has (404, 410) is refused with the answer kept. A download that
    fails for a reason that may pass (5xx, 429, a timeout, more than ``FILE_SECONDS``) or an
    attaching that fails unexpectedly counts an attempt, and the next file is tried; after
    ``OUTAGE_FAILURES`` such failures in a row, or half the lease, the rest wait for the next
    run. Another answer (400, 401, 403: a wrong token or mapping) ends the run with its error and
    refuses nothing."""
    waiting = (
        NationalFile.objects.filter(state=NationalFile.State.PENDING)
        .select_related("link")
        .order_by("attempts", "id")[:FILES_PER_RUN]
    )
    deadline = time.monotonic() + int(settings.ADUAN_LAPOR_LEASE_SECONDS) / 2
    failures_in_a_row = 0
    for file in list(waiting):
        if failures_in_a_row >= OUTAGE_FAILURES or time.monotonic() > deadline:
            counts["files_stopped"] += 1
            return
        if not lease_renew(token):
            return
        try:
            content = client.download(
                file.link.national_id,
                file.reference,
                limit=int(settings.ADUAN_MAX_ATTACHMENT_BYTES),
                max_seconds=FILE_SECONDS,
            )
            outcome = take_file(file.pk, content)
        except NationalError as failure:
            if failure.status in (404, 410):
                refuse_file(
                    file.pk,
                    problem(_("SP4N-LAPOR! did not give the file: %(error)s"), error=failure),
                )
                counts["files_refused"] += 1
                continue
            if not failure.retryable:
                raise
            failures_in_a_row += 1
            file_attempt_failed(file.pk, failure)
            counts["files_failed"] += 1
            continue
        except Exception as error:  # one file must not stop the others
            logger.exception("SP4N-LAPOR! file %s could not be attached", file)
            failures_in_a_row += 1
            file_attempt_failed(file.pk, f"{type(error).__name__}: {error}")
            counts["files_failed"] += 1
            continue
        failures_in_a_row = 0
        counts[f"files_{outcome}"] += 1


def read_directory(
    client: NationalClient, counts: Counter[str], notes: list[dict[str, Any]], token: str
) -> None:
    """The day's read of the national directory of instansi. A failure is noted in the run and
    tried again the next day (``aduan lapor instansi`` tries at once); it does not fail the run."""
    try:
        counts.update(directory.refresh(client, lambda: lease_renew(token)))
    except (NationalError, DatabaseError) as failure:
        logger.warning("SP4N-LAPOR! directory not read: %s", failure)
        notes.append(problem(_("instansi directory not read: %(error)s"), error=failure))
        counts["instansi_failed"] += 1


def read_directory_now() -> SyncResult:
    """``aduan lapor instansi``: read the national directory now, under the sync's lease."""
    config = load_config()
    token = lease_acquire()
    if token is None:
        return SyncResult(busy=True)
    try:
        with NationalClient(config) as client:
            return SyncResult(counts=dict(directory.refresh(client, lambda: lease_renew(token))))
    except (NationalError, DatabaseError) as failure:
        logger.warning("SP4N-LAPOR! directory not read: %s", failure)
        return SyncResult(error=str(failure), problem=explained(failure))
    finally:
        lease_release(token)


@dataclass
class SyncResult:
    """What a run did (``busy``: another run held the lease, nothing was done)."""

    busy: bool = False
    run: SyncRun | None = None
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    # The error as a stored text (aduan.core.problems): in the reader's language.
    problem: dict[str, Any] = field(default_factory=dict)


def sync(*, send: bool = True, receive: bool = True) -> SyncResult:
    """One run: push the outbox, then pull the national feed."""
    config = load_config()
    token = lease_acquire()
    if token is None:
        return SyncResult(busy=True)
    counts: Counter[str] = Counter()
    notes: list[dict[str, Any]] = []  # stored texts (aduan.core.problems)
    run = SyncRun.objects.create(kind=SyncRun.Kind.SYNC, started_at=clock.now())
    error = ""
    why: dict[str, Any] = {}
    try:
        with NationalClient(config) as client:
            if send:
                push(client, config, counts)
            if receive:
                pull(client, config, counts, notes)
                fetch_files(client, counts, token)
                if directory.due():
                    read_directory(client, counts, notes, token)
    except NationalError as failure:
        error, why = str(failure), failure.problem
        logger.warning("SP4N-LAPOR! sync: %s", failure)
    finally:
        now = clock.now()
        SyncRun.objects.filter(pk=run.pk).update(
            finished_at=now,
            counts=dict(counts),
            differences=notes,
            error=error[:4000],
            error_problem=why,
        )
        update: dict[str, Any] = {
            "last_sync_at": now,
            "last_error": error[:4000],
            "last_problem": why,
        }
        if not error:
            update["last_success_at"] = now
        SyncState.objects.filter(pk=1).update(**update)
        SyncRun.objects.filter(started_at__lt=now - timedelta(days=RUN_KEEP_DAYS)).delete()
        lease_release(token)
    run.refresh_from_db()
    return SyncResult(run=run, counts=dict(counts), error=error, problem=why)
