"""Forms of the knowledge pages. They parse and explain; the services decide (and re-check)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency, Category
from aduan.backoffice.forms import AgencyChoiceField, AgencyMultipleChoiceField, active_agencies
from aduan.complaints.services import MAX_TEXT
from aduan.core.errors import InvalidInput
from aduan.core.once import Once
from aduan.knowledge import placeholders, services
from aduan.knowledge.models import Document, DocumentKind

SEARCH_MAX = 100


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *DocumentKind.choices]
    )

    def __init__(self, *args: Any, keeper: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if keeper:
            self.fields["archived"] = forms.BooleanField(label=_("Archived only"), required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=services.MAX_DOCUMENT_TITLE,
        help_text=_("As cited, e.g. Peraturan Presiden Nomor 76 Tahun 2013 tentang …"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    number = forms.CharField(label=_("Number"), required=False, max_length=services.MAX_NUMBER)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=services.MIN_YEAR, max_value=services.MAX_YEAR
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=services.MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, PNG or JPEG."),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=services.MAX_URL,
        assume_scheme="https",
        help_text=_("Where the document is published, e.g. in a JDIH."),
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agencies = AgencyMultipleChoiceField(
        label=_("Only for these agencies"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("Leave empty for a document every agency works by."),
    )
    replaced_by = forms.ModelChoiceField(
        label=_("Replaced by"),
        queryset=Document.objects.none(),
        required=False,
        help_text=_("For a regulation no longer in force: the one that replaced it."),
    )

    def __init__(self, *args: Any, document: Document | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies: Any = self.fields["agencies"]
        agencies.queryset = active_agencies()
        replaced_by: Any = self.fields["replaced_by"]
        others: QuerySet[Document] = Document.objects.filter(archived_at__isnull=True)
        if document is not None:
            others = others.exclude(pk=document.pk)
        replaced_by.queryset = others.order_by("title", "id")
        if document is None or not document.file:
            del self.fields["remove_file"]

    @staticmethod
    def initial_for(document: Document) -> dict[str, Any]:
        return {
            "title": document.title,
            "kind": document.kind,
            "number": document.number,
            "year": document.year,
            "summary": document.summary,
            "url": document.url,
            "effective_date": document.effective_date,
            "agencies": list(document.agencies.all()),
            "replaced_by": document.replaced_by_id,
        }


class TemplateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
    )
    scope = forms.ChoiceField(label=_("Kept by"), required=False)
    archived = forms.BooleanField(label=_("Archived only"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.queryset = Category.objects.filter(is_active=True).order_by("name")
        scope: Any = self.fields["scope"]
        scope.choices = [
            ("", _("Everyone")),
            ("shared", _("Shared by the instansi")),
            *[(str(agency.pk), str(agency)) for agency in agencies],
        ]


class ResponseTemplateForm(Once):
    title = forms.CharField(label=_("Title"), max_length=services.MAX_TEMPLATE_TITLE)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Any category"),
    )
    agency = AgencyChoiceField(label=_("Kept by"), queryset=Agency.objects.none(), required=False)
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    def __init__(
        self,
        *args: Any,
        agencies: QuerySet[Agency],
        shared: bool,
        current: Any = None,
        **kwargs: Any,
    ) -> None:
        """``agencies``: those whose canned responses the user keeps; ``shared``: whether the
        user keeps the shared ones (then "shared" is the empty choice)."""
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _(
            "Placeholders in braces are filled in from the complaint: %(known)s."
        ) % {"known": placeholders.known_list()}
        category: Any = self.fields["category"]
        categories = Category.objects.filter(is_active=True)
        if current is not None and current.category_id:
            categories = Category.objects.filter(is_active=True) | Category.objects.filter(
                pk=current.category_id
            )
        category.queryset = categories.order_by("name")
        agency: Any = self.fields["agency"]
        agency.queryset = agencies.order_by("path")
        if shared:
            agency.empty_label = _("Shared by every agency")
        else:
            agency.required = True
            agency.empty_label = None
        self.only_shared = shared and not agencies.exists()
        if self.only_shared:
            del self.fields["agency"]

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        try:
            placeholders.check(body)
        except InvalidInput as error:
            raise forms.ValidationError(str(error)) from None
        return body
