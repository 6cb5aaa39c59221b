"""Citizen portal forms: they parse and explain; the services decide (and re-check) everything."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency, Category, Region
from aduan.complaints.models import PUBLIC_STATUSES, Kind
from aduan.complaints.services import MAX_DESCRIPTION, MAX_TEXT, MAX_TITLE, MIN_DESCRIPTION
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.once import Once
from aduan.core.widgets import PlainSelect

MAX_FILES = 10
# Region levels (Kemendagri): 1 province, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan/nagari.
LEVEL_REGENCY, LEVEL_DISTRICT, LEVEL_VILLAGE = 2, 3, 4


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the list may be empty when the field is optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > MAX_FILES:
            raise forms.ValidationError(
                _("You can attach at most %(max)d files."), params={"max": MAX_FILES}
            )
        if not items and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def attachment_widget_attrs() -> dict[str, str]:
    """What the browser needs to hint at the limits (the server check is the one that counts)."""
    return {
        "accept": ",".join(sorted(settings.ADUAN_ALLOWED_ATTACHMENT_TYPES)),
        "data-max-bytes": str(settings.ADUAN_MAX_ATTACHMENT_BYTES),
        "data-attachment-preview": "",
    }


def attachment_help() -> str:
    limit = settings.ADUAN_MAX_ATTACHMENT_BYTES / 1024 / 1024
    return str(
        _("Photos (JPEG, PNG, GIF, WebP) or PDF, at most %(limit)s MB each, up to %(max)d files.")
        % {"limit": f"{limit:.1f}".removesuffix(".0"), "max": MAX_FILES}
    )


def category_choices(categories: Iterable[Category], *, blank: str) -> list[Any]:
    """Active categories grouped by their parent: a top-level category with sub-categories
    becomes a group whose first choice is the parent itself."""
    rows = list(categories)
    children: dict[int, list[Category]] = {}
    for category in rows:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    known = {category.pk for category in rows}
    choices: list[Any] = [("", blank)]
    for category in rows:
        if category.parent_id is not None and category.parent_id in known:
            continue
        kids = children.get(category.pk, [])
        if not kids:
            choices.append((str(category.pk), category.name))
            continue
        group = [(str(category.pk), _("%(name)s (general)") % {"name": category.name})]
        group += [(str(kid.pk), kid.name) for kid in kids]
        choices.append((category.name, group))
    return choices


def active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("name"))


def province_regencies() -> list[Region]:
    """The province's kabupaten and kota."""
    return list(
        Region.objects.filter(parent_id=settings.ADUAN_PROVINCE_CODE, level=LEVEL_REGENCY).order_by(
            "name"
        )
    )


def region_options(parent_code: str) -> list[Region]:
    """The regions directly under ``parent_code`` inside the province (empty for anything else)."""
    province = settings.ADUAN_PROVINCE_CODE
    if not parent_code or not (parent_code == province or parent_code.startswith(f"{province}.")):
        return []
    return list(Region.objects.filter(parent_id=parent_code).order_by("name"))


class _RegionField(forms.ChoiceField):
    """A region code of one level inside the province; cleans to the Region (or None)."""

    def __init__(self, level: int, *args: Any, **kwargs: Any) -> None:
        self.level = level
        super().__init__(*args, required=False, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True  # the choices may be loaded by the browser; checked in clean()

    def clean(self, value: Any) -> Region | None:
        code = super().clean(value)
        if not code:
            return None
        province = settings.ADUAN_PROVINCE_CODE
        region = Region.objects.filter(code=code, level=self.level).first()
        if region is None or not region.code.startswith(f"{province}."):
            raise forms.ValidationError(_("Choose a place from the list."), code="invalid_choice")
        return region


class SubmitForm(forms.Form):
    """A new report. Guests give a name and a way to reach them; accounts use their profile."""

    required_css_class = "required"

    kind = forms.ChoiceField(
        label=_("What do you want to send?"),
        choices=Kind.choices,
        initial=Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=MAX_TITLE,
        help_text=_("One short line, e.g. “Deep pothole on Jalan Sudirman near the market”."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        min_length=MIN_DESCRIPTION,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What, where and since when. Do not write other people's personal data."),
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("If you are not sure, leave it empty: the coordinator will choose."),
    )
    kabupaten_kota = _RegionField(LEVEL_REGENCY, label=_("Regency or city (kabupaten/kota)"))
    kecamatan = _RegionField(LEVEL_DISTRICT, label=_("District (kecamatan)"))
    desa = _RegionField(LEVEL_VILLAGE, label=_("Village (desa, kelurahan or nagari)"))
    address_text = forms.CharField(
        label=_("Address or landmark"),
        max_length=300,
        required=False,
        help_text=_("Where exactly, e.g. a street and a landmark nearby."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        decimal_places=6,
        max_digits=9,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        decimal_places=6,
        max_digits=9,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    event_date = forms.DateField(
        label=_("Date of the event"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    attachments = MultipleFileField(label=_("Photos or documents"), required=False)
    # The two protections, each in one plain sentence that says exactly what policies.py does.
    is_anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_(
            "Your name and contact details are hidden from the agency that handles the report "
            "and from the public; only the coordinator can see them."
        ),
    )
    is_confidential = forms.BooleanField(
        label=_("Keep the report confidential"),
        required=False,
        help_text=_(
            "The report is not shown on the public pages, and your identity is hidden from "
            "everyone who handles it; a coordinator can reveal it only by giving a reason, which "
            "is recorded."
        ),
    )
    reporter_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    reporter_phone = forms.CharField(
        label=_("Phone or WhatsApp number"),
        max_length=20,
        required=False,
        help_text=_("Used only to tell you about your report."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Give a phone number, an e-mail address or both."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    GUEST_FIELDS = ("reporter_name", "reporter_phone", "reporter_email")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_guest = not getattr(user, "is_authenticated", False)
        if not self.is_guest:
            for name in self.GUEST_FIELDS:
                del self.fields[name]
        else:
            name_field = self.fields["reporter_name"]
            name_field.required = True
            name_field.error_messages["required"] = _("Please give your name.")
            name_field.widget.attrs["autocomplete"] = "name"
        # The htmx region picker: a new kabupaten/kota reloads the kecamatan list.
        self.fields["kabupaten_kota"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("portal:regions"),
                "hx-target": "#id_kecamatan",
                "hx-trigger": "change",
                "data-resets": "id_desa",
            }
        )
        self.categories = active_categories()
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.TypedChoiceField)
        category_field.choices = category_choices(
            self.categories, blank=str(_("Not sure / let the coordinator choose"))
        )
        self.regencies = province_regencies()
        regency_field = self.fields["kabupaten_kota"]
        assert isinstance(regency_field, forms.ChoiceField)
        regency_field.choices = [("", _("Choose…"))] + [
            (region.code, region.name) for region in self.regencies
        ]
        self.fields["event_date"].widget.attrs["max"] = local_date(clock.now()).isoformat()
        self.fields["attachments"].widget.attrs.update(attachment_widget_attrs())
        self.fields["attachments"].help_text = attachment_help()
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean_category(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        if pk is None:
            return None
        for category in self.categories:
            if category.pk == pk:
                return category
        raise forms.ValidationError(_("Choose a category from the list."))

    def clean_event_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("event_date")
        # The same rule as the service, shown next to the field.
        if value is not None and value > local_date(clock.now()):
            raise forms.ValidationError(_("The date of the event cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                _("Give both latitude and longitude, or neither."),
            )
        if self.is_guest and (
            not (data.get("reporter_phone") or "").strip()
            and not data.get("reporter_email")
            and not self.has_error("reporter_email")
        ):
            message = _("Please give a phone number or an e-mail address so we can reach you.")
            self.add_error("reporter_phone", message)
        self._check_places(data)
        return data

    def _check_places(self, data: dict[str, Any]) -> None:
        """Levels that contradict each other (a district of another regency, a village of
        another district) are asked again rather than guessed."""
        regency, district, village = (
            data.get("kabupaten_kota"),
            data.get("kecamatan"),
            data.get("desa"),
        )
        if regency and district and district.parent_id != regency.code:
            self.add_error("kecamatan", _("This district is not in the chosen regency or city."))
        if village and (
            (district and village.parent_id != district.code)
            or (regency and not village.code.startswith(f"{regency.code}."))
        ):
            self.add_error("desa", _("This village is not in the chosen district."))

    @property
    def region(self) -> Region | None:
        """The deepest level chosen wins (without JavaScript only two levels are offered)."""
        data = self.cleaned_data
        result: Region | None = (
            data.get("desa") or data.get("kecamatan") or data.get("kabupaten_kota")
        )
        return result

    def district_groups(self) -> list[tuple[Region, list[Region]]]:
        """The kecamatan grouped by kabupaten/kota (the page without JavaScript): every one, or
        once a kabupaten/kota was chosen (the form is shown again), those of that one."""
        chosen = self.chosen("kabupaten_kota")
        regencies = [region for region in self.regencies if region.code == chosen]
        regencies = regencies or list(self.regencies)
        by_parent: dict[str, list[Region]] = {}
        codes = [region.code for region in regencies]
        for region in Region.objects.filter(parent_id__in=codes, level=LEVEL_DISTRICT).order_by(
            "name"
        ):
            by_parent.setdefault(region.parent_id or "", []).append(region)
        return [(regency, by_parent.get(regency.code, [])) for regency in regencies]

    def chosen(self, name: str) -> str:
        """The submitted (or initial) code of a region select, for re-rendering it."""
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        return str(value or "")


def _reply_body_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class TrackForm(forms.Form):
    """A guest's tracking ID and secret code."""

    tracking_id = forms.CharField(
        label=_("Tracking ID"),
        max_length=40,
        help_text=_("For example SB-7K3M-QX9A."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("Secret code"),
        max_length=40,
        help_text=_("The code shown when you sent the report."),
        widget=forms.PasswordInput(
            render_value=True,
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
        ),
    )


class _TextWithFilesForm(forms.Form):
    """A reporter's text with optional files; subclasses name the prefix and the labels."""

    prefix_name = ""
    field_order = ["body", "attachments"]
    attachments = MultipleFileField(label=_("Photos or documents"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.fields["attachments"].widget.attrs.update(attachment_widget_attrs())
        self.fields["attachments"].help_text = attachment_help()


class CompleteForm(_TextWithFilesForm):
    """The reporter completes a report the coordinator put on hold."""

    prefix_name = "complete"
    body = _reply_body_field(_("What you add to your report"))
    attachments = MultipleFileField(label=_("More photos or documents"), required=False)


class ReplyForm(Once, _TextWithFilesForm):
    """A message from the reporter to the officers."""

    prefix_name = "reply"
    body = _reply_body_field(_("Your message"))


class ReopenForm(forms.Form):
    """The reporter is not satisfied with the resolution."""

    reason = _reply_body_field(_("Why is the problem not solved?"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reopen")
        super().__init__(*args, **kwargs)


class RateForm(forms.Form):
    """The reporter's rating of the handling, 1 (very poor) to 5 (very good)."""

    SCORES = [
        (5, _("5 — very good")),
        (4, _("4 — good")),
        (3, _("3 — fair")),
        (2, _("2 — poor")),
        (1, _("1 — very poor")),
    ]
    score = forms.TypedChoiceField(
        label=_("How well was your report handled?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rate")
        super().__init__(*args, **kwargs)


SORTS = {
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
    "supported": ("-support_count", "-submitted_at", "-id"),
}


# The days the public list may be filtered by: any day a complaint can have been sent, with room
# to turn a day into its Jakarta midnight and the next (far dates would overflow).
FIRST_FILTER_DAY = date(2000, 1, 1)
LAST_FILTER_DAY = date(2100, 12, 31)


class PublicFilterForm(forms.Form):
    """Filters of the public list. Every field is optional; nothing here reveals a person."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("All agencies"),
        to_field_name="code",
        widget=PlainSelect,
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    region = forms.ModelChoiceField(
        label=_("Regency or city"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Everywhere"),
        widget=PlainSelect,
    )
    status = forms.ChoiceField(label=_("Status"), required=False, widget=PlainSelect)
    date_from = forms.DateField(
        label=_("Sent from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Sent until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        widget=PlainSelect,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("supported", _("Most supported")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        agency_field.queryset = Agency.objects.filter(is_active=True).order_by("name")
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = Region.objects.filter(
            parent_id=settings.ADUAN_PROVINCE_CODE, level=LEVEL_REGENCY
        ).order_by("name")
        self.categories = active_categories()
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.TypedChoiceField)
        category_field.choices = category_choices(self.categories, blank=str(_("All categories")))
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("Any status"))] + [
            (status.value, status.label) for status in PUBLIC_STATUSES
        ]

    def clean_category(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        if pk is None:
            return None
        for category in self.categories:
            if category.pk == pk:
                return category
        raise forms.ValidationError(_("Choose a category from the list."))

    def _clean_day(self, name: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not FIRST_FILTER_DAY <= value <= LAST_FILTER_DAY:
            raise forms.ValidationError(_("Choose a date between 2000 and 2100."))
        return value

    def clean_date_from(self) -> date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_day("date_to")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    @property
    def ordering(self) -> tuple[str, ...]:
        sort = (self.cleaned_data.get("sort") if self.is_valid() else "") or "newest"
        return SORTS[sort]
