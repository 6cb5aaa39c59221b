"""Writes of the knowledge app: the document library (system administrators) and the canned
responses (agencies for their own, coordinators and administrators for the shared ones).

Each service checks the actor (``PermissionDenied``), the state (``TransitionNotAllowed``) and the
input (``InvalidInput``), writes with ``update_fields`` and appends an audit event, in one
transaction. Files are checked like complaint attachments: the type is sniffed from the content,
never taken from the name; a replaced file is removed once the change has committed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency, Category
from aduan.complaints.services import MAX_TEXT
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.uploads import CheckedUpload, check_upload
from aduan.knowledge import placeholders, policies
from aduan.knowledge.models import Document, DocumentKind, ResponseTemplate

MAX_DOCUMENT_TITLE = 300
MAX_TEMPLATE_TITLE = 200
MAX_SUMMARY = 5_000
MAX_NUMBER = 100
MAX_URL = 500
MIN_YEAR, MAX_YEAR = 1900, 2100
# What a document may be: PDF, office documents (OOXML and OpenDocument) and images (scanned
# pages, SOP flowcharts). Sniffed from the content with ``filetype``.
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "image/png",
        "image/jpeg",
    }
)


# --- input checks ------------------------------------------------------------------------------


def _text(value: str, *, label: Any, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(_("The text contains a character that is not allowed (NUL)."))
    if required and not value:
        raise InvalidInput(_("%(field)s is required."), field=label)
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is too long: at most %(max)d characters."), field=label, max=max_length
        )
    return value


def _url(value: str) -> str:
    value = _text(value, label=_("Link"), max_length=MAX_URL, required=False)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise InvalidInput(_("The link must be a web address (http:// or https://).")) from None
    return value


def _year(value: int | None) -> int | None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise InvalidInput(
            _("The year must be between %(min)d and %(max)d."), min=MIN_YEAR, max=MAX_YEAR
        )
    return value


def check_document_file(upload: File[Any]) -> CheckedUpload:
    """Refuse empty, too large or unexpected files (type sniffed from the content)."""
    return check_upload(
        upload,
        default_name="dokumen",
        limit=int(settings.ADUAN_KNOWLEDGE_MAX_DOCUMENT_BYTES),
        allowed=DOCUMENT_TYPES,
        not_allowed=_(
            "The file “%(name)s” is not an allowed type (PDF, Word, Excel, PowerPoint, "
            "OpenDocument, PNG or JPEG)."
        ),
    )


@contextmanager
def _remove_stored_on_error(document: Document) -> Iterator[None]:
    """If the transaction's work fails after a file was stored, remove the file again."""
    stored_before = document.file.name
    try:
        yield
    except BaseException:
        if document.file.name and document.file.name != stored_before:
            document.file.storage.delete(document.file.name)
        raise


def _store(document: Document, checked: CheckedUpload) -> None:
    document.file.save(checked.name, checked.upload, save=False)
    document.original_name = checked.name
    document.content_type = checked.content_type
    document.size = checked.size
    document.sha256 = checked.sha256


def _forget_file(document: Document) -> None:
    document.file = ""
    document.original_name = document.content_type = document.sha256 = ""
    document.size = None


def _delete_after_commit(storage: Any, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _set_archived(
    row: Document | ResponseTemplate,
    *,
    actor: Any,
    archived: bool,
    refusal: Any,
    action: str,
    data: dict[str, Any],
) -> None:
    """Archive or restore ``row`` (``refusal`` if it already is), stamped as a change by
    ``actor`` and audited as ``action``."""
    if (row.archived_at is not None) == archived:
        raise TransitionNotAllowed(refusal)
    now = clock.now()
    row.archived_at = now if archived else None
    row.updated_at = now
    row.updated_by = actor
    row.save(update_fields=["archived_at", "updated_at", "updated_by"])
    audit_log(actor=actor, action=action, target=row, data=data)


# --- documents ---------------------------------------------------------------------------------


def _ensure_document_keeper(actor: Any) -> None:
    if not policies.may_manage_documents(actor):
        raise PermissionDenied(_("Only system administrators may change the document library."))


def _check_replaced_by(document: Document | None, replaced_by: Document | None) -> None:
    """Refuse a chain of replacements that comes back to ``document`` (read from the database:
    the instance passed in may be stale)."""
    if replaced_by is None or document is None:
        return
    seen: set[int] = set()
    current: int | None = replaced_by.pk
    while current is not None and current not in seen:
        if current == document.pk:
            raise InvalidInput(_("A document cannot be replaced by itself or by one it replaces."))
        seen.add(current)
        current = (
            Document.objects.filter(pk=current).values_list("replaced_by_id", flat=True).first()
        )


def _agency_codes(agencies: Sequence[Agency]) -> list[str]:
    return sorted(agency.code for agency in agencies)


@dataclass(frozen=True)
class DocumentFields:
    """What a document is, as checked input."""

    title: str
    kind: str
    number: str
    year: int | None
    summary: str
    url: str
    effective_date: date | None
    replaced_by: Document | None


def _document_input(
    *,
    document: Document | None,
    upload: File[Any] | None,
    keeps_file: bool,
    title: str,
    kind: str,
    number: str,
    year: int | None,
    summary: str,
    url: str,
    effective_date: date | None,
    replaced_by: Document | None,
) -> tuple[DocumentFields, CheckedUpload | None]:
    """The checked fields and file of a document, which needs a file (``upload`` or one it
    ``keeps_file``), a link, or both."""
    if kind not in DocumentKind.values:
        raise InvalidInput(_("Choose what kind of document this is."))
    fields = DocumentFields(
        title=_text(title, label=_("Title"), max_length=MAX_DOCUMENT_TITLE),
        kind=kind,
        number=_text(number, label=_("Number"), max_length=MAX_NUMBER, required=False),
        year=_year(year),
        summary=_text(summary, label=_("Summary"), max_length=MAX_SUMMARY, required=False),
        url=_url(url),
        effective_date=effective_date,
        replaced_by=replaced_by,
    )
    _check_replaced_by(document, replaced_by)
    checked = check_document_file(upload) if upload is not None else None
    if checked is None and not keeps_file and not fields.url:
        raise InvalidInput(_("Give the document a file, a link, or both."))
    return fields, checked


@transaction.atomic
def document_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    number: str = "",
    year: int | None = None,
    summary: str = "",
    upload: File[Any] | None = None,
    url: str = "",
    effective_date: date | None = None,
    agencies: Sequence[Agency] = (),
    replaced_by: Document | None = None,
) -> Document:
    """A system administrator adds a document: a file, a link, or both."""
    _ensure_document_keeper(actor)
    fields, checked = _document_input(
        document=None,
        upload=upload,
        keeps_file=False,
        title=title,
        kind=kind,
        number=number,
        year=year,
        summary=summary,
        url=url,
        effective_date=effective_date,
        replaced_by=replaced_by,
    )
    now = clock.now()
    document = Document(
        **fields.__dict__,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    with _remove_stored_on_error(document):
        if checked is not None:
            _store(document, checked)
        document.save()
        document.agencies.set(agencies)
        audit_log(
            actor=actor,
            action="knowledge.document_created",
            target=document,
            data={
                "title": document.title,
                "kind": document.kind,
                "reference": document.reference,
                "file": document.original_name,
                "sha256": document.sha256,
                "url": document.url,
                "agencies": _agency_codes(agencies),
            },
        )
    return document


def _lock_document(document: Document) -> Document:
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("replaced_by")
        .get(pk=document.pk)
    )


@transaction.atomic
def document_update(
    *,
    actor: Any,
    document: Document,
    title: str,
    kind: str,
    number: str = "",
    year: int | None = None,
    summary: str = "",
    upload: File[Any] | None = None,
    remove_file: bool = False,
    url: str = "",
    effective_date: date | None = None,
    agencies: Sequence[Agency] = (),
    replaced_by: Document | None = None,
) -> Document:
    """A system administrator changes a document; a new file replaces the old one, which is
    removed from storage once the change has committed."""
    _ensure_document_keeper(actor)
    document = _lock_document(document)
    if document.archived_at is not None:
        raise TransitionNotAllowed(_("An archived document cannot be changed; restore it first."))
    fields, checked = _document_input(
        document=document,
        upload=upload,
        keeps_file=bool(document.file.name) and not remove_file,
        title=title,
        kind=kind,
        number=number,
        year=year,
        summary=summary,
        url=url,
        effective_date=effective_date,
        replaced_by=replaced_by,
    )
    changes: dict[str, list[Any]] = {}
    for name, value in fields.__dict__.items():
        before = getattr(document, name)
        if before != value:
            changes[name] = [_plain(before), _plain(value)]
            setattr(document, name, value)
    before_codes = _agency_codes(list(document.agencies.all()))
    after_codes = _agency_codes(agencies)
    if before_codes != after_codes:
        changes["agencies"] = [before_codes, after_codes]
    old_file = document.file.name
    storage = document.file.storage
    with _remove_stored_on_error(document):
        if checked is not None:
            _store(document, checked)
        elif remove_file and old_file:
            _forget_file(document)
        if document.file.name != old_file:
            changes["file"] = [old_file and old_file.rsplit("/", 1)[-1], document.original_name]
        document.updated_by = actor
        document.updated_at = clock.now()
        document.save(
            update_fields=[
                *fields.__dict__.keys(),
                "file",
                "original_name",
                "content_type",
                "size",
                "sha256",
                "updated_by",
                "updated_at",
            ]
        )
        if "agencies" in changes:
            document.agencies.set(agencies)
        audit_log(
            actor=actor,
            action="knowledge.document_changed",
            target=document,
            data={"title": document.title, "changes": changes},
        )
    if document.file.name != old_file:
        _delete_after_commit(storage, old_file)
    return document


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it."""
    if isinstance(value, Document):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def document_archive(*, actor: Any, document: Document) -> Document:
    """Take a document out of the library (kept, and restorable; its file stays stored)."""
    _ensure_document_keeper(actor)
    document = _lock_document(document)
    _set_archived(
        document,
        actor=actor,
        archived=True,
        refusal=_("This document is already archived."),
        action="knowledge.document_archived",
        data={"title": document.title},
    )
    return document


@transaction.atomic
def document_restore(*, actor: Any, document: Document) -> Document:
    _ensure_document_keeper(actor)
    document = _lock_document(document)
    _set_archived(
        document,
        actor=actor,
        archived=False,
        refusal=_("This document is not archived."),
        action="knowledge.document_restored",
        data={"title": document.title},
    )
    return document


# --- canned responses --------------------------------------------------------------------------


def _ensure_template_keeper(actor: Any, agency: Agency | None) -> None:
    if not policies.may_keep_templates_of(actor, agency):
        if agency is None:
            raise PermissionDenied(
                _("Only coordinators and system administrators keep the shared canned responses.")
            )
        raise PermissionDenied(
            _("You may keep only the canned responses of your own agency (%(agency)s is not)."),
            agency=agency,
        )


def _template_fields(*, title: str, body: str) -> tuple[str, str]:
    title = _text(title, label=_("Title"), max_length=MAX_TEMPLATE_TITLE)
    body = _text(body, label=_("Text"), max_length=MAX_TEXT)
    placeholders.check(body)
    return title, body


def _code(obj: Agency | Category | None) -> str | None:
    return obj.code if obj is not None else None


@transaction.atomic
def response_template_create(
    *,
    actor: Any,
    title: str,
    body: str,
    category: Category | None = None,
    agency: Agency | None = None,
) -> ResponseTemplate:
    """A canned response for ``category`` (None: any), kept by ``agency`` (None: shared)."""
    _ensure_template_keeper(actor, agency)
    title, body = _template_fields(title=title, body=body)
    now = clock.now()
    template = ResponseTemplate.objects.create(
        title=title,
        body=body,
        category=category,
        agency=agency,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    audit_log(
        actor=actor,
        action="knowledge.template_created",
        target=template,
        data={
            "title": title,
            "body": body,
            "category": _code(category),
            "agency": _code(agency),
        },
    )
    return template


def _lock_template(template: ResponseTemplate) -> ResponseTemplate:
    return (
        ResponseTemplate.objects.select_for_update(of=("self",))
        .select_related("agency", "category")
        .get(pk=template.pk)
    )


@transaction.atomic
def response_template_update(
    *,
    actor: Any,
    template: ResponseTemplate,
    title: str,
    body: str,
    category: Category | None,
    agency: Agency | None,
) -> ResponseTemplate:
    """Change a canned response; moving it to another agency (or to shared) needs the right to
    keep both the old and the new one."""
    template = _lock_template(template)
    _ensure_template_keeper(actor, template.agency)
    if agency != template.agency:
        _ensure_template_keeper(actor, agency)
    if template.archived_at is not None:
        raise TransitionNotAllowed(
            _("An archived canned response cannot be changed; restore it first.")
        )
    title, body = _template_fields(title=title, body=body)
    changes: dict[str, list[Any]] = {}
    for name, value, plain in (
        ("title", title, title),
        ("body", body, body),
        ("category", category, _code(category)),
        ("agency", agency, _code(agency)),
    ):
        before = getattr(template, name)
        if before != value:
            changes[name] = [_code(before) if name in ("category", "agency") else before, plain]
            setattr(template, name, value)
    template.updated_by = actor
    template.updated_at = clock.now()
    template.save(update_fields=["title", "body", "category", "agency", "updated_by", "updated_at"])
    audit_log(
        actor=actor,
        action="knowledge.template_changed",
        target=template,
        data={"title": template.title, "changes": changes},
    )
    return template


@transaction.atomic
def response_template_archive(*, actor: Any, template: ResponseTemplate) -> ResponseTemplate:
    """Stop offering a canned response (kept, and restorable)."""
    template = _lock_template(template)
    _ensure_template_keeper(actor, template.agency)
    _set_archived(
        template,
        actor=actor,
        archived=True,
        refusal=_("This canned response is already archived."),
        action="knowledge.template_archived",
        data={"title": template.title, "agency": _code(template.agency)},
    )
    return template


@transaction.atomic
def response_template_restore(*, actor: Any, template: ResponseTemplate) -> ResponseTemplate:
    template = _lock_template(template)
    _ensure_template_keeper(actor, template.agency)
    _set_archived(
        template,
        actor=actor,
        archived=False,
        refusal=_("This canned response is not archived."),
        action="knowledge.template_restored",
        data={"title": template.title, "agency": _code(template.agency)},
    )
    return template
