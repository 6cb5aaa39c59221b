"""The Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2).

Views only parse, call ``open311.services`` / ``open311.selectors`` and render: every format
comes from the URL suffix (``.json`` or ``.xml``), every error is the specification's
``errors`` body (403 bad key, 404 unknown service or request, 400 anything else).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from aduan.agencies.models import Category, CategoryField
from aduan.api.keys import apikey_authenticate
from aduan.api.models import ApiClient
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.core.errors import DomainError, PermissionDenied
from aduan.open311 import selectors
from aduan.open311.formats import error, respond
from aduan.open311.services import open311_request_receive

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_IDENTIFIER = 100
MAX_IDEMPOTENCY_KEY = 255
TITLE_WORDS = 80  # characters of the description's first line that make the title
_ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """An answer other than 200, in the specification's error format."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def open311_language(request: HttpRequest) -> str:
    """Bahasa Indonesia unless Accept-Language asks for another supported language first."""
    supported = {code for code, _name in settings.LANGUAGES}
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in supported:
            return code
    return settings.LANGUAGE_CODE


def open311_view(*methods: str) -> Callable[..., Callable[..., HttpResponse]]:
    """Allowed methods, the language, jurisdiction_id, and errors in the request's format."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            with translation.override(open311_language(request)):
                try:
                    if request.method not in methods:
                        raise Open311Error(405, _("This method is not allowed here."))
                    if any(not str(value).isprintable() for value in kwargs.values()):
                        raise Open311Error(404, _("Nothing is known by this name."))
                    _refuse_nul(request.GET)
                    _check_jurisdiction(request)
                    response = view(request, *args, fmt=fmt, **kwargs)
                except Open311Error as problem:
                    response = error(fmt, problem.status, problem.description)
                except PermissionDenied as problem:
                    response = error(fmt, 403, str(problem))
                except DomainError as problem:
                    response = error(fmt, 400, str(problem))
                if response.status_code == 405:
                    response["Allow"] = ", ".join(methods)
                response["Content-Language"] = translation.get_language() or ""
                return response

        return wrapper

    return decorate


def _refuse_nul(data: Any) -> None:
    """A NUL character in a parameter is malformed input (400), not a database failure (500:
    PostgreSQL refuses it in a query or a text column)."""
    for key, values in data.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            raise Open311Error(400, _("A parameter contains a character that is not allowed."))


def _check_jurisdiction(request: HttpRequest, given: str = "") -> None:
    """A jurisdiction_id (query, or POST body when ``given``) must be ours, if we name one."""
    expected = settings.ADUAN_OPEN311_JURISDICTION_ID
    given = given or request.GET.get("jurisdiction_id") or ""
    if expected and given and given != expected:
        raise Open311Error(404, _("Unknown jurisdiction_id."))


def _post(request: HttpRequest) -> Any:
    try:
        return request.POST
    except (MultiPartParserError, SuspiciousOperation, ValueError) as problem:
        raise Open311Error(400, _("The request body could not be read.")) from problem


def _w3c(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


# --- discovery and services ----------------------------------------------------------------


@open311_view("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Where the endpoint is and what it speaks."""
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0] + "/"
    changeset = settings.ADUAN_OPEN311_CHANGESET
    data = {
        "changeset": changeset,
        "contact": settings.ADUAN_OPEN311_CONTACT or settings.ADUAN_INSTANSI_NAME,
        "key_service": settings.ADUAN_OPEN311_KEY_SERVICE
        or _("Ask the administrator of this service for an API key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, data, root="discovery")


@open311_view("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Categories as services; ``group`` is the parent category."""
    data = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description,
            "metadata": bool(category.has_fields),  # type: ignore[attr-defined]
            "type": "realtime",
            "keywords": category.keywords,
            "group": category.parent.name if category.parent else "",
        }
        for category in selectors.services()
    ]
    return respond(fmt, data, root="services", item="service")


def _attribute(field: CategoryField) -> dict[str, Any]:
    lists = field.datatype in CategoryField.LIST_TYPES
    return {
        "variable": field.variable,
        "code": field.code,
        "datatype": field.datatype,
        "required": field.required,
        "datatype_description": field.datatype_description or None,
        "order": field.order,
        "description": field.description,
        "values": [
            {"key": str(item.get("key")), "name": str(item.get("name"))}
            for item in (field.values if lists else [])
            if isinstance(item, dict)
        ],
    }


def _service(code: str) -> Category:
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code})
    return category


@open311_view("GET")
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    """A category's extra questions as attributes."""
    category = _service(service_code)
    data = {
        "service_code": category.code,
        "attributes": [_attribute(field) for field in selectors.service_fields(category)],
    }
    return respond(fmt, data, root="service_definition")


# --- service requests ----------------------------------------------------------------------


def _coordinate(value: Decimal | None) -> float | None:
    if value is None:
        return None
    step = Decimal(1).scaleb(-int(settings.ADUAN_OPEN311_COORDINATE_DECIMALS))
    return float(value.quantize(step, rounding=ROUND_HALF_UP))


def _request(complaint: Complaint) -> dict[str, Any]:
    """A complaint as a GeoReport v2 request: no personal data; the place at the precision the
    settings allow."""
    region = complaint.region
    address = region.name if region else ""
    if settings.ADUAN_OPEN311_PUBLISH_ADDRESS and complaint.address_text:
        address = complaint.address_text
    received = getattr(complaint, "open311_request", None)
    category = complaint.category
    return {
        "service_request_id": complaint.tracking_id,
        "status": selectors.OPEN311_STATUS.get(complaint.status, "open"),
        "status_notes": getattr(complaint, "status_notes", None) or "",
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": complaint.description,
        "agency_responsible": complaint.lead_agency.name if complaint.lead_agency else "",
        "service_notice": "",
        "requested_datetime": _w3c(complaint.submitted_at),
        "updated_datetime": _w3c(complaint.updated_at),
        "expected_datetime": _w3c(getattr(complaint, "expected_at", None)),
        "address": address,
        "address_id": "",
        "zipcode": region.postal_code if region else "",
        "lat": _coordinate(complaint.latitude),
        "long": _coordinate(complaint.longitude),
        "media_url": received.media_url if received is not None else "",
    }


def _positive_int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name) or ""
    if not raw:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses (a 500).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise Open311Error(
            400, _("%(name)s must be a whole number of at least 1.") % {"name": name}
        )
    return int(raw)


def _comma_list(request: HttpRequest, name: str) -> list[str]:
    values: list[str] = []
    for raw in request.GET.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def _w3c_datetime(request: HttpRequest, name: str, *, end: bool = False) -> datetime | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    # An unescaped "+" of a UTC offset arrives as a space.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
    moment = day = None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = parse_date(text)  # a whole day: from its start, or up to its end
        else:
            moment = parse_datetime(text)
    except ValueError:
        pass
    if moment is None and day is not None:
        moment = datetime.combine(day, time.max if end else time.min)
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, e.g. 2026-01-31T08:00:00+07:00.")
            % {"name": name},
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts.
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Open311Error(
            400, _("%(name)s is out of the range of dates.") % {"name": name}
        ) from None


def _window(request: HttpRequest) -> tuple[datetime, datetime]:
    """start_date/end_date: at most ADUAN_OPEN311_WINDOW_DAYS apart; the latest such window by
    default."""
    span = timedelta(days=int(settings.ADUAN_OPEN311_WINDOW_DAYS))
    start = _w3c_datetime(request, "start_date")
    end = _w3c_datetime(request, "end_date", end=True)
    if start is None and end is None:
        end = clock.now()
    try:
        if start is None:
            assert end is not None
            start = end - span
        if end is None:
            end = start + span
    except OverflowError:  # a window reaching past year 1 or 9999
        raise Open311Error(400, _("start_date or end_date is out of the range of dates.")) from None
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > span:
        raise Open311Error(
            400,
            _("start_date and end_date may be at most %(days)d days apart.") % {"days": span.days},
        )
    return start, end


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    limit = int(settings.ADUAN_OPEN311_MAX_RESULTS)
    tracking_ids = _comma_list(request, "service_request_id")
    statuses = _comma_list(request, "status")
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, _("status must be open or closed."))
    page = _positive_int(request, "page", 1)
    page_size = _positive_int(request, "page_size", limit)
    if page_size > limit:
        raise Open311Error(400, _("page_size may be at most %(max)d.") % {"max": limit})
    offset = (page - 1) * page_size
    if offset + page_size > int(settings.ADUAN_OPEN311_MAX_DEPTH):
        raise Open311Error(400, _("This page is too deep; narrow start_date and end_date instead."))
    if tracking_ids:
        if len(tracking_ids) > limit:
            raise Open311Error(
                400, _("At most %(max)d service_request_id at once.") % {"max": limit}
            )
        queryset = selectors.public_requests(tracking_ids=tracking_ids)
    else:
        start, end = _window(request)
        queryset = selectors.public_requests(
            service_codes=_comma_list(request, "service_code"),
            statuses=statuses,
            start=start,
            end=end,
        )
    data = [_request(complaint) for complaint in queryset[offset : offset + page_size]]
    return respond(fmt, data, root="service_requests", item="request")


def _client(request: HttpRequest, data: Any) -> ApiClient:
    raw = data.get("api_key") or request.GET.get("api_key") or ""
    client = apikey_authenticate(raw) if raw else None
    if client is None:
        raise Open311Error(403, _("Invalid api_key received -- cannot create the request."))
    return client


def _attributes(data: Any) -> dict[str, Any]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2``."""
    answers: dict[str, Any] = {}
    for key in data:
        match = _ATTRIBUTE_RE.match(key)
        if match is None:
            continue
        code, many = match.group(1), match.group(2)
        values = data.getlist(key)
        answers[code] = values if many or len(values) > 1 else values[0]
    return answers


def _title(description: str, service_name: str) -> str:
    """The description's first line, cut at a word within TITLE_WORDS characters."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not first:
        return service_name
    if len(first) <= TITLE_WORDS:
        return first
    cut = first[:TITLE_WORDS].rsplit(" ", 1)[0] or first[:TITLE_WORDS]
    return cut.rstrip(" ,.;:") + "…"


def _text_field(data: Any, name: str, limit: int) -> str:
    value = (data.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(
            400, _("%(name)s may be at most %(max)d characters.") % {"name": name, "max": limit}
        )
    return value


def _media_url(data: Any) -> str:
    value = _text_field(data, "media_url", 500)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise Open311Error(400, _("media_url must be an http or https URL.")) from None
    return value


def _check_body_size(request: HttpRequest) -> None:
    """Refuse a body larger than the files it may carry before reading it."""
    limit = int(settings.ADUAN_OPEN311_MAX_MEDIA_FILES) * int(
        settings.ADUAN_MAX_ATTACHMENT_BYTES
    ) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise Open311Error(400, _("The request is too large."))


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_body_size(request)
    data = _post(request)
    client = _client(request, data)  # a bad key is 403 whatever else is wrong
    _refuse_nul(data)
    _check_jurisdiction(request, data.get("jurisdiction_id") or "")
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _service(code)
    latitude = (data.get("lat") or "").strip()
    longitude = (data.get("long") or "").strip()
    if bool(latitude) != bool(longitude):
        raise Open311Error(400, _("lat and long must be given together."))
    address = _text_field(data, "address_string", MAX_ADDRESS)
    address_id = _text_field(data, "address_id", MAX_IDENTIFIER)
    if not (latitude or address or address_id):
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    description = _text_field(data, "description", MAX_DESCRIPTION)
    name = " ".join(
        part
        for part in (_text_field(data, "first_name", 100), _text_field(data, "last_name", 100))
        if part
    )
    media = request.FILES.getlist("media")
    if len(media) > int(settings.ADUAN_OPEN311_MAX_MEDIA_FILES):
        raise Open311Error(
            400,
            _("At most %(max)d media files.") % {"max": settings.ADUAN_OPEN311_MAX_MEDIA_FILES},
        )
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise Open311Error(400, _("The Idempotency-Key header is too long."))
    received = open311_request_receive(
        client=client,
        category=category,
        title=_title(description, category.name),
        description=description
        or _("Report through Open311: %(service)s") % {"service": category.name},
        latitude=latitude or None,
        longitude=longitude or None,
        address_text=address or (_("Address ID %(id)s") % {"id": address_id} if address_id else ""),
        reporter_name=name,
        reporter_phone=_text_field(data, "phone", 30),
        reporter_email=_text_field(data, "email", 254),
        attributes=_attributes(data),
        media=media,
        media_url=_media_url(data),
        device_id=_text_field(data, "device_id", MAX_IDENTIFIER),
        account_id=_text_field(data, "account_id", MAX_IDENTIFIER),
        idempotency_key=idempotency_key or None,
    )
    days = category.verify_working_days or settings.ADUAN_DEADLINES["verify_working_days"]
    notice = _(
        "Received. It will be verified within %(days)d working days; follow it with its "
        "tracking ID %(id)s."
    ) % {"days": days, "id": received.complaint.tracking_id}
    reply = [
        {
            "service_request_id": received.complaint.tracking_id,
            "service_notice": notice,
            "account_id": None,
            "token": received.request.token,
        }
    ]
    return respond(fmt, reply, root="service_requests", item="request")


@open311_view("GET", "POST")
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET: public requests with the specification's filters; POST: a new request."""
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@open311_view("GET")
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    """One request: public ones for anybody; a client's own (even before verification) when it
    sends its api_key."""
    complaint = selectors.public_request(service_request_id)
    if complaint is None and request.GET.get("api_key"):
        client = apikey_authenticate(request.GET["api_key"])
        if client is not None:
            complaint = selectors.client_request(client, service_request_id)
    if complaint is None:
        raise Open311Error(
            404, _("Unknown service_request_id “%(id)s”.") % {"id": service_request_id}
        )
    return respond(fmt, [_request(complaint)], root="service_requests", item="request")


@open311_view("GET")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """The service_request_id a token stands for."""
    tracking_id = selectors.request_for_token(token)
    if tracking_id is None:
        raise Open311Error(404, _("Unknown token."))
    data = [{"service_request_id": tracking_id, "token": token}]
    return respond(fmt, data, root="service_requests", item="request")
