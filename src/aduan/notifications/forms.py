from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    """The channels a signed-in person wants to be told on."""

    in_app = forms.BooleanField(label=_("On this site"), required=False)
    email = forms.BooleanField(
        label=_("E-mail"),
        required=False,
        help_text=_("Sent to the e-mail address of your account."),
    )
    whatsapp = forms.BooleanField(
        label=_("WhatsApp"),
        required=False,
        help_text=_("Sent to the phone number of your account."),
    )
    sms = forms.BooleanField(
        label=_("SMS"), required=False, help_text=_("Sent to the phone number of your account.")
    )
