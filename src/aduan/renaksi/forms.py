"""Forms of the action-plan pages. They parse input only; the services check and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency
from aduan.core.once import Once
from aduan.renaksi.models import (
    FIRST_YEAR,
    LAST_YEAR,
    SCORE_MAX,
    SCORE_MIN,
    Activity,
    ActivityStatus,
    Aspect,
    AssessmentIndicator,
    PlanYear,
    Program,
    ProgramGroup,
)
from aduan.renaksi.services import PartyInput, PriorityInput, ScoreInput


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}".strip()


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.title}"


def parse_parties(text: str) -> list[PartyInput]:
    """One party per line; a line naming one of our agencies (its code, short name or name, in
    any letter case) is linked to it."""
    names = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not names:
        return []
    folded = {name.casefold() for name in names}
    agencies: dict[str, Agency] = {}
    candidates = Agency.objects.filter(
        Q(code__in=names) | Q(short_name__in=names) | Q(name__in=names)
    )
    for agency in candidates:
        for key in (agency.code, agency.short_name, agency.name):
            if key and key.casefold() in folded:
                agencies.setdefault(key.casefold(), agency)
    return [PartyInput(name, agencies.get(name.casefold())) for name in names]


def year_choices(years: list[int]) -> list[tuple[int, str]]:
    return [(year, str(year)) for year in years]


class ActivityForm(forms.Form):
    """Add or change an activity."""

    program = ProgramChoiceField(
        label=_("Program"), queryset=Program.objects.select_related("group").order_by("code")
    )
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("For example II.1.3 (group.program.activity).")
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    parties = forms.CharField(
        label=_("Involved parties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. A line with the name or code of an agency is linked to it."),
    )
    years = forms.TypedMultipleChoiceField(
        label=_("Planned in"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, plan_years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["years"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = year_choices(plan_years)

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        return {
            "program": activity.program_id,
            "code": activity.code,
            "title": activity.title,
            "description": activity.description,
            "parties": "\n".join(party.name for party in activity.parties.all()),
            "years": [row.year for row in activity.years.all()],
        }

    def party_inputs(self) -> list[PartyInput]:
        return parse_parties(self.cleaned_data.get("parties", ""))


class ProgramForm(forms.Form):
    """Add or change a program."""

    group = GroupChoiceField(
        label=_("Program group"), queryset=ProgramGroup.objects.select_related("aspect")
    )
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("For example II.3."))
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IndicatorForm(forms.Form):
    """Add or change an indicator of the self-assessment matrix."""

    aspect = forms.ModelChoiceField(label=_("Aspect"), queryset=Aspect.objects.all())
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("For example 2.2."))
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(
        label=_("Active (asked in new assessments)"), required=False, initial=True
    )


class YearStatusForm(forms.Form):
    """An activity's status in one year, and the internal note."""

    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen in the back office only, never on the public page."),
    )


class EvidenceForm(Once):
    """A file or a link that shows an activity was carried out."""

    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(
        label=_("File"), required=False, help_text=_("A photo (JPEG, PNG, GIF, WebP) or a PDF.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_error("url") or self.has_error("file"):
            return data  # the field's own error says what is wrong
        if bool(data.get("url")) == bool(data.get("file")):
            raise forms.ValidationError(_("Give either a file or a link."))
        return data


class PlanYearForm(forms.Form):
    """Add a year to the plan and choose the activities planned in it."""

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities planned in that year"),
        queryset=Activity.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AssessmentYearForm(forms.Form):
    """Which year's self-assessment to enter (``?tahun=``)."""

    tahun = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def clean_tahun(self) -> int:
        year: int = self.cleaned_data["tahun"]
        if not PlanYear.objects.filter(year=year).exists():
            raise forms.ValidationError(
                _("%(year)s is not a year of the action plan.") % {"year": year}
            )
        return year


class AssessmentForm(forms.Form):
    """A year's self-assessment: a score and note per indicator, a priority and reason per
    aspect. The fields are made per indicator (``score_<id>``, ``note_<id>``) and per aspect
    (``rank_<id>``, ``reason_<id>``)."""

    def __init__(
        self,
        *args: Any,
        indicators: list[AssessmentIndicator],
        aspects: list[Aspect],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.aspects = aspects
        for indicator in indicators:
            self.fields[f"score_{indicator.pk}"] = forms.DecimalField(
                label=_("Score"),
                required=False,
                min_value=Decimal(SCORE_MIN),
                max_value=Decimal(SCORE_MAX),
                max_digits=4,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01"}),
            )
            self.fields[f"note_{indicator.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=5000
            )
        ranks = [("", "—")] + [(str(n), str(n)) for n in range(1, len(aspects) + 1)]
        for aspect in aspects:
            self.fields[f"rank_{aspect.pk}"] = forms.TypedChoiceField(
                label=_("Priority"), choices=ranks, coerce=int, required=False, empty_value=None
            )
            self.fields[f"reason_{aspect.pk}"] = forms.CharField(
                label=_("Reason"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def indicator_rows(self) -> list[tuple[AssessmentIndicator, Any, Any]]:
        return [
            (indicator, self[f"score_{indicator.pk}"], self[f"note_{indicator.pk}"])
            for indicator in self.indicators
        ]

    def aspect_rows(self) -> list[tuple[Aspect, Any, Any]]:
        return [
            (aspect, self[f"rank_{aspect.pk}"], self[f"reason_{aspect.pk}"])
            for aspect in self.aspects
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ranks: dict[int, str] = {}
        for aspect in self.aspects:
            rank = data.get(f"rank_{aspect.pk}")
            if rank is None:
                continue
            if rank in ranks:
                self.add_error(
                    f"rank_{aspect.pk}",
                    _("Two aspects cannot share priority %(rank)s.") % {"rank": rank},
                )
            ranks[rank] = aspect.name
        return data

    def score_inputs(self) -> dict[AssessmentIndicator, ScoreInput]:
        data = self.cleaned_data
        return {
            indicator: ScoreInput(
                data.get(f"score_{indicator.pk}"), data.get(f"note_{indicator.pk}", "")
            )
            for indicator in self.indicators
        }

    def priority_inputs(self) -> dict[Aspect, PriorityInput]:
        data = self.cleaned_data
        return {
            aspect: PriorityInput(
                data.get(f"rank_{aspect.pk}"), data.get(f"reason_{aspect.pk}", "")
            )
            for aspect in self.aspects
        }
