"""GeoReport v2 bodies in JSON and XML, shaped as the specification's examples: a JSON array
(or object) and, in XML, a root element holding one element per item; nested lists repeat a
singular element (``<attributes><attribute>``, ``<values><value>``, ``<formats><format>``)."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# Characters XML 1.0 cannot carry at all (a stray one in a description would break the document).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The element of one item inside a list element.
ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, ITEM_TAGS.get(tag, "item"), item)
    else:
        element.text = _text(value)


def to_xml(data: Any, *, root: str, item: str | None = None) -> bytes:
    """``data`` (a list of ``item`` elements, or one object) under ``root``."""
    element = ElementTree.Element(root)
    if item is not None:
        for entry in data:
            _append(element, item, entry)
    else:
        for key, value in data.items():
            _append(element, key, value)
    body = ElementTree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def respond(
    fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(data, root=root, item=item), content_type=XML_TYPE, status=status
        )
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), content_type=JSON_TYPE, status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """``[{"code": 400, "description": "..."}]`` / ``<errors><error>…</error></errors>``."""
    return respond(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )
