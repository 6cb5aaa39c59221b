"""The search box of the public and the staff search pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    """Only the words; ``aduan.search.text.parse_query`` judges them, for one set of messages."""

    q = forms.CharField(
        label=_("Search words"),
        required=False,
        strip=True,
        help_text=_(
            "All words must appear; informal spellings and word forms are found too. Put a "
            'phrase in "double quotes".'
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
