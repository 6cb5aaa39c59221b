"""Reads of the knowledge app, already scoped to what the user may see (``policies``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Clock, Complaint, Dispatch, FollowUp
from aduan.core import clock
from aduan.core.errors import PermissionDenied
from aduan.knowledge import placeholders, policies
from aduan.knowledge.models import Document, ResponseTemplate

NOT_FOUND = _("This item does not exist or you may not open it.")
# The picker on the follow-up form lists at most this many canned responses.
PICKER_LIMIT = 200


# --- documents ---------------------------------------------------------------------------------


def document_list(
    user: Any, *, query: str = "", kind: str = "", archived: bool = False
) -> QuerySet[Document]:
    """The documents ``user`` may read; archived ones only for those who keep the library."""
    documents = Document.objects.filter(policies.documents_filter(user))
    if archived and policies.may_manage_documents(user):
        documents = documents.filter(archived_at__isnull=False)
    else:
        documents = documents.filter(archived_at__isnull=True)
    if kind:
        documents = documents.filter(kind=kind)
    for word in query.split():
        matches = Q(title__icontains=word) | Q(number__icontains=word) | Q(summary__icontains=word)
        if word.isdigit() and len(word) == 4:
            matches |= Q(year=int(word))
        documents = documents.filter(matches)
    return documents.select_related("replaced_by").prefetch_related("agencies")


def document_get(user: Any, pk: int) -> Document:
    """One document ``user`` may read (archived ones: only its keepers); PermissionDenied else."""
    document = (
        Document.objects.filter(policies.documents_filter(user), pk=pk)
        .select_related("replaced_by", "created_by", "updated_by")
        .prefetch_related("agencies")
        .first()
    )
    if document is None or (
        document.archived_at is not None and not policies.may_manage_documents(user)
    ):
        raise PermissionDenied(NOT_FOUND)
    return document


def document_replacements(user: Any, pk: int) -> list[Document]:
    """The documents that ``pk`` replaced (shown on its page)."""
    return list(
        Document.objects.filter(
            policies.documents_filter(user), replaced_by_id=pk, archived_at__isnull=True
        )
    )


# --- canned responses --------------------------------------------------------------------------


def template_list(
    user: Any,
    *,
    query: str = "",
    category_id: int | None = None,
    agency_id: int | None = None,
    shared_only: bool = False,
    archived: bool = False,
) -> QuerySet[ResponseTemplate]:
    """The canned responses ``user`` may read, active (or, with ``archived``, archived ones)."""
    templates = ResponseTemplate.objects.filter(
        policies.templates_filter(user), archived_at__isnull=not archived
    )
    if category_id is not None:
        templates = templates.filter(category_id=category_id)
    if shared_only:
        templates = templates.filter(agency__isnull=True)
    elif agency_id is not None:
        templates = templates.filter(agency_id=agency_id)
    for word in query.split():
        templates = templates.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return templates.select_related("category", "agency")


def template_use_counts(user: Any, templates: Iterable[ResponseTemplate]) -> dict[int, int]:
    """How many follow-ups were started from each of ``templates`` (by id; none: absent), among
    those ``user`` oversees (``policies.template_uses_filter``). One query."""
    ids = [template.pk for template in templates]
    rows = (
        FollowUp.objects.filter(policies.template_uses_filter(user), response_template_id__in=ids)
        .values("response_template_id")
        .annotate(uses=Count("id"))
        .order_by()
    )
    return {row["response_template_id"]: row["uses"] for row in rows}


def template_get(user: Any, pk: int) -> ResponseTemplate:
    template = (
        ResponseTemplate.objects.filter(policies.templates_filter(user), pk=pk)
        .select_related("category", "agency", "created_by", "updated_by")
        .first()
    )
    if template is None:
        raise PermissionDenied(NOT_FOUND)
    return template


# --- the picker on the follow-up form ----------------------------------------------------------


@dataclass(frozen=True)
class PickerItem:
    """A canned response as the follow-up form offers it: its text already filled in."""

    pk: int
    title: str
    body: str


def _category_ids(complaint: Complaint) -> list[int]:
    """The complaint's category and the categories above it (a parent's canned responses fit
    its sub-categories)."""
    ids: list[int] = []
    category = complaint.category if complaint.category_id else None
    while category is not None and category.pk not in ids:
        ids.append(category.pk)
        category = category.parent if category.parent_id else None
    return ids


def placeholder_values(complaint: Complaint, hop: Dispatch | None) -> dict[str, str | None]:
    """What each placeholder becomes on ``complaint``, answered by ``hop``'s agency."""
    resolution = (
        Clock.objects.filter(
            complaint=complaint, kind=Clock.Kind.RESOLUTION, state=Clock.State.RUNNING
        )
        .order_by("due_at")
        .first()
    )
    category = complaint.category if complaint.category_id else None
    return {
        "nomor_laporan": complaint.tracking_id,
        "judul_laporan": complaint.title,
        "kategori": category.name if category is not None else None,
        "nama_instansi": hop.agency.name if hop is not None else None,
        "tenggat": placeholders.format_day(resolution.due_at) if resolution else None,
        "tanggal_laporan": placeholders.format_day(complaint.submitted_at),
        "tanggal_hari_ini": placeholders.format_day(clock.now()),
    }


def offered_templates(
    user: Any, complaint: Complaint, hops: Sequence[Dispatch]
) -> QuerySet[ResponseTemplate]:
    """The canned responses ``user`` may start a follow-up on ``complaint`` from, working on
    ``hops`` (their active dispatches): active ones for its category (or a parent, or any
    category), shared or kept by a hop's agency or one above it."""
    if not hops:
        return ResponseTemplate.objects.none()
    paths: set[str] = set()
    for hop in hops:
        paths.add(hop.agency.path)
        paths.update(policies.ancestor_paths(hop.agency.path))
    category = Q(category__isnull=True)
    if category_ids := _category_ids(complaint):
        category |= Q(category_id__in=category_ids)
    return ResponseTemplate.objects.filter(
        policies.templates_filter(user),
        category,
        Q(agency__isnull=True) | Q(agency__path__in=sorted(paths)),
        archived_at__isnull=True,
    )


def templates_for_complaint(
    user: Any, complaint: Complaint, hops: Sequence[Dispatch]
) -> list[PickerItem]:
    """The picker's items: :func:`offered_templates` for ``hops`` (lead first), A to Z, each
    filled in for the first hop."""
    if not hops:
        return []
    templates = list(
        offered_templates(user, complaint, hops)
        .select_related("agency")
        .order_by("title", "id")[:PICKER_LIMIT]
    )
    if not templates:
        return []
    values = placeholder_values(complaint, hops[0])
    return [
        PickerItem(
            pk=template.pk,
            title=_label(template),
            body=placeholders.render(template.body, values),
        )
        for template in templates
    ]


def _label(template: ResponseTemplate) -> str:
    if template.agency is None:
        return template.title
    return f"{template.title} ({template.agency})"
