"""``{% superapp_sign_in next %}``: the "Sign in with Sumbar Madani" button, only when the
Super-App's provider is configured."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from aduan.superapp.config import get_config

register = template.Library()


@register.inclusion_tag("superapp/_sign_in_button.html")
def superapp_sign_in(next_url: str = "") -> dict[str, Any]:
    config = get_config()
    if config is None:
        return {"enabled": False}
    url = reverse("superapp:sign_in")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"enabled": True, "url": url, "service": config.display_name}
