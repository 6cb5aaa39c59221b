"""Sign in with a username, an e-mail address or a phone number."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from aduan.accounts.models import User


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
        from aduan.complaints.services import normalize_phone
        from aduan.core.errors import InvalidInput

        identifier = username.strip()
        condition = Q(username=identifier) | Q(email__iexact=identifier)
        with suppress(InvalidInput):  # not a phone number: only username and e-mail apply
            condition |= Q(phone=normalize_phone(identifier))
        matches = list(User.objects.filter(condition)[:2])
        if len(matches) != 1:
            # Run the hasher anyway so timing does not tell whether the account exists.
            User().set_password(password)
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
