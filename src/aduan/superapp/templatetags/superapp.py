"""``{% superapp_sign_in next %}``: the "Sign in with Sumbar Madani" button, and
``{% superapp_profile account %}``: the profile page's section to connect or disconnect the
account; both only when the Super-App's provider is configured."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from aduan.accounts.models import User
from aduan.superapp.config import get_config
from aduan.superapp.models import SuperAppIdentity
from aduan.superapp.services import NO_OTHER_WAY_IN, has_other_way_in, is_or_was_staff

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


@register.inclusion_tag("superapp/_profile_section.html")
def superapp_profile(account: User) -> dict[str, Any]:
    """Nothing for staff accounts (they never use the Super-App) or while it is off."""
    config = get_config()
    if config is None or is_or_was_staff(account):
        return {"enabled": False}
    identity = SuperAppIdentity.objects.filter(user=account).order_by("created_at").first()
    # Why disconnecting would be refused, said before the person tries.
    kept = ""
    if identity is not None and not has_other_way_in(account):
        kept = str(NO_OTHER_WAY_IN) % {"service": config.display_name}
    return {
        "enabled": True,
        "service": config.display_name,
        "identity": identity,
        "kept_because": kept,
    }
