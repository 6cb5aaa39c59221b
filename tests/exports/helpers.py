"""Reading exports back in the tests."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from django.urls import reverse


def export_url(list_name: str, file_format: str = "csv", query: str = "") -> str:
    url = reverse("exports:export", args=[list_name, file_format])
    return f"{url}?{query}" if query else url


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def as_dicts(data: bytes) -> list[dict[str, str]]:
    header, *rows = csv_rows(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_cells(data: bytes) -> tuple[int, str]:
    """(number of rows in the first sheet, the sheet's text with shared strings resolved)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        names = archive.namelist()
        shared = (
            archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )
    rows = len(re.findall(r"<row ", sheet))
    return rows, sheet + shared
