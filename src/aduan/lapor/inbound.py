"""Taking in what SP4N-LAPOR! says: new dispositions to this instansi become complaints (through
``complaint_submit``, channel "lapor"), and the reporter's actions there (replies, reopen
requests, ratings) and national administrators' decisions (archive, another instansi) become
our lifecycle services' calls.

Every national snapshot carries the whole report with a version. A snapshot not newer than the
last one applied to a link is ignored (a redelivery, an out-of-order update): the newer one
already held everything. Reporter actions are taken in once each, by their national ids
(:class:`NationalItem`), so applying a snapshot twice changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Category, Region
from aduan.channels.inbound import clean_text
from aduan.complaints.models import ArchiveReason, Attachment, Channel, Complaint, Status
from aduan.complaints.services import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    MIN_DESCRIPTION,
    attachment_add,
    complaint_archive,
    complaint_rate,
    complaint_reopen,
    complaint_reply,
    complaint_submit,
    complaint_transfer,
    normalize_phone,
    remove_files_on_error,
)
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.errors import DomainError, InvalidInput
from aduan.core.problems import problem, problem_in_english
from aduan.lapor.config import Config, Mapping
from aduan.lapor.models import NationalFile, NationalItem, NationalLink, Origin
from aduan.lapor.outbox import ATTACHMENT_REFERENCE, applying_national
from aduan.lapor.services import reporter_account, system_account

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
IGNORED = "ignored"
NOT_OURS = "not_ours"
FAILED = "failed"


# Downloads of one national file that may fail for a passing reason before it is refused.
MAX_FILE_ATTEMPTS = 5


class MalformedReport(ValueError):
    """A national item without the fields every report must have (tracking ID, version); its
    words in English, and ``problem`` as a stored text for the run's notes."""

    def __init__(self, text: str | Promise, **params: Any) -> None:
        self.problem = problem(text, **params)
        super().__init__(problem_in_english(self.problem))


@dataclass(frozen=True)
class ReporterItem:
    """One thing the reporter did on SP4N-LAPOR!."""

    kind: str
    item_id: str
    body: str
    at: str


@dataclass(frozen=True)
class FileRef:
    """A file a national report lists (the reporter's, or one of ours sent there)."""

    reference: str
    name: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class NationalReport:
    """A national report snapshot in our names (see ``config.DEFAULT_MAPPING``)."""

    national_id: str
    version: int
    status: str
    instansi: str
    instansi_name: str = ""
    local_reference: str = ""
    title: str = ""
    description: str = ""
    kind: str = ""
    category: str = ""
    region_code: str = ""
    address: str = ""
    latitude: Any = None
    longitude: Any = None
    event_date: date | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str = ""
    reporter_email: str = ""
    reporter_phone: str = ""
    replies: tuple[ReporterItem, ...] = ()
    reopen_requests: tuple[ReporterItem, ...] = ()
    rating: int | None = None
    rating_comment: str = ""
    followup_refs: frozenset[str] = frozenset()
    attachment_refs: frozenset[str] = frozenset()
    files: tuple[FileRef, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _max(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a model's text field: what the database accepts (PostgreSQL
    refuses longer values, and one refused value must not stop the feed)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.max_length is not None
    return int(field.max_length)


def _text(value: Any) -> str:
    return clean_text(str(value)).strip() if value is not None else ""


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "ya", "yes", "y")
    return bool(value)


def _items(
    raw: Any, mapping: Mapping, kind: str, id_key: str, body_key: str, at_key: str
) -> tuple[ReporterItem, ...]:
    if not isinstance(raw, list):
        return ()
    result = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        item_id = _text(mapping.get(item, id_key))
        if not item_id:
            continue
        result.append(
            ReporterItem(
                kind=kind,
                item_id=item_id[: _max(NationalItem, "item_id")],
                body=_text(mapping.get(item, body_key)),
                at=_text(mapping.get(item, at_key)),
            )
        )
    return tuple(result)


def _refs(raw: Any, mapping: Mapping, key: str) -> frozenset[str]:
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(
        _text(mapping.get(item, key))
        for item in raw
        if isinstance(item, dict) and mapping.get(item, key)
    )


def _files(raw: Any, mapping: Mapping) -> tuple[FileRef, ...]:
    if not isinstance(raw, list):
        return ()
    files = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        reference = _text(mapping.get(item, "attachment_reference"))
        if (
            not reference
            or reference in (".", "..")
            or len(reference) > _max(NationalFile, "reference")
        ):
            continue
        checksum = _text(mapping.get(item, "attachment_sha256")).lower()
        files.append(
            FileRef(
                reference=reference,
                name=_text(mapping.get(item, "attachment_name")).rsplit("/", 1)[-1][:255],
                # Kept as listed, also when it is not a SHA-256 (it then matches no file, and the
                # file is refused for it): a broken checksum must not switch the check off.
                sha256=checksum[: _max(NationalFile, "sha256")],
            )
        )
    return tuple(files)


def parse_report(raw: dict[str, Any], mapping: Mapping) -> NationalReport:
    """A national JSON report in our terms; :class:`MalformedReport` without ID or version."""
    national_id = _text(mapping.get(raw, "national_id"))[: _max(NationalLink, "national_id")]
    try:
        version = int(mapping.get(raw, "version"))
    except (TypeError, ValueError):
        raise MalformedReport(
            _("report %(national_id)s has no valid version"), national_id=national_id or "?"
        ) from None
    if not national_id:
        raise MalformedReport(_("a report without a tracking ID"))
    rating_raw = mapping.get(raw, "rating")
    try:
        rating = int(rating_raw) if rating_raw not in (None, "") else None
    except (TypeError, ValueError):
        rating = None
    event_date = None
    try:
        event_date = parse_date(_text(mapping.get(raw, "event_date"))[:10])
    except ValueError:
        event_date = None
    return NationalReport(
        national_id=national_id,
        version=version,
        status=_text(mapping.get(raw, "status"))[: _max(NationalLink, "national_status")],
        instansi=_text(mapping.get(raw, "instansi")),
        instansi_name=_text(mapping.get(raw, "instansi_name"))[
            : _max(Complaint, "transfer_target")
        ],
        local_reference=_text(mapping.get(raw, "local_reference")),
        title=_text(mapping.get(raw, "title")),
        description=_text(mapping.get(raw, "description")),
        kind=_text(mapping.get(raw, "kind")),
        category=_text(mapping.get(raw, "category")),
        region_code=_text(mapping.get(raw, "region_code")),
        address=_text(mapping.get(raw, "address"))[: _max(Complaint, "address_text")],
        latitude=mapping.get(raw, "latitude"),
        longitude=mapping.get(raw, "longitude"),
        event_date=event_date,
        anonymous=_flag(mapping.get(raw, "anonymous", False)),
        confidential=_flag(mapping.get(raw, "confidential", False)),
        reporter_name=_text(mapping.get(raw, "reporter_name"))[: _max(Complaint, "reporter_name")],
        reporter_email=_text(mapping.get(raw, "reporter_email")),
        reporter_phone=_text(mapping.get(raw, "reporter_phone")),
        replies=_items(
            mapping.get(raw, "replies"),
            mapping,
            NationalItem.Kind.REPLY,
            "reply_id",
            "reply_body",
            "reply_at",
        ),
        reopen_requests=_items(
            mapping.get(raw, "reopen_requests"),
            mapping,
            NationalItem.Kind.REOPEN,
            "reopen_id",
            "reopen_reason",
            "reopen_at",
        ),
        rating=rating if rating is not None and 1 <= rating <= 5 else None,
        rating_comment=_text(mapping.get(raw, "rating_comment")),
        followup_refs=_refs(mapping.get(raw, "followups"), mapping, "followup_reference"),
        attachment_refs=_refs(mapping.get(raw, "attachments"), mapping, "attachment_reference"),
        files=_files(mapping.get(raw, "attachments"), mapping),
        raw=raw,
    )


def apply_report(report: NationalReport, *, config: Config, force: bool = False) -> str:
    """Take in one national snapshot; returns what happened (created, updated, ignored,
    not_ours, failed). ``force`` applies it even when it is not newer (reconcile, retry)."""
    link = NationalLink.objects.filter(national_id=report.national_id).first()
    if link is None and report.local_reference:
        # One of ours whose registration answer we have not recorded yet.
        link = NationalLink.objects.filter(
            origin=Origin.LOCAL,
            national_id="",
            complaint__tracking_id=report.local_reference,
        ).first()
        if link is not None:
            try:
                with transaction.atomic():
                    NationalLink.objects.filter(pk=link.pk, national_id="").update(
                        national_id=report.national_id, updated_at=clock.now()
                    )
            except IntegrityError:
                return IGNORED
            link.national_id = report.national_id
    if link is None or link.complaint_id is None:
        if report.instansi != config.instansi:
            return NOT_OURS
        return _take_in(report, config, link)
    return _update(link, report, config, force=force)


def _clean_contact(report: NationalReport) -> tuple[str, str]:
    try:
        phone = normalize_phone(report.reporter_phone)
    except InvalidInput:
        phone = ""
    email = report.reporter_email
    try:
        if email:
            validate_email(email)
    except ValidationError:
        email = ""
    if len(email) > _max(Complaint, "reporter_email"):
        email = ""  # valid (up to 320 characters) but longer than we store: left out
    return phone, email


def _submit_fields(report: NationalReport, config: Config, *, minimal: bool) -> dict[str, Any]:
    description = report.description[:MAX_DESCRIPTION]
    if len(description) < MIN_DESCRIPTION:
        description = f"{description}\n\n(SP4N-LAPOR! {report.national_id})".strip()
    first_line = report.description.splitlines()[0][:80] if report.description else ""
    title = report.title[:MAX_TITLE] or first_line or f"SP4N-LAPOR! {report.national_id}"
    fields: dict[str, Any] = {
        "title": title,
        "description": description,
        "kind": config.mapping.kind_from_national(report.kind),
        "is_anonymous": report.anonymous,
        "is_confidential": report.confidential,
        "reporter_name": report.reporter_name,
    }
    if minimal:
        return fields
    phone, email = _clean_contact(report)
    category_code = config.mapping.categories.get(report.category, "")
    fields.update(
        category=Category.objects.filter(code=category_code, is_active=True).first()
        if category_code
        else None,
        region=Region.objects.filter(code=report.region_code).first()
        if report.region_code
        else None,
        address_text=report.address,
        latitude=report.latitude,
        longitude=report.longitude,
        event_date=report.event_date
        if report.event_date and report.event_date <= local_date(clock.now())
        else None,
        reporter_phone=phone,
        reporter_email=email,
    )
    return fields


def _take_in(report: NationalReport, config: Config, failed: NationalLink | None) -> str:
    """Create the complaint of a national disposition, with its link, in one transaction.

    The national ID is the submission's idempotency key too, so even without the link a second
    delivery could not make a second complaint. Content the intake refuses is retried without
    the optional fields (place, contact, date); if it is still refused, the snapshot is kept on
    a link without complaint for an administrator.
    """
    reporter = reporter_account()
    error: DomainError | None = None
    for minimal in (False, True):
        try:
            with transaction.atomic():
                with applying_national():
                    result = complaint_submit(
                        actor=reporter,
                        channel=Channel.LAPOR,
                        idempotency_key=f"lapor:{report.national_id}",
                        **_submit_fields(report, config, minimal=minimal),
                    )
                now = clock.now()
                link = failed or NationalLink(
                    national_id=report.national_id, origin=Origin.NATIONAL, created_at=now
                )
                link.complaint = result.complaint
                link.snapshot = {}
                link.problem = {}
                link.national_version = 0
                link.status_sent = result.complaint.status
                link.updated_at = now
                link.save()
                _update(link, report, config, force=True)
            return CREATED
        except DomainError as refused:
            error = refused
        except IntegrityError:
            # Another process took it in at the same moment (the sync lease makes this rare).
            return IGNORED
    keep_unapplied(report, problem(_("Could not be taken in: %(error)s"), error=error))
    return FAILED


def keep_unapplied(report: NationalReport, kept: dict[str, Any]) -> None:
    """Keep a national snapshot that could not be applied, with why, on its link for an
    administrator (listed on /staf/lapor/; a report without complaint can be taken in again).
    One of ours whose registration answer is not recorded yet is kept on its local link (found
    by ``local_reference``); a new link is made only for a report that has none. ``kept`` is a
    stored problem (``aduan.core.problems.problem``)."""
    now = clock.now()
    with transaction.atomic():
        link = NationalLink.objects.filter(national_id=report.national_id).first()
        if link is None and report.local_reference:
            link = NationalLink.objects.filter(
                origin=Origin.LOCAL,
                national_id="",
                complaint__tracking_id=report.local_reference,
            ).first()
        fields = {
            "snapshot": report.raw,
            "problem": kept,
            "national_status": report.status,
            "updated_at": now,
        }
        if link is not None:
            NationalLink.objects.filter(pk=link.pk).update(**fields)
        else:
            NationalLink.objects.update_or_create(
                national_id=report.national_id,
                defaults=fields,
                create_defaults={**fields, "origin": Origin.NATIONAL, "created_at": now},
            )
    logger.warning("SP4N-LAPOR! report %s: %s", report.national_id, problem_in_english(kept))


def apply_report_isolated(report: NationalReport, *, config: Config, force: bool = False) -> str:
    """:func:`apply_report` in a savepoint: any unexpected error (a value the database refuses,
    a bug) undoes only this report, which is kept with the error like a refused take-in and
    counted as failed, so the reports after it (and the feed's cursor) go on."""
    try:
        with transaction.atomic():
            return apply_report(report, config=config, force=force)
    except Exception as error:
        logger.exception("SP4N-LAPOR! report %s could not be applied", report.national_id)
        kept = problem(
            _("Could not be applied: %(error)s"), error=f"{type(error).__name__}: {error}"[:1000]
        )
        keep_unapplied(report, kept)
        return FAILED


def _update(link: NationalLink, report: NationalReport, config: Config, *, force: bool) -> str:
    assert link.complaint_id is not None
    with transaction.atomic():
        # Complaint first, then link: the order every lifecycle service (and the outbox receiver
        # in it) takes them in, so the two paths cannot deadlock.
        complaint = Complaint.objects.select_for_update(of=("self",), no_key=True).get(
            pk=link.complaint_id
        )
        link = NationalLink.objects.select_for_update(no_key=True).get(pk=link.pk)
        if not force and report.version <= link.national_version:
            return IGNORED
        before = complaint.status
        # English notes (and values in problems) for administrators, whatever language the
        # caller runs in.
        with applying_national(), translation.override("en"):
            if link.origin == Origin.NATIONAL:
                _apply_reporter_items(link, complaint, report)
                _list_reporter_files(link, report)
            complaint.refresh_from_db()
            conflict = _apply_national_decisions(complaint, report, config)
        complaint.refresh_from_db()
        fields: dict[str, Any] = {
            "national_version": max(link.national_version, report.version),
            "national_status": report.status,
            "problem": conflict,
            "snapshot": {},  # a snapshot kept after a failure is superseded
            "updated_at": clock.now(),
        }
        if complaint.status != before:
            fields["status_sent"] = complaint.status
        NationalLink.objects.filter(pk=link.pk).update(**fields)
    return UPDATED


def _apply_reporter_items(link: NationalLink, complaint: Complaint, report: NationalReport) -> None:
    done = set(NationalItem.objects.filter(link=link).values_list("kind", "item_id"))
    reporter = reporter_account()
    items = sorted(
        [*report.replies, *report.reopen_requests], key=lambda item: (item.at, item.item_id)
    )
    for item in items:
        if (item.kind, item.item_id) in done:
            continue
        _apply_item(link, complaint, reporter, item)
    if report.rating is not None and (NationalItem.Kind.RATING, "rating") not in done:
        _apply_item(
            link,
            complaint,
            reporter,
            ReporterItem(NationalItem.Kind.RATING, "rating", report.rating_comment, ""),
            score=report.rating,
        )


def reporter_file_refs(link: NationalLink, report: NationalReport) -> list[FileRef]:
    """The files a report lists that are the reporter's and not recorded here yet. A file named
    like the ones an Aduan sends with a published answer (``lampiran-<id>``: ours, or another
    instansi's that had the report before) is not the reporter's."""
    listed = set(link.files.values_list("reference", flat=True))
    return [
        file
        for file in report.files
        if not ATTACHMENT_REFERENCE.fullmatch(file.reference) and file.reference not in listed
    ]


def _list_reporter_files(link: NationalLink, report: NationalReport) -> None:
    """Record the reporter's files the report lists, for the next sync to download
    (``aduan.lapor.sync.fetch_files``)."""
    now = clock.now()
    NationalFile.objects.bulk_create(
        [
            NationalFile(
                link=link,
                reference=file.reference,
                name=file.name,
                sha256=file.sha256,
                created_at=now,
                updated_at=now,
            )
            for file in reporter_file_refs(link, report)
        ],
        ignore_conflicts=True,
    )


def take_file(file_id: int, content: bytes) -> str:
    """Attach a downloaded national file to its complaint as the reporter's (once); "taken", or
    "refused" with the reason kept: a checksum that does not match the national listing, or
    what the complaint's own intake refuses (type, size, a complaint no longer open)."""
    listed = NationalFile.objects.select_related("link").get(pk=file_id)
    if listed.link.complaint_id is None:  # the complaint is gone
        refuse_file(file_id, problem(_("The complaint is no longer here.")))
        return "refused"
    stored: list[Attachment] = []
    with remove_files_on_error(stored), transaction.atomic():
        # Complaint first, then the file's own row: the order of every other path (the
        # lifecycle services, _update), so they cannot deadlock with this one.
        complaint = Complaint.objects.select_for_update(of=("self",), no_key=True).get(
            pk=listed.link.complaint_id
        )
        file = NationalFile.objects.select_for_update(of=("self",)).get(pk=file_id)
        if file.state != NationalFile.State.PENDING:
            return "ignored"
        refused: dict[str, Any] = {}
        # A file cut at the size limit is refused as too large, not for its checksum.
        whole = len(content) <= int(settings.ADUAN_MAX_ATTACHMENT_BYTES)
        if whole and file.sha256 and hashlib.sha256(content).hexdigest() != file.sha256:
            refused = problem(_("The file's SHA-256 is not the one SP4N-LAPOR! lists."))
        else:
            try:
                with transaction.atomic(), applying_national():
                    file.attachment = attachment_add(
                        actor=reporter_account(),
                        complaint=complaint,
                        upload=ContentFile(content, name=file.name or "lampiran"),
                    )
                stored.append(file.attachment)
            except DomainError as error:
                refused = problem(_("Not attached: %(error)s"), error=error)
        file.state = NationalFile.State.REFUSED if refused else NationalFile.State.TAKEN
        file.problem = refused
        file.updated_at = clock.now()
        file.save(update_fields=["state", "problem", "attachment", "updated_at"])
    if refused:
        logger.info("SP4N-LAPOR! file %s refused: %s", file, problem_in_english(refused))
        return "refused"
    return "taken"


def refuse_file(file_id: int, why: dict[str, Any]) -> None:
    """SP4N-LAPOR! will not give the file (it answered 404 or 410)."""
    NationalFile.objects.filter(pk=file_id, state=NationalFile.State.PENDING).update(
        state=NationalFile.State.REFUSED, problem=why, updated_at=clock.now()
    )


def file_attempt_failed(file_id: int, error: str | BaseException) -> None:
    """A download or attaching failed for a reason that may pass; after ``MAX_FILE_ATTEMPTS``
    the file is refused with the last error (it waits behind the others meanwhile)."""
    now = clock.now()
    NationalFile.objects.filter(pk=file_id, state=NationalFile.State.PENDING).update(
        attempts=F("attempts") + 1, updated_at=now
    )
    NationalFile.objects.filter(
        pk=file_id, state=NationalFile.State.PENDING, attempts__gte=MAX_FILE_ATTEMPTS
    ).update(
        state=NationalFile.State.REFUSED,
        problem=problem(
            _("SP4N-LAPOR! did not give the file after %(attempts)d attempts: %(error)s"),
            attempts=MAX_FILE_ATTEMPTS,
            error=error,
        ),
        updated_at=now,
    )


def _apply_item(
    link: NationalLink,
    complaint: Complaint,
    reporter: Any,
    item: ReporterItem,
    score: int | None = None,
) -> None:
    note = ""
    try:
        with transaction.atomic():
            if item.kind == NationalItem.Kind.REPLY:
                complaint_reply(actor=reporter, complaint=complaint, body=item.body)
            elif item.kind == NationalItem.Kind.REOPEN:
                complaint_reopen(actor=reporter, complaint=complaint, reason=item.body)
            else:
                complaint_rate(
                    actor=reporter, complaint=complaint, score=int(score or 0), comment=item.body
                )
        applied = True
    except DomainError as error:
        applied = False
        with translation.override("en"):
            note = str(error)
        logger.info("SP4N-LAPOR! %s %s %s not applied: %s", link, item.kind, item.item_id, note)
    NationalItem.objects.create(
        link=link,
        kind=item.kind,
        item_id=item.item_id,
        applied=applied,
        note=note,
        created_at=clock.now(),
    )


def _apply_national_decisions(
    complaint: Complaint, report: NationalReport, config: Config
) -> dict[str, Any]:
    """A national administrator archived the report, or gave it to another instansi: done here
    too while the complaint is still being verified; otherwise a problem for people to settle
    (shown by reconcile and on the connector's page), returned as a stored problem ({} for
    none)."""
    status = complaint.status
    if report.instansi != config.instansi:
        target = (report.instansi_name or report.instansi or "SP4N-LAPOR!")[
            : _max(Complaint, "transfer_target")
        ]
        if status == Status.TRANSFERRED:
            return {}
        if status in (Status.SUBMITTED, Status.ON_HOLD):
            return _decide(
                lambda: complaint_transfer(
                    actor=system_account(),
                    complaint=complaint,
                    target=target,
                    note="Dialihkan melalui SP4N-LAPOR!",
                )
            )
        return problem(
            _("SP4N-LAPOR! gave this report to %(target)s, but it is “%(status)s” here."),
            target=target,
            status=Status(status).label,
        )
    if report.status == config.mapping.archived_state and status != Status.ARCHIVED:
        if status in (Status.SUBMITTED, Status.ON_HOLD):
            return _decide(
                lambda: complaint_archive(
                    actor=system_account(),
                    complaint=complaint,
                    reason=ArchiveReason.OTHER,
                    note="Diarsipkan di SP4N-LAPOR!",
                )
            )
        return problem(
            _("SP4N-LAPOR! archived this report, but it is “%(status)s” here."),
            status=Status(status).label,
        )
    return {}


def _decide(action: Any) -> dict[str, Any]:
    try:
        with transaction.atomic():
            action()
    except DomainError as error:
        return problem(_("Could not follow SP4N-LAPOR!: %(error)s"), error=error)
    return {}
