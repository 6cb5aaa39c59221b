"""Sign in with a username, an e-mail address or a phone number."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from aduan.accounts.models import User


def find_accounts(identifier: str) -> list[User]:
    """Up to two accounts whose username, e-mail (any case) or phone (normalised) is
    ``identifier``; more than one means the identifier is ambiguous."""
    from aduan.complaints.services import normalize_phone
    from aduan.core.errors import InvalidInput

    identifier = (identifier or "").strip()
    if not identifier:
        return []
    condition = Q(username=identifier) | Q(email__iexact=identifier)
    with suppress(InvalidInput):  # not a phone number: only username and e-mail apply
        condition |= Q(phone=normalize_phone(identifier))
    return list(User.objects.filter(condition)[:2])


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """The name django-axes counts failures under (``AXES_USERNAME_CALLABLE``).

    One account can be named by its username, its e-mail in any letter case or its phone in
    any notation; all of them count against the same account, so switching notation does not
    buy five more guesses. An identifier that names no account is counted as typed (lower case).
    """
    identifier = ""
    if credentials:
        identifier = str(credentials.get("username") or "")
    elif request is not None:
        identifier = str(getattr(request, "POST", {}).get("username", ""))
    matches = find_accounts(identifier)
    if len(matches) == 1:
        return f"account:{matches[0].pk}"
    return identifier.strip().lower()


class UsernameEmailOrPhoneBackend(ModelBackend):
    """Finds the account by username, e-mail (case-insensitive) or phone (normalised)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        matches = find_accounts(username)
        if len(matches) != 1:
            # Run the hasher anyway so timing does not tell whether the account exists.
            User().set_password(password)
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
