"""schemathesis against /api/schema/: generated requests to every operation, with a real client
key and a coordinator's user token; no 5xx, and every answer (status, content type, headers,
body) conforms to the schema. Bounded: a few examples per operation."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api, token_for
from tests.world import World, make

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def credentials(world: World, api: Api) -> dict[str, str]:
    """A client key and a coordinator's token; a few complaints so lists have rows."""
    make(world, "dispatched")
    make(world, "submitted")
    return {"X-API-Key": api.key, "Authorization": f"Bearer {token_for(api, world.coordinator)}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(
    case: Any, credentials: dict[str, str], keep_db_connection: None
) -> None:
    case.call_and_validate(headers=credentials, checks=CHECKS)
