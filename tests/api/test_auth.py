"""Client keys and user tokens: who may call, and who is acting."""

from __future__ import annotations

import pytest
from django.test import Client

from aduan.api.keys import apikey_revoke
from aduan.api.models import UserToken
from tests.api.conftest import PASSWORD, Api, give_password, token_for, totp_code
from tests.world import World

pytestmark = pytest.mark.django_db


def test_every_request_needs_a_valid_client_key(api: Api) -> None:
    plain = Client()
    response = plain.get("/api/v1/categories/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Api-Key")
    assert plain.get("/api/v1/categories/", headers={"X-API-Key": "adn_x_y"}).status_code == 401
    assert api.get("/categories/").status_code == 200
    # The other accepted header form.
    ok = plain.get("/api/v1/categories/", headers={"Authorization": f"Api-Key {api.key}"})
    assert ok.status_code == 200
    apikey_revoke(name=api.client.name)
    assert api.get("/categories/").status_code == 401


def test_citizen_gets_a_token_by_username_email_or_phone(world: World, api: Api) -> None:
    give_password(world.reporter)
    world.reporter.phone = "+6281234567890"  # stored normalised, as the sign-up form does
    world.reporter.save(update_fields=["phone"])
    for identifier in ("warga", "warga@example.org", "0812-3456-7890"):
        response = api.post("/auth/token/", {"username": identifier, "password": PASSWORD})
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["token"].startswith("adt_") and body["username"] == "warga"
        assert body["is_staff"] is False
    # Only hashes are stored.
    assert all(body["token"].split("_", 2)[2] not in t.key_hash for t in UserToken.objects.all())
    me = api.as_user(body["token"]).get("/complaints/mine/")
    assert me.status_code == 200


def test_wrong_password_is_401_and_creates_nothing(world: World, api: Api) -> None:
    give_password(world.reporter)
    response = api.post("/auth/token/", {"username": "warga", "password": "salah"})
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not UserToken.objects.exists()


def test_lockout_after_repeated_failures_is_a_429_problem(world: World, api: Api) -> None:
    give_password(world.reporter)
    statuses = [
        api.post("/auth/token/", {"username": "warga", "password": "salah"}).status_code
        for _attempt in range(6)
    ]
    assert statuses[:4] == [401] * 4 and statuses[-1] == 429
    locked = api.post("/auth/token/", {"username": "warga", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert not UserToken.objects.exists()


def test_failures_with_idempotency_keys_still_count(world: World, api: Api) -> None:
    give_password(world.reporter)
    statuses = [
        api.post(
            "/auth/token/",
            {"username": "warga", "password": "salah"},
            headers={"Idempotency-Key": f"try-{attempt}"},
        ).status_code
        for attempt in range(6)
    ]
    assert statuses[-1] == 429


def test_staff_sign_in_replay_does_not_reuse_the_one_time_code(world: World, api: Api) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    give_password(world.coordinator)
    device = TOTPDevice.objects.create(user=world.coordinator, name="t", confirmed=True)
    body = {"username": "koordinator", "password": PASSWORD, "otp_code": totp_code(device)}
    first = api.post("/auth/token/", body, headers={"Idempotency-Key": "s-1"})
    again = api.post("/auth/token/", body, headers={"Idempotency-Key": "s-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["token"] and again.json()["token"] is None
    assert again["Idempotent-Replayed"] == "true"
    assert UserToken.objects.count() == 1
    # Without the key, the same code is a second use: refused.
    assert api.post("/auth/token/", body).status_code == 401


def test_staff_need_a_totp_code(world: World, api: Api) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    give_password(world.coordinator)
    device = TOTPDevice.objects.create(user=world.coordinator, name="t", confirmed=True)
    without = api.post("/auth/token/", {"username": "koordinator", "password": PASSWORD})
    assert without.status_code == 401
    wrong = api.post(
        "/auth/token/", {"username": "koordinator", "password": PASSWORD, "otp_code": "000000"}
    )
    assert wrong.status_code == 401
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # counted although the request was refused
    device.throttle_reset()  # django-otp makes the next try wait; the test does not
    good = api.post(
        "/auth/token/",
        {"username": "koordinator", "password": PASSWORD, "otp_code": totp_code(device)},
    )
    assert good.status_code == 201
    assert good.json()["is_staff"] is True
    assert UserToken.objects.filter(user=world.coordinator).count() == 1


def test_revoked_token_and_token_of_another_client_are_refused(
    world: World, api: Api, other_api: Api
) -> None:
    token = token_for(api, world.reporter)
    assert api.as_user(token).get("/complaints/mine/").status_code == 200
    # Bound to the client it was issued through.
    assert other_api.as_user(token).get("/complaints/mine/").status_code == 401
    assert api.as_user("adt_nope_nope").get("/complaints/mine/").status_code == 401
    assert api.delete("/auth/token/").status_code == 401  # no token to revoke
    assert api.as_user(token).delete("/auth/token/").status_code == 204
    assert api.as_user(token).get("/complaints/mine/").status_code == 401


def test_expired_token_is_refused(world: World, api: Api) -> None:
    from datetime import timedelta

    from aduan.core import clock

    token = token_for(api, world.reporter)
    UserToken.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert api.as_user(token).get("/complaints/mine/").status_code == 401


def _operations() -> list[tuple[str, str]]:
    import yaml

    document = yaml.safe_load(Client().get("/api/schema/").content)
    return [
        (method.upper(), path.replace("{tracking_id}", "SB-AAAA-AAAA").replace("{id}", "1"))
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "delete")
    ]


# Operations that are public on purpose (no key, no sign-in); every other one needs a key.
PUBLIC_OPERATIONS = {("GET", "/api/v1/stats/summary")}


def test_every_operation_refuses_a_request_without_a_client_key(world: World) -> None:
    operations = _operations()
    assert len(operations) >= 30
    plain = Client()
    for method, path in operations:
        if (method, path) in PUBLIC_OPERATIONS:
            assert plain.generic(method, path).status_code == 200, (method, path)
            continue
        response = plain.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response["Content-Type"] == "application/problem+json"


def test_reference_data(world: World, api: Api) -> None:
    from aduan.agencies.models import Region

    province = Region.objects.create(code="13", name="Sumatera Barat", level=1, kind="provinsi")
    Region.objects.create(code="13.71", name="Kota Padang", level=2, kind="kota", parent=province)
    categories = api.get("/categories/").json()
    assert categories == [
        {
            "code": "jalan",
            "name": "Jalan rusak",
            "description": "",
            "parent": None,
            "default_agency": "DPU",
            "extra_fields": [],
        }
    ]
    agencies = {a["code"]: a for a in api.get("/agencies/").json()}
    assert agencies["UPTD-JALAN"]["parent"] == "DPU"
    assert [r["code"] for r in api.get("/regions/").json()] == ["13"]
    children = api.get("/regions/", parent="13").json()
    assert children == [
        {"code": "13.71", "name": "Kota Padang", "level": 2, "kind": "kota", "parent": "13"}
    ]
    assert api.get("/regions/", parent="99").json() == []
