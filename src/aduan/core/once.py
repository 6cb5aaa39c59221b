"""Forms that add something are applied once, however often they are sent.

A form that adds a row each time it is sent (an internal note, a follow-up draft, an attachment,
an instruction, a reporter's message, evidence, a canned response) carries a one-time token in a
hidden field (:class:`Once`, a new one each time the empty form is shown). The view applies the
form inside :func:`applied_once`, whose transaction inserts the token's row first: a second
request with the same token waits on the unique index and then finds it taken; an error rolls
the row back with the work, so the corrected form can be sent again with the same token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django import forms
from django.db import IntegrityError, transaction

from aduan.core import clock
from aduan.core.models import FormSubmission

# How long a sent token is remembered (a retry comes within seconds or minutes).
KEEP = timedelta(days=1)


def new_token() -> str:
    return secrets.token_hex(16)


class Once(forms.Form):
    """A form applied once: mix in, and apply the valid form inside :func:`applied_once`."""

    # Not required: a client that does not send it (a script, an old page) is served as before,
    # without the guard.
    once = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, initial=new_token, required=False
    )


@contextmanager
def applied_once(form: forms.Form) -> Iterator[bool]:
    """A transaction to apply the valid ``form`` in; says whether to (False: it was sent before
    with its token, and applied then). An error raised inside rolls the token back too."""
    with transaction.atomic():
        token = form.cleaned_data.get("once")
        yield not token or first_submission(token)


def first_submission(token: str) -> bool:
    """Whether ``token`` is sent for the first time (and take it). Call inside the
    transaction that applies the form."""
    now = clock.now()
    FormSubmission.objects.filter(created_at__lt=now - KEEP).delete()
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, created_at=now)
    except IntegrityError:
        return False
    return True
