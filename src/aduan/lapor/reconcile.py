"""``aduan lapor reconcile [--repair]``: compare our complaints with SP4N-LAPOR! and list every
difference; with ``--repair``, make them equal.

It reads the whole national feed (from the beginning, without moving the sync cursor) and, for
linked reports not in it (given to another instansi), each report by its ID. Per linked
complaint it compares: registration, the national status against ours through the mapping (a
transferred complaint must belong to another instansi nationally), the follow-ups and files we
published, and the reporter's replies, reopen requests and rating there. Complaints with
messages still waiting are "in flight", not different: the next sync sends them.

Repair: what SP4N-LAPOR! lacks is put in the outbox again (new idempotency keys ending in
``-r<run>``, the same national references, so nothing can be counted twice nationally), sent by
the next sync; what we lack is taken in by applying the national report again (reporter actions
are taken in once each, by their IDs). Our status wins over the national one, except where a
national administrator decided (archived, another instansi) while the complaint was still
being verified here. Other conflicts are listed for people to settle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Channel, Complaint, FollowUp, Status
from aduan.core import clock
from aduan.core.problems import explained, problem
from aduan.lapor.client import NationalClient, NationalError
from aduan.lapor.config import Config, load_config
from aduan.lapor.inbound import (
    MalformedReport,
    NationalReport,
    apply_report_isolated,
    parse_report,
    reporter_file_refs,
)
from aduan.lapor.models import NationalItem, NationalLink, Origin, OutboundMessage, SyncRun
from aduan.lapor.outbox import (
    attachment_reference,
    create_local_link,
    enqueue_followup,
    enqueue_full_state,
    enqueue_shared_attachments,
    enqueue_status,
    enqueue_transfer,
    followup_reference,
    shared_attachments,
    wants_registration,
)
from aduan.lapor.sync import lease_acquire, lease_release, lease_renew

logger = logging.getLogger(__name__)

RECONCILE_MAX_PAGES = 100_000


class LeaseLost(Exception):
    """The run's lease expired and another run took it: stop before both write."""


@dataclass
class Difference:
    """One way our side and SP4N-LAPOR! differ."""

    code: str
    # A stored text (aduan.core.problems): the English source and its values.
    detail: dict[str, Any]
    tracking_id: str = ""
    national_id: str = ""
    repaired: bool = False


@dataclass
class ReconcileResult:
    busy: bool = False
    differences: list[Difference] = field(default_factory=list)
    in_flight: int = 0
    compared: int = 0
    run: SyncRun | None = None
    error: str = ""
    problem: dict[str, Any] = field(default_factory=dict)  # the error, to show translated

    @property
    def equal(self) -> bool:
        return not self.busy and not self.error and not self.differences


def _national_reports(
    client: NationalClient,
    config: Config,
    notes: list[dict[str, Any]],
    keep_lease: Callable[[], None],
) -> dict[str, NationalReport]:
    reports: dict[str, NationalReport] = {}
    cursor = ""
    for _page in range(RECONCILE_MAX_PAGES):
        keep_lease()
        page = client.feed(cursor, config.page_size)
        for raw in page.items:
            try:
                report = parse_report(raw, config.mapping)
            except MalformedReport as error:
                notes.append(error.problem)
                continue
            known = reports.get(report.national_id)
            if known is None or report.version > known.version:
                reports[report.national_id] = report
        if not page.has_more or not page.items or page.next_cursor == cursor:
            break
        cursor = page.next_cursor
    return reports


class _Reconciler:
    def __init__(
        self, client: NationalClient, config: Config, run: SyncRun, repair: bool, token: str
    ) -> None:
        self.client = client
        self.token = token
        self.config = config
        self.mapping = config.mapping
        self.run = run
        self.repair = repair
        self.suffix = f"-r{run.pk}"
        self.result = ReconcileResult(run=run)

    def differ(
        self,
        code: str,
        detail: dict[str, Any],
        *,
        link: NationalLink | None = None,
        complaint: Complaint | None = None,
        national_id: str = "",
        repaired: bool = False,
    ) -> None:
        complaint = complaint or (link.complaint if link is not None else None)
        self.result.differences.append(
            Difference(
                code=code,
                detail=detail,
                tracking_id=complaint.tracking_id if complaint is not None else "",
                national_id=national_id or (link.national_id if link is not None else ""),
                repaired=repaired,
            )
        )

    def keep_lease(self) -> None:
        """Renewed before each feed page, link and report: a reconcile may take longer than one
        lease, and a periodic sync must not take the lease meanwhile."""
        if not lease_renew(self.token):
            raise LeaseLost("the run lost its lease to another run; stopped")

    def apply(self, report: NationalReport) -> bool:
        if not self.repair:
            return False
        return apply_report_isolated(report, config=self.config, force=True) != "failed"

    def links(self) -> Iterator[NationalLink]:
        return (
            NationalLink.objects.select_related("complaint").order_by("id").iterator(chunk_size=500)
        )

    def reconcile(self, national: dict[str, NationalReport]) -> ReconcileResult:
        linked: set[str] = set()
        for link in self.links():
            self.keep_lease()
            if link.national_id:
                linked.add(link.national_id)
            self.compare_link(link, national)
        for national_id, report in national.items():
            if national_id in linked or report.instansi != self.config.instansi:
                continue
            self.keep_lease()
            if (
                report.local_reference
                and NationalLink.objects.filter(
                    complaint__tracking_id=report.local_reference
                ).exists()
            ):
                continue  # ours, its registration answer not recorded yet (in flight)
            self.differ(
                "missing_locally",
                problem(
                    _("SP4N-LAPOR! gave report %(national_id)s to this instansi; it is not here."),
                    national_id=national_id,
                ),
                national_id=national_id,
                repaired=self.apply(report),
            )
        self.unregistered()
        return self.result

    def compare_link(self, link: NationalLink, national: dict[str, NationalReport]) -> None:
        complaint = link.complaint
        if complaint is None:
            report = national.get(link.national_id)
            self.differ(
                "not_taken_in",
                problem(
                    _("The national report could not be taken in: %(problem)s"),
                    problem=link.problem or {"text": "-"},
                ),
                link=link,
                repaired=self.apply(report) if report is not None else False,
            )
            return
        self.result.compared += 1
        waiting = link.messages.filter(
            state__in=[OutboundMessage.State.PENDING, OutboundMessage.State.PARKED]
        )
        parked = waiting.filter(state=OutboundMessage.State.PARKED).count()
        if parked:
            self.differ(
                "parked",
                problem(_("Messages parked for an administrator: %(count)d"), count=parked),
                link=link,
            )
            return
        if not link.national_id and not waiting.filter(kind=OutboundMessage.Kind.REGISTER).exists():
            # What waits can never go: nothing nationally to attach it to.
            self.differ(
                "not_registered",
                problem(_("The registration was discarded; SP4N-LAPOR! does not have it.")),
                link=link,
                repaired=self.reregister(link, complaint),
            )
            return
        if waiting.exists():
            self.result.in_flight += 1
            return
        report = national.get(link.national_id)
        if report is None:
            report = self.fetch(link.national_id)
        if report is None:
            self.differ(
                "missing_nationally",
                problem(_("SP4N-LAPOR! does not know this report.")),
                link=link,
                repaired=self.reregister(link, complaint) if link.origin == Origin.LOCAL else False,
            )
            return
        if link.origin == Origin.NATIONAL:
            self.compare_reporter_items(link, complaint, report)
            complaint.refresh_from_db()
        self.compare_status(link, complaint, report)
        self.compare_published(link, complaint, report)
        if link.problem:
            self.differ("conflict", link.problem, link=link)

    def fetch(self, national_id: str) -> NationalReport | None:
        raw = self.client.report(national_id)
        if raw is None:
            return None
        try:
            return parse_report(raw, self.mapping)
        except MalformedReport:
            return None

    def reregister(self, link: NationalLink, complaint: Complaint) -> bool:
        if not self.repair:
            return False
        with transaction.atomic():  # all of the repair or none of it
            NationalLink.objects.filter(pk=link.pk).update(national_id="", updated_at=clock.now())
            # Messages that waited for the lost registration are superseded by the full state.
            link.messages.filter(state=OutboundMessage.State.PENDING).update(
                state=OutboundMessage.State.DISCARDED,
                last_error=f"Superseded by the registration of reconcile run {self.run.pk}.",
            )
            enqueue_full_state(link, complaint, self.suffix)
        link.national_id = ""
        return True

    def compare_reporter_items(
        self, link: NationalLink, complaint: Complaint, report: NationalReport
    ) -> None:
        done = set(NationalItem.objects.filter(link=link).values_list("kind", "item_id"))
        missing = [
            item
            for item in (*report.replies, *report.reopen_requests)
            if (item.kind, item.item_id) not in done
        ]
        rating_missing = (
            report.rating is not None and (NationalItem.Kind.RATING, "rating") not in done
        )
        files_missing = [file.reference for file in reporter_file_refs(link, report)]
        if not missing and not rating_missing and not files_missing:
            return
        what = ", ".join(
            [
                *(f"{item.kind} {item.item_id}" for item in missing),
                *(["rating"] if rating_missing else []),
                *(f"file {reference}" for reference in files_missing),
            ]
        )
        self.differ(
            "national_actions_missing",
            problem(_("The reporter's actions on SP4N-LAPOR! not taken in: %(items)s"), items=what),
            link=link,
            repaired=self.apply(report),
        )

    def compare_status(
        self, link: NationalLink, complaint: Complaint, report: NationalReport
    ) -> None:
        ours = report.instansi == self.config.instansi
        if complaint.status == Status.TRANSFERRED:
            if ours:
                repaired = False
                if self.repair:
                    enqueue_transfer(link, complaint, f"transfer-c{complaint.pk}{self.suffix}")
                    repaired = True
                self.differ(
                    "transfer_missing",
                    problem(_("Transferred here, still with this instansi in SP4N-LAPOR!")),
                    link=link,
                    repaired=repaired,
                )
            return
        if not ours:
            elsewhere = report.instansi_name or report.instansi or "-"
            repaired = False
            if complaint.status in (Status.SUBMITTED, Status.ON_HOLD):
                repaired = self.apply(report)
            self.differ(
                "national_transferred",
                problem(
                    _("SP4N-LAPOR! gave this report to %(elsewhere)s; here it is %(status)s."),
                    elsewhere=elsewhere,
                    status=Status(complaint.status).label,
                ),
                link=link,
                repaired=repaired,
            )
            return
        expected = self.mapping.national_state(complaint.status)
        if report.status == expected:
            return
        if report.status == self.mapping.archived_state and complaint.status in (
            Status.SUBMITTED,
            Status.ON_HOLD,
        ):
            self.differ(
                "national_archived",
                problem(
                    _("Archived in SP4N-LAPOR!; here it is %(status)s."),
                    status=Status(complaint.status).label,
                ),
                link=link,
                repaired=self.apply(report),
            )
            return
        repaired = False
        if self.repair:
            enqueue_status(link, complaint, f"status-c{complaint.pk}{self.suffix}")
            repaired = True
        self.differ(
            "status",
            problem(
                _(
                    "National status “%(national)s”; here it is %(status)s, which is "
                    "“%(expected)s” nationally."
                ),
                national=report.status,
                status=Status(complaint.status).label,
                expected=expected,
            ),
            link=link,
            repaired=repaired,
        )

    def compare_published(
        self, link: NationalLink, complaint: Complaint, report: NationalReport
    ) -> None:
        followups = list(
            complaint.followups.filter(state=FollowUp.State.PUBLISHED).values_list("pk", flat=True)
        )
        missing = [pk for pk in followups if followup_reference(pk) not in report.followup_refs]
        for pk in missing:
            repaired = bool(self.repair and enqueue_followup(link, pk, self.suffix))
            self.differ(
                "followup_missing",
                problem(
                    _("The published follow-up %(reference)s is not in SP4N-LAPOR!"),
                    reference=followup_reference(pk),
                ),
                link=link,
                repaired=repaired,
            )
        files = list(shared_attachments(complaint).values_list("pk", flat=True))
        absent = {pk for pk in files if attachment_reference(pk) not in report.attachment_refs}
        if absent:
            repaired = bool(
                self.repair
                and enqueue_shared_attachments(link, complaint, self.suffix, only=absent)
            )
            self.differ(
                "attachment_missing",
                problem(
                    _("Files not in SP4N-LAPOR!: %(files)s"),
                    files=", ".join(attachment_reference(pk) for pk in sorted(absent)),
                ),
                link=link,
                repaired=repaired,
            )
        ours = {followup_reference(pk) for pk in followups}
        unknown = sorted(ref for ref in report.followup_refs if ref not in ours)
        if unknown:
            self.differ(
                "followup_unknown",
                problem(
                    _("SP4N-LAPOR! has follow-ups that are not published here: %(references)s"),
                    references=", ".join(unknown),
                ),
                link=link,
            )

    def unregistered(self) -> None:
        """Local complaints that should be registered (verified before the connector was on,
        or while it was off) and are not."""
        candidates = (
            Complaint.objects.filter(national_link__isnull=True)
            .exclude(channel=Channel.LAPOR)
            .filter(Q(verified_at__isnull=False) | Q(status=Status.TRANSFERRED))
            .order_by("id")
        )
        for complaint in candidates.iterator(chunk_size=500):
            if complaint.status != Status.TRANSFERRED and not wants_registration(complaint):
                continue
            self.keep_lease()
            repaired = False
            if self.repair:
                with transaction.atomic():
                    link = create_local_link(complaint)
                    enqueue_full_state(link, complaint, self.suffix)
                repaired = True
            self.differ(
                "not_registered",
                problem(_("Should be registered in SP4N-LAPOR! and is not.")),
                complaint=complaint,
                repaired=repaired,
            )


def reconcile(*, repair: bool = False) -> ReconcileResult:
    """Compare both sides (and with ``repair`` make them equal); one run at a time with sync."""
    config = load_config()
    token = lease_acquire()
    if token is None:
        return ReconcileResult(busy=True)
    kind = SyncRun.Kind.REPAIR if repair else SyncRun.Kind.RECONCILE
    run = SyncRun.objects.create(kind=kind, started_at=clock.now())
    notes: list[dict[str, Any]] = []  # stored texts (aduan.core.problems)
    result = ReconcileResult(run=run)
    why: dict[str, Any] = {}
    try:
        with NationalClient(config) as client:
            reconciler = _Reconciler(client, config, run, repair, token)
            result = reconciler.result  # partial results survive an error halfway
            reconciler.reconcile(_national_reports(client, config, notes, reconciler.keep_lease))
    except (NationalError, LeaseLost) as error:
        result.error = str(error)
        why = result.problem = explained(error)
        logger.warning("SP4N-LAPOR! reconcile: %s", error)
    finally:
        counts: dict[str, Any] = {
            "compared": result.compared,
            "in_flight": result.in_flight,
            "differences": len(result.differences),
            "repaired": sum(1 for item in result.differences if item.repaired),
        }
        SyncRun.objects.filter(pk=run.pk).update(
            finished_at=clock.now(),
            counts=counts,
            differences=[asdict(item) for item in result.differences][:1000]
            + [{"code": "note", "detail": note} for note in notes[:100]],
            error=result.error[:4000],
            error_problem=why,
        )
        lease_release(token)
    result.run = run
    return result
