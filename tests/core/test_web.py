"""Operational endpoints and middleware: /healthz and the request id."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from aduan.core import views
from aduan.core.context import request_id_var
from aduan.core.middleware import RequestIdMiddleware

pytestmark = pytest.mark.django_db


def test_healthz_reports_a_reachable_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["vendor"] in {"sqlite", "postgresql"}


class _BrokenConnection:
    vendor = "postgresql"

    def cursor(self) -> Any:
        raise OperationalError("connection refused")


def test_healthz_is_503_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unreachable",
        "detail": "OperationalError",
    }


def test_healthz_accepts_only_get_and_head(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
    # Uptime monitors and link checkers ask with HEAD: the page answers, without a body.
    head = client.head("/healthz")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("path", ["/", "/laporan/", "/lapor/", "/lacak/", "/statistik/", "/cari/"])
def test_pages_answer_head_requests(db: None, client: Client, path: str) -> None:
    assert client.head(path).status_code == client.get(path).status_code == 200


def test_response_carries_a_new_request_id(client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_safe_incoming_request_id_is_echoed(client: Client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9_c"})
    assert response["X-Request-ID"] == "lb-7f3a.9_c"


@pytest.mark.parametrize(
    "unsafe", ["with space", "x" * 65, "new\nline", "trailing-newline\n", "<script>", "ünïcode"]
)
def test_an_unsafe_incoming_request_id_is_replaced(client: Client, unsafe: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": unsafe})
    assert response["X-Request-ID"] != unsafe
    assert len(response["X-Request-ID"]) == 32


def test_request_id_is_visible_inside_the_request_and_reset_after(rf: RequestFactory) -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request_id_var.get())
        return HttpResponse()

    response = RequestIdMiddleware(view)(rf.get("/", headers={"X-Request-ID": "trace-1"}))
    assert seen == ["trace-1"]
    assert response["X-Request-ID"] == "trace-1"
    assert request_id_var.get() == ""


def test_unknown_addresses_answer_in_the_callers_format(db: None, client: Client) -> None:
    api = client.get("/api/v1/nonexistent/", headers={"Accept-Language": "en"})
    assert api.status_code == 404 and api["Content-Type"] == "application/problem+json"
    assert api.json()["code"] == "not_found" and "/api/docs/" in api.json()["detail"]
    assert api["Content-Language"] == "en"
    assert client.get("/api/v1/nonexistent/")["Content-Language"] == "id"
    open311 = client.get("/open311/v2/services.csv")
    assert open311.status_code == 404 and open311.json()[0]["code"] == 404
    xml = client.get("/open311/v2/nothing.xml")
    assert xml.status_code == 404 and xml.content.startswith(b"<?xml")
    page = client.get("/tidak-ada/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
