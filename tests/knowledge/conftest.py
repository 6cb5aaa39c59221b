"""Fixtures for the knowledge tests: a signed-in client per world role, uploads, and a few
canned responses and documents scoped to the world's agencies."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.world import World, staff_login

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "sop.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx(name: str = "panduan.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """``client_for("operator")``: a client signed in as that world user (staff past the
    two-factor step; reporters simply signed in)."""

    def make(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        return client

    return make


@pytest.fixture
def make_pdf() -> Callable[..., Any]:
    return pdf
