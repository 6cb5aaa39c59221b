"""One check for every upload (attachments, evidence, knowledge documents): by size and by what
the content is, with each caller's own limit, types and message."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aduan.core.errors import InvalidInput
from aduan.core.uploads import check_upload
from tests.portal.conftest import png_bytes

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_photo_passes_with_its_type_size_and_digest(settings: Any) -> None:
    checked = check_upload(upload("C:\\fakepath\\foto jalan.png", png_bytes()), default_name="x")
    assert checked.name == "foto jalan.png"  # a browser's Windows path keeps only the name
    assert checked.content_type == "image/png"
    assert checked.size == len(png_bytes())
    assert checked.sha256 == hashlib.sha256(png_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["folder\\", "folder/", "..", "."])
def test_a_name_that_is_no_name_gets_the_default(settings: Any, name: str) -> None:
    named = ContentFile(png_bytes())
    named.name = name  # as a national file's listed name may be (uploads refuse these already)
    assert check_upload(named, default_name="lampiran").name == "lampiran"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (png_bytes() + b"\0" * 2000, "is too large"),
        (b"MZ\x90\x00 a program", "not an allowed type (photos"),
    ],
)
def test_refusals_name_the_file(settings: Any, content: bytes, message: str) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            check_upload(upload("berkas.bin", content), default_name="x")
        assert message in str(refused.value) and "berkas.bin" in str(refused.value)


def test_a_caller_sets_its_own_limit_types_and_message(settings: Any) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 10
    checked = check_upload(
        upload("surat.pdf", PDF), default_name="x", limit=10_000, allowed={"application/pdf"}
    )
    assert checked.content_type == "application/pdf"
    with pytest.raises(InvalidInput) as refused:
        check_upload(
            upload("foto.png", png_bytes()),
            default_name="x",
            limit=10_000,
            allowed={"application/pdf"},
            not_allowed=_("Only PDF: “%(name)s” is not one."),
        )
    with translation.override("en"):
        assert str(refused.value) == "Only PDF: “foto.png” is not one."
