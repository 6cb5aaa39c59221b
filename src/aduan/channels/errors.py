"""Errors of the outbound channel clients (WhatsApp, SMS).

Callers (the notifications worker, the reply retry) decide on ``retryable``: a timeout, a
connection error, HTTP 429 or 5xx may succeed later; any other 4xx will not.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Sending through an outside service failed."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class RetryableDeliveryError(DeliveryError):
    """A timeout, a connection error, HTTP 429 or 5xx: try again later."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """The service refused the message (4xx) or is not configured: retrying will not help."""

    retryable = False


class WebhookRejected(Exception):
    """An inbound webhook request that must be refused with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)
