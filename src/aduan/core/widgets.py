"""Form widgets that render long option lists without a template per option.

Django renders every ``<option>`` through its own template include; a filter form with a few
hundred options then costs tens of milliseconds per request. ``PlainSelect`` builds the same
markup (name, attributes, optgroups, selected state) in Python.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    """A ``<select>`` whose options are rendered in Python (option attributes are dropped)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (
                        "" if option["value"] is None else option["value"],
                        mark_safe(" selected") if option["selected"] else "",
                        option["label"],
                    )
                    for option in options
                ),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, html)
                if group_name
                else html
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", ((part,) for part in parts)),
        )
