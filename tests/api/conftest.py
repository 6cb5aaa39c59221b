"""Fixtures of the REST API tests: a client key, user tokens, and a small HTTP helper."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.middleware import is_staff_account
from aduan.accounts.models import User
from aduan.api.auth import user_sign_in, usertoken_create
from aduan.api.keys import apikey_create
from aduan.api.models import ApiClient

API = "/api/v1"
PASSWORD = "rahasia-sekali-123"


@dataclass
class Api:
    """Calls /api/v1/ with a client key (and optionally a user token) like a real program."""

    key: str
    client: ApiClient
    django: Client = field(default_factory=Client)
    token: str | None = None
    language: str | None = None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"X-API-Key": self.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def as_user(self, token: str | None) -> Api:
        return Api(self.key, self.client, self.django, token, self.language)

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.django.get(f"{API}{path}", params, headers=self.headers(headers))

    def post(
        self,
        path: str,
        data: Any = None,
        *,
        headers: dict[str, str] | None = None,
        multipart: bool = False,
    ) -> Any:
        if multipart:
            return self.django.post(f"{API}{path}", data or {}, headers=self.headers(headers))
        return self.django.post(
            f"{API}{path}",
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self.headers(headers),
        )

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.django.delete(f"{API}{path}", headers=self.headers(headers))


@pytest.fixture
def api(db: Any) -> Api:
    client, key = apikey_create(name="superapp")
    return Api(key, client)


@pytest.fixture
def other_api(db: Any) -> Api:
    client, key = apikey_create(name="other-app")
    return Api(key, client)


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def give_password(user: User) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])


def token_for(api: Api, user: User) -> str:
    """A user token issued through ``api``'s client (staff get a TOTP device)."""
    give_password(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="api-test", defaults={"confirmed": True}
    )
    # A TOTP code is accepted once per time step; several tokens in one test need a fresh one.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    signed_in = user_sign_in(
        request=RequestFactory().post(f"{API}/auth/token/"),
        identifier=user.username,
        password=PASSWORD,
        otp_code=totp_code(device),
    )
    _token, raw = usertoken_create(
        user=signed_in, client=api.client, verified_with_otp=is_staff_account(signed_in)
    )
    return raw


@pytest.fixture
def as_user(api: Api) -> Callable[[User], Api]:
    """``as_user(world.coordinator)``: the same client, acting as that person."""
    return lambda user: api.as_user(token_for(api, user))


@pytest.fixture
def keep_db_connection() -> Iterator[None]:
    """Requests made straight through the WSGI handler (schemathesis) end with Django closing
    "old" connections, which would close the test's open transaction on PostgreSQL; Django's own
    test client disconnects that handler in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
