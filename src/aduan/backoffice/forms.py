"""Back-office forms: one per lifecycle action. They parse and explain; the services decide (and
re-check) everything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency, Category
from aduan.complaints.models import ArchiveReason, Complaint
from aduan.complaints.services import MAX_TEXT
from aduan.core.once import Once
from aduan.knowledge.selectors import PickerItem
from aduan.lapor.selectors import active_instansi_names

MAX_BULK = 100
TEXTAREA_ROWS = 4


def _text(
    label: Any, *, required: bool = True, help_text: Any = "", rows: int = TEXTAREA_ROWS
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AgencyChoiceField(forms.ModelChoiceField):
    """Agencies in tree order, sub-units indented."""

    def label_from_instance(self, obj: Any) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return f"{'— ' * depth}{obj}"


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return AgencyChoiceField.label_from_instance(self, obj)  # type: ignore[arg-type]


def active_agencies() -> Any:
    return Agency.objects.filter(is_active=True).order_by("path")


class _PrivacyFlags(forms.Form):
    """The three protection flags. A flag already set is shown checked and cannot be cleared
    (the service only ever raises them)."""

    is_anonymous = forms.BooleanField(
        label=_("Anonymous: hide the reporter's identity from the agencies"), required=False
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential: not public; identity hidden from the agencies"), required=False
    )
    is_supervisory = forms.BooleanField(
        label=_("About misconduct of officials: for the Inspectorate only"), required=False
    )
    FLAGS = ("is_anonymous", "is_confidential", "is_supervisory")

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.FLAGS:
            if getattr(complaint, name):
                field = self.fields[name]
                field.initial = True
                field.disabled = True
                field.help_text = _("Already set; a protection cannot be removed.")

    def flags(self) -> dict[str, bool | None]:
        """True for a flag to raise; None for "leave as it is"."""
        return {name: True if self.cleaned_data.get(name) else None for name in self.FLAGS}


class DispatchForm(_PrivacyFlags):
    lead_agency = AgencyChoiceField(
        label=_("Lead agency"), queryset=Agency.objects.none(), empty_label=_("Choose an agency")
    )
    supporting_agencies = AgencyMultipleChoiceField(
        label=_("Supporting agencies"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("Optional. Hold Ctrl (or Cmd) to choose several."),
    )
    category = forms.ModelChoiceField(
        label=_("Correct the category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Keep the current category"),
    )
    note = _text(_("Note to the agencies"), required=False)

    field_order = [
        "lead_agency",
        "supporting_agencies",
        "category",
        "is_anonymous",
        "is_confidential",
        "is_supervisory",
        "note",
    ]

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, complaint=complaint, **kwargs)
        lead: Any = self.fields["lead_agency"]
        support: Any = self.fields["supporting_agencies"]
        category: Any = self.fields["category"]
        lead.queryset = support.queryset = active_agencies()
        category.queryset = Category.objects.filter(is_active=True).order_by("name")


class HoldForm(forms.Form):
    reason = _text(
        _("What the reporter should add"),
        help_text=_("The reporter is told this; the deadline pauses until they answer."),
    )


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Choose a reason")), *ArchiveReason.choices]
    )
    note = _text(
        _("Explanation"), required=False, help_text=_("Required when the reason is “Other”.")
    )


class SuggestingInput(forms.TextInput):
    """A text input that suggests values as it is typed (an HTML datalist); any other value is
    accepted too."""

    template_name = "backoffice/widgets/suggesting_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.suggestions: list[str] = []

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.suggestions:
            widget = context["widget"]
            widget["list_id"] = f"{widget['attrs'].get('id') or name}-suggestions"
            widget["attrs"]["list"] = widget["list_id"]
            widget["suggestions"] = self.suggestions
        return context


class TransferForm(forms.Form):
    target = forms.CharField(
        label=_("Transfer to"),
        max_length=300,
        widget=SuggestingInput,
        help_text=_("The instansi that has authority, e.g. “Pemerintah Kota Padang”."),
    )
    note = _text(_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = active_instansi_names()
        if names:
            target = self.fields["target"]
            target.widget.suggestions = names
            target.help_text = _(
                "Choose an instansi of SP4N-LAPOR!'s directory as you type: the transfer then "
                "carries its national ID. Another name is sent as written."
            )


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge into (tracking ID)"),
        max_length=24,
        help_text=_("This report is archived as a duplicate; its reporter follows the other."),
    )
    note = _text(_("Note"), required=False)


class PrivacyForm(_PrivacyFlags):
    pass


class RevealForm(forms.Form):
    reason = _text(
        _("Reason for revealing the identity"),
        help_text=_("At least 10 characters. Recorded in the audit log."),
    )


class AcceptForm(forms.Form):
    """Accepting a dispatch needs no input."""


class DeclineForm(forms.Form):
    reason = _text(
        _("Why this is not your agency's authority"),
        help_text=_("A declined lead dispatch goes back to the coordinator."),
    )


class DraftFollowUpForm(Once):
    canned = forms.ChoiceField(label=_("Start from a canned response"), required=False)
    body = _text(_("Follow-up text"), rows=8)

    def __init__(self, *args: Any, canned: list[PickerItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["canned"]
        field.choices = [("", _("None")), *[(str(c.pk), c.title) for c in canned]]
        self.canned_responses = {str(c.pk): c for c in canned}
        if not canned:
            del self.fields["canned"]

    def chosen_canned(self) -> PickerItem | None:
        return self.canned_responses.get(str(self.data.get(self.add_prefix("canned"), "")))


class SubmitFollowUpForm(forms.Form):
    body = _text(_("Follow-up text"), rows=8)


class ReturnFollowUpForm(forms.Form):
    note = _text(_("What should be revised"))


class ApproveFollowUpForm(forms.Form):
    """Approving (publishing) a follow-up needs no input."""


class NoteForm(Once):
    body = _text(_("Internal note"), help_text=_("Only staff see notes, never the reporter."))


class AttachmentForm(Once):
    file = forms.FileField(label=_("File"))
    internal = forms.BooleanField(
        label=_("Internal: staff only, never shown to the reporter"),
        required=False,
        help_text=_(
            "A file not marked internal is shown to the reporter with the next published follow-up."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.ADUAN_MAX_ATTACHMENT_BYTES / 1024 / 1024
        self.fields["file"].help_text = _(
            "Photos (JPEG, PNG, GIF, WebP) or PDF, at most %(limit)s MB."
        ) % {"limit": f"{limit:.1f}".removesuffix(".0")}
        self.fields["file"].widget.attrs["accept"] = ",".join(
            sorted(settings.ADUAN_ALLOWED_ATTACHMENT_TYPES)
        )


class ResolveForm(forms.Form):
    note = _text(
        _("Closing note"),
        required=False,
        help_text=_("For staff only. Tell the reporter through a published follow-up."),
    )


class InstructForm(Once):
    body = _text(_("Instruction"), help_text=_("Sent to the coordinators and the lead agency."))


# --- bulk actions on the verification queue ------------------------------------------------


class BulkForm(forms.Form):
    """Dispatch several complaints to one lead agency, or archive them with one reason."""

    DISPATCH = "dispatch"
    ARCHIVE = "archive"

    complaints = forms.MultipleChoiceField(
        label=_("Selected complaints"),
        error_messages={"required": _("Select at least one complaint.")},
    )
    operation = forms.ChoiceField(
        choices=[(DISPATCH, _("Dispatch")), (ARCHIVE, _("Archive"))], widget=forms.HiddenInput
    )
    lead_agency = AgencyChoiceField(
        label=_("Lead agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("Choose an agency"),
    )
    archive_reason = forms.ChoiceField(
        label=_("Archive reason"),
        choices=[("", _("Choose a reason")), *ArchiveReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("Sent with each dispatch, or kept as the archive explanation."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead_agency"]
        lead.queryset = active_agencies()
        # Any tracking IDs may be posted; each is looked up (and checked) one by one.
        getlist = getattr(self.data, "getlist", None)
        selected: list[str] = list(getlist("complaints")) if getlist is not None else []
        complaints: Any = self.fields["complaints"]
        complaints.choices = [(value, value) for value in selected]

    def clean_complaints(self) -> list[str]:
        values = list(dict.fromkeys(v.strip() for v in self.cleaned_data["complaints"] if v))
        if len(values) > MAX_BULK:
            raise forms.ValidationError(
                _("Select at most %(max)d complaints at a time."), params={"max": MAX_BULK}
            )
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        operation = data.get("operation")
        if operation == self.DISPATCH and not data.get("lead_agency"):
            self.add_error("lead_agency", _("Choose the lead agency."))
        if operation == self.ARCHIVE and not data.get("archive_reason"):
            self.add_error("archive_reason", _("Choose a reason for archiving."))
        return data
