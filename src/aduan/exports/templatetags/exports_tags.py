"""``{% export_urls list_name as urls %}``: where a list page's export buttons post to."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from aduan.exports import lists
from aduan.exports.models import ExportFormat

register = template.Library()


@register.simple_tag(takes_context=True)
def export_urls(context: Any, list_name: str) -> dict[str, str]:
    """{format: URL} exporting ``list_name`` with the page's filters (the page cursor left out:
    an export holds the whole filtered list). Empty for a list that cannot be exported."""
    if lists.get_list(list_name) is None:
        return {}
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    query = ""
    if params is not None:
        params.pop("cursor", None)
        query = params.urlencode()
    urls = {}
    for file_format in ExportFormat.values:
        url = reverse("exports:export", args=[list_name, file_format])
        urls[file_format] = f"{url}?{query}" if query else url
    return urls
