"""The knowledge pages under /staf/pengetahuan/: the document library (every staff member reads
it, system administrators keep it) and the canned responses (agencies keep their own,
coordinators and administrators the shared ones).

Thin: reads through ``selectors`` (scoped), writes through ``services``; forms PRG, errors next
to the form. Something a user may not see is a 404, as in the rest of the back office.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aduan.agencies.models import Agency
from aduan.backoffice.access import forbidden, menu_context, staff_page
from aduan.backoffice.forms import active_agencies
from aduan.backoffice.views import bad_cursor, page_links, page_of
from aduan.core.errors import DomainError, InvalidInput, PermissionDenied
from aduan.core.once import applied_once
from aduan.core.web import add_form_error, http_status_for, private_file_response
from aduan.knowledge import placeholders, policies, selectors, services
from aduan.knowledge.forms import (
    DocumentFilterForm,
    DocumentForm,
    ResponseTemplateForm,
    TemplateFilterForm,
)
from aduan.knowledge.models import Document, ResponseTemplate

ORDERING = ("title", "id")
CURRENT = "knowledge"  # the menu entry


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        f"knowledge/{template}",
        {**context, **menu_context(request, CURRENT)},
        status=status,
    )


# --- documents ---------------------------------------------------------------------------------


@require_safe
@staff_page(works=False)
def documents(request: HttpRequest) -> HttpResponse:
    """The document library, searchable, A to Z."""
    keeper = policies.may_manage_documents(request.user)
    filters = DocumentFilterForm(request.GET, keeper=keeper)
    data = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.document_list(
        request.user,
        query=data.get("q", ""),
        kind=data.get("kind", ""),
        archived=bool(data.get("archived")),
    )
    try:
        page = page_of(request, queryset, ORDERING)
    except InvalidInput as error:
        return bad_cursor(request, error, CURRENT)
    context = {
        "page": page,
        **page_links(request, page),
        "filters": filters,
        "keeper": keeper,
        "templates_readable": policies.may_read_templates(request.user),
    }
    return _render(request, "documents.html", context)


def _document_or_404(request: HttpRequest, pk: int) -> Document:
    try:
        return selectors.document_get(request.user, pk)
    except PermissionDenied:
        raise Http404 from None


@require_safe
@staff_page(works=False)
def document(request: HttpRequest, pk: int) -> HttpResponse:
    item = _document_or_404(request, pk)
    context = {
        "document": item,
        "replaces": selectors.document_replacements(request.user, item.pk),
        "keeper": policies.may_manage_documents(request.user),
    }
    return _render(request, "document.html", context)


@require_safe
@staff_page(works=False)
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    """The document's file, to signed-in staff who may read the document (MEDIA_ROOT is never
    served publicly); the stored, sniffed type, never cached, never sniffed by the browser."""
    item = _document_or_404(request, pk)
    if not item.file:
        raise Http404
    return private_file_response(item)


def _document_form_page(
    request: HttpRequest, form: DocumentForm, item: Document | None, status: int = 200
) -> HttpResponse:
    return _render(request, "document_form.html", {"form": form, "document": item}, status)


def _document_save(request: HttpRequest, item: Document | None) -> HttpResponse:
    if request.method != "POST":
        initial = DocumentForm.initial_for(item) if item is not None else {}
        return _document_form_page(request, DocumentForm(document=item, initial=initial), item)
    form = DocumentForm(request.POST, request.FILES, document=item)
    if not form.is_valid():
        return _document_form_page(request, form, item, status=400)
    data = form.cleaned_data
    fields = {
        "title": data["title"],
        "kind": data["kind"],
        "number": data["number"],
        "year": data["year"],
        "summary": data["summary"],
        "upload": data["file"],
        "url": data["url"],
        "effective_date": data["effective_date"],
        "agencies": list(data["agencies"]),
        "replaced_by": data["replaced_by"],
    }
    try:
        if item is None:
            item = services.document_create(actor=request.user, **fields)
            messages.success(request, _("The document was added to the library."))
        else:
            item = services.document_update(
                actor=request.user,
                document=item,
                remove_file=bool(data.get("remove_file")),
                **fields,
            )
            messages.success(request, _("The document was saved."))
    except DomainError as error:
        add_form_error(form, error)
        return _document_form_page(request, form, item, status=http_status_for(error))
    return redirect("knowledge:document", pk=item.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_page(works=False)
def document_create(request: HttpRequest) -> HttpResponse:
    if not policies.may_manage_documents(request.user):
        return forbidden(request)
    return _document_save(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_page(works=False)
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not policies.may_manage_documents(request.user):
        return forbidden(request)
    return _document_save(request, _document_or_404(request, pk))


def _document_step(call: Callable[..., Document], done: Any) -> Callable[..., HttpResponseBase]:
    @require_POST
    @staff_page(works=False)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if not policies.may_manage_documents(request.user):
            return forbidden(request)
        item = _document_or_404(request, pk)
        try:
            call(actor=request.user, document=item)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
        return redirect("knowledge:document", pk=item.pk)

    return view


document_archive = _document_step(
    services.document_archive, _("The document was archived; it is no longer listed.")
)
document_restore = _document_step(
    services.document_restore, _("The document is back in the library.")
)


# --- canned responses --------------------------------------------------------------------------


def _filter_agencies(request: HttpRequest) -> Any:
    """The agencies a reader may filter the canned responses by."""
    if policies.reads_all_templates(request.user):
        return active_agencies()
    return Agency.objects.filter(policies.template_keeper_agencies(request.user)).order_by("path")


@require_safe
@staff_page(works=False)
def templates(request: HttpRequest) -> HttpResponse:
    """The canned responses the user may read, A to Z, with what each may do."""
    if not policies.may_read_templates(request.user):
        return forbidden(request)
    filters = TemplateFilterForm(request.GET, agencies=_filter_agencies(request))
    data = filters.cleaned_data if filters.is_valid() else {}
    scope = data.get("scope") or ""
    category = data.get("category")
    queryset = selectors.template_list(
        request.user,
        query=data.get("q", ""),
        category_id=category.pk if category is not None else None,
        shared_only=scope == "shared",
        agency_id=int(scope) if scope.isdigit() else None,
        archived=bool(data.get("archived")),
    )
    try:
        page = page_of(request, queryset, ORDERING)
    except InvalidInput as error:
        return bad_cursor(request, error, CURRENT)
    uses = selectors.template_use_counts(request.user, page)
    rows = [
        (t, policies.may_keep_templates_of(request.user, t.agency), uses.get(t.pk, 0)) for t in page
    ]
    context = {
        "page": page,
        "rows": rows,
        **page_links(request, page),
        "filters": filters,
        "may_create": policies.may_keep_any_templates(request.user),
        "placeholders": placeholders.PLACEHOLDERS,
    }
    return _render(request, "templates.html", context)


def _template_form(
    request: HttpRequest, data: Any = None, *, item: ResponseTemplate | None = None, **kw: Any
) -> ResponseTemplateForm:
    agencies = Agency.objects.filter(policies.template_keeper_agencies(request.user))
    if item is None:
        agencies = agencies.filter(is_active=True)
    else:
        # The agency it is kept by stays a choice even if that agency was deactivated.
        agencies = agencies.filter(is_active=True) | agencies.filter(pk=item.agency_id or 0)
    return ResponseTemplateForm(
        data,
        agencies=agencies,
        shared=policies.may_keep_shared_templates(request.user),
        current=item,
        **kw,
    )


def _template_form_page(
    request: HttpRequest,
    form: ResponseTemplateForm,
    item: ResponseTemplate | None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "template": item, "placeholders": placeholders.PLACEHOLDERS}
    return _render(request, "template_form.html", context, status)


def _template_or_404(request: HttpRequest, pk: int) -> ResponseTemplate:
    try:
        return selectors.template_get(request.user, pk)
    except PermissionDenied:
        raise Http404 from None


def _template_save(request: HttpRequest, item: ResponseTemplate | None) -> HttpResponse:
    if request.method != "POST":
        initial = {}
        if item is not None:
            initial = {
                "title": item.title,
                "body": item.body,
                "category": item.category_id,
                "agency": item.agency_id,
            }
        return _template_form_page(
            request, _template_form(request, item=item, initial=initial), item
        )
    form = _template_form(request, request.POST, item=item)
    if not form.is_valid():
        return _template_form_page(request, form, item, status=400)
    data = form.cleaned_data
    agency = data.get("agency")
    try:
        if item is None:
            with applied_once(form) as first:
                if first:
                    services.response_template_create(
                        actor=request.user,
                        title=data["title"],
                        body=data["body"],
                        category=data["category"],
                        agency=agency,
                    )
            messages.success(request, _("The canned response was added."))
        else:
            services.response_template_update(
                actor=request.user,
                template=item,
                title=data["title"],
                body=data["body"],
                category=data["category"],
                agency=agency,
            )
            messages.success(request, _("The canned response was saved."))
    except DomainError as error:
        add_form_error(form, error)
        return _template_form_page(request, form, item, status=http_status_for(error))
    return redirect("knowledge:templates")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_page(works=False)
def template_create(request: HttpRequest) -> HttpResponse:
    if not policies.may_keep_any_templates(request.user):
        return forbidden(request)
    return _template_save(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_page(works=False)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _template_or_404(request, pk)
    if not policies.may_keep_templates_of(request.user, item.agency):
        return forbidden(request)
    return _template_save(request, item)


def _template_step(
    call: Callable[..., ResponseTemplate], done: Any
) -> Callable[..., HttpResponseBase]:
    @require_POST
    @staff_page(works=False)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        item = _template_or_404(request, pk)
        try:
            call(actor=request.user, template=item)
        except PermissionDenied:
            return forbidden(request)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done % {"title": item.title})
        return redirect("knowledge:templates")

    return view


template_archive = _template_step(
    services.response_template_archive,
    _("“%(title)s” was archived; it is no longer offered on follow-ups."),
)
template_restore = _template_step(
    services.response_template_restore,
    _("“%(title)s” is offered on follow-ups again."),
)
