"""Forms of the routing screens. They parse and explain; the services decide and re-check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aduan.routing.models import RoutingSettings


class SettingsForm(forms.Form):
    """Target precision, threshold, the two switches and the retraining schedule."""

    target_precision = forms.DecimalField(
        label=_("Target precision"),
        min_value=Decimal("0.5"),
        max_value=Decimal("1"),
        max_digits=4,
        decimal_places=3,
        help_text=_(
            "Between 0.5 and 1, e.g. 0.95: 95 of 100 suggestions above the threshold are right."
        ),
    )
    threshold_override = forms.FloatField(
        label=_("Threshold set by hand"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=_("Optional, between 0 and 1. Empty: the threshold chosen on held-out data."),
    )
    prefill_enabled = forms.BooleanField(
        label=_(
            "Coordinators may pre-fill the dispatch form from a suggestion above the threshold"
        ),
        required=False,
    )
    auto_dispatch_enabled = forms.BooleanField(
        label=_("Dispatch automatically when the suggestion is above the threshold"),
        required=False,
    )
    confirm_auto_dispatch = forms.BooleanField(
        label=_(
            "I understand that complaints will be verified and dispatched without a coordinator"
        ),
        required=False,
    )
    retrain_every_days = forms.IntegerField(
        label=_("Retrain every (days)"),
        min_value=0,
        max_value=365,
        help_text=_("0: only when you press “Retrain now”."),
    )

    def __init__(self, *args: Any, current: RoutingSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "target_precision": current.target_precision,
                "threshold_override": current.threshold_override,
                "prefill_enabled": current.prefill_enabled,
                "auto_dispatch_enabled": current.auto_dispatch_enabled,
                "retrain_every_days": current.retrain_every_days,
            },
        )
        super().__init__(*args, **kwargs)
        self.current = current

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        turning_on = data.get("auto_dispatch_enabled") and not self.current.auto_dispatch_enabled
        if turning_on and not data.get("confirm_auto_dispatch"):
            self.add_error(
                "confirm_auto_dispatch",
                _("Confirm that you want complaints dispatched without a coordinator."),
            )
        return data


class UploadForm(forms.Form):
    """A model file written by ``aduan routing train --csv … --model …``."""

    model_file = forms.FileField(
        label=_("Model file"),
        help_text=_(
            "A file written by “aduan routing train”. Only upload files you made yourself: a "
            "model file can run code."
        ),
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
