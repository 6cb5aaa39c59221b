import pytest
from django.core.management import CommandError, call_command

from aduan.api.keys import apikey_authenticate, apikey_create, apikey_revoke
from aduan.api.models import ApiClient
from aduan.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_create_prints_the_key_on_the_last_line_and_stores_only_a_hash(capsys):
    call_command("apikey", "create", "superapp")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="superapp")
    assert key.startswith(f"adn_{client.key_prefix}_")
    assert key.split("_", 2)[2] not in client.key_hash
    assert apikey_authenticate(key) == client


def test_wrong_revoked_and_malformed_keys_are_refused():
    client, key = apikey_create(name="open311-app")
    assert apikey_authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert apikey_authenticate("") is None
    assert apikey_authenticate("adn_only") is None
    assert apikey_authenticate("xyz_" + key[4:]) is None
    apikey_revoke(name="open311-app")
    assert apikey_authenticate(key) is None
    client.refresh_from_db()
    assert not client.is_active


def test_duplicate_and_unknown_names_are_clear_errors():
    apikey_create(name="a")
    with pytest.raises(InvalidInput):
        apikey_create(name="a")
    with pytest.raises(InvalidInput):
        apikey_create(name="  ")
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "nobody")
    assert ApiClient.objects.count() == 1
