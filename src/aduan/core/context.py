"""Per-request context (the request id) that services copy into audit events."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("aduan_request_id", default="")
