"""Dashboard filters (a GET form) and the action-plan target formset."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency
from aduan.monitoring.periods import FIRST_YEAR, YEAR_TOO_EARLY, YEAR_TOO_LATE, max_year
from aduan.monitoring.selectors import Period

QUARTERS = [
    (1, _("Q1 (January to March)")),
    (2, _("Q2 (April to June)")),
    (3, _("Q3 (July to September)")),
    (4, _("Q4 (October to December)")),
]


class DashboardFilterForm(forms.Form):
    """Year, then a quarter or a month of it, and (for those who may choose) an agency.

    Every field is optional: the defaults are the current year and the person's own scope (the
    province, or their agency).
    """

    year = forms.IntegerField(label=_("Year"), required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), required=False, coerce=int, empty_value=None
    )
    month = forms.TypedChoiceField(label=_("Month"), required=False, coerce=int, empty_value=None)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        data: Any,
        *,
        agencies: Sequence[Agency],
        province: bool,
        current_year: int,
    ) -> None:
        super().__init__(data)
        self.current_year = current_year
        year = self.fields["year"]
        last_year = max_year()
        year.validators = [
            MinValueValidator(FIRST_YEAR, message=YEAR_TOO_EARLY),
            MaxValueValidator(last_year, message=YEAR_TOO_LATE),
        ]
        year.widget.attrs.update(
            {"min": FIRST_YEAR, "max": last_year, "placeholder": str(current_year)}
        )
        self._set_choices("quarter", [(None, _("Whole year")), *QUARTERS])
        self._set_choices("month", [(None, _("Every month")), *MONTHS.items()])
        agency_choices: list[tuple[Any, Any]] = []
        if province:
            agency_choices.append((None, _("Whole province")))
        agency_choices += [(agency.pk, _indented(agency)) for agency in agencies]
        self._set_choices("agency", agency_choices)
        self.province = province

    def _set_choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("" if value is None else value, label) for value, label in choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("quarter") and data.get("month"):
            raise forms.ValidationError(
                _("Choose a quarter or a month, not both."), code="quarter_and_month"
            )
        return data

    def period(self) -> Period:
        """The chosen period (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Period(
            data.get("year") or self.current_year,
            quarter=data.get("quarter"),
            month=data.get("month"),
        )


def _indented(agency: Agency) -> str:
    """Sub-units indented under their parent in the select."""
    depth = max(0, agency.path.count("/") - 2)
    return "\u2003" * depth + str(agency)


class TargetForm(forms.Form):
    """One year's action-plan target: complaints received and % resolved."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=2100,
        error_messages={"min_value": YEAR_TOO_EARLY, "max_value": YEAR_TOO_LATE},
    )
    complaints = forms.IntegerField(
        label=_("Complaints received"),
        min_value=0,
        max_value=100_000_000,
        error_messages={"min_value": _("The number of complaints cannot be negative.")},
    )
    resolved_percent = forms.DecimalField(
        label=_("% resolved"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        localize=True,
        error_messages={
            "min_value": _("A percentage is between 0 and 100."),
            "max_value": _("A percentage is between 0 and 100."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("year"):
            # An existing year's row carries its year along (hidden), so the values posted are
            # saved for the year the person saw, even if the list changed in the meantime.
            self.fields["year"].widget = forms.HiddenInput()


class BaseTargetFormSet(forms.BaseFormSet[TargetForm]):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            year = form.cleaned_data.get("year")
            if year is None:
                continue
            if year in seen:
                raise forms.ValidationError(
                    _("There is already a target for %(year)s; change it in its own row."),
                    params={"year": year},
                    code="duplicate_year",
                )
            seen.add(year)


TargetFormSet = forms.formset_factory(TargetForm, formset=BaseTargetFormSet, extra=1)
