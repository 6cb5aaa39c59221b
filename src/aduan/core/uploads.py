"""Uploaded files (complaint attachments, action-plan evidence, knowledge documents): checked by
size and by what their content is, never by their name or the browser's claimed type."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.files import File
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.core.errors import InvalidInput

HEAD_BYTES = 8192  # what filetype reads to recognise a format


@dataclass(frozen=True)
class CheckedUpload:
    upload: File[Any]
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(
    upload: File[Any],
    *,
    default_name: str,
    limit: int | None = None,
    allowed: Collection[str] | None = None,
    not_allowed: Promise | None = None,
) -> CheckedUpload:
    """An upload that is not empty, within ``limit`` bytes (``ADUAN_MAX_ATTACHMENT_BYTES``) and
    of a type in ``allowed`` (``ADUAN_ALLOWED_ATTACHMENT_TYPES``) read from its first bytes, with
    its SHA-256. ``not_allowed`` is the message for another type (``%(name)s``: the file)."""
    name = (getattr(upload, "name", "") or default_name).replace("\\", "/").rsplit("/", 1)[-1]
    name = name[:255]
    if name in ("", ".", ".."):
        name = default_name
    size = int(upload.size or 0)
    limit = int(settings.ADUAN_MAX_ATTACHMENT_BYTES) if limit is None else limit
    if size == 0:
        raise InvalidInput(_("The file “%(name)s” is empty."), name=name)
    if size > limit:
        raise InvalidInput(
            _("The file “%(name)s” is too large: at most %(limit)s MB."),
            name=name,
            limit=f"{limit / 1024 / 1024:.1f}".removesuffix(".0"),
        )
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
    upload.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind is not None else ""
    if content_type not in (
        settings.ADUAN_ALLOWED_ATTACHMENT_TYPES if allowed is None else allowed
    ):
        raise InvalidInput(
            not_allowed
            or _("The file “%(name)s” is not an allowed type (photos JPEG/PNG/GIF/WebP or PDF)."),
            name=name,
        )
    return CheckedUpload(upload, name, content_type, size, digest.hexdigest())
