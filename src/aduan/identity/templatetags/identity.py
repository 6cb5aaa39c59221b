"""``{% reporter_nik complaint identity %}``: the reporter's NIK and whether Dukcapil verified
it, on the back office's complaint page, for coordinators only (``selectors.reporter_nik``)."""

from __future__ import annotations

from typing import Any

from django import template

from aduan.identity.selectors import reporter_nik as select_reporter_nik

register = template.Library()


@register.inclusion_tag("identity/_reporter_nik.html", takes_context=True)
def reporter_nik(context: template.Context, complaint: Any, identity: Any) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    found = select_reporter_nik(viewer, complaint, identity_shown=bool(identity))
    return {"reporter_nik": found}
