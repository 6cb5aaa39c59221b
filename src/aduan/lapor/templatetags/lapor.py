"""Include points of the connector in shared templates:

- ``{% national_link complaint %}`` in the facts of the back-office complaint page: its
  SP4N-LAPOR! tracking ID and the link's state (one query);
- ``{{ stored|problem_text }}``: a stored problem in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django import template

from aduan.complaints.models import Complaint
from aduan.complaints.policies import acts_as_coordinator
from aduan.core import problems
from aduan.lapor import selectors, services

register = template.Library()

register.filter("problem_text", problems.problem_text)


@register.inclusion_tag("lapor/_national_link.html", takes_context=True)
def national_link(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    """Nothing for a complaint without a national link. The page is shown only to staff who
    see the complaint; system administrators also get the way to the connector's page. What went
    wrong (a conflict, an error text that may quote national data) is for them and the
    coordinators, not for the agencies' officers."""
    user = getattr(context.get("request"), "user", None)
    administers = services.may_administer(user)
    return {
        "link": selectors.complaint_link(complaint),
        "administers": administers,
        "sees_problems": administers or acts_as_coordinator(user, complaint),
    }
