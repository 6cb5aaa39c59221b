"""Input and output serializers of /api/v1/ (HackSoft style: one for what comes in, one for
what goes out; no model serializers writing rows)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from rest_framework import serializers

from aduan.agencies.models import Agency, Category, CategoryField, Region
from aduan.complaints.models import ArchiveReason, Dispatch, FollowUp, Kind, Status
from aduan.complaints.selectors import REPORTER_ACTIONS


class S(serializers.Serializer[Any]):
    """A plain (non-model) serializer: the base of every input and output here."""


class CoordinateField(serializers.DecimalField):
    """A latitude or longitude as a device sends it (a phone's GPS gives 8 to 15 decimals),
    rounded to the 6 decimals kept (about 11 cm), as Open311 does; not refused for it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=9, decimal_places=6, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        return super().validate_precision(value.quantize(Decimal("0.000001"), ROUND_HALF_EVEN))


class CodeField(serializers.SlugRelatedField):
    """A row named by its code. A code with control characters cannot exist and is refused
    before the lookup (PostgreSQL fails on a NUL byte in a query: a 500 otherwise)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not data.isprintable():
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


# --- reference data ---------------------------------------------------------------------------


class ChoiceOut(S):
    key = serializers.CharField()
    name = serializers.CharField()


class CategoryFieldOut(S):
    """An extra question of a category: answer it in ``attributes[code]`` when submitting."""

    code = serializers.CharField()
    datatype = serializers.ChoiceField(choices=CategoryField.Datatype.choices)
    variable = serializers.BooleanField(help_text="false: information only, not a question")
    required = serializers.BooleanField()
    description = serializers.CharField()
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    values = ChoiceOut(many=True, help_text="The choices of the list types")


class CategoryOut(S):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True)
    default_agency = serializers.CharField(source="default_agency.code", allow_null=True)
    extra_fields = CategoryFieldOut(many=True, source="extra_fields.all")


class AgencyOut(S):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True)


class RegionOut(S):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    kind = serializers.CharField()
    parent = serializers.CharField(source="parent_id", allow_null=True)


class RegionFilterIn(S):
    parent = serializers.CharField(required=False, max_length=20)


# --- complaints: out --------------------------------------------------------------------------


class ComplaintPublicOut(S):
    """What anyone may see of a public complaint: no personal data."""

    tracking_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    category_code = serializers.CharField(source="category.code", allow_null=True)
    category_name = serializers.CharField(source="category.name", allow_null=True)
    agency_code = serializers.CharField(source="lead_agency.code", allow_null=True)
    agency_name = serializers.CharField(source="lead_agency.name", allow_null=True)
    region_code = serializers.CharField(source="region_id", allow_null=True)
    region_name = serializers.CharField(source="region.name", allow_null=True)
    submitted_at = serializers.DateTimeField()
    support_count = serializers.IntegerField()


class TimelineEntryOut(S):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField()
    data = serializers.DictField()


class PublishedFollowUpOut(S):
    agency_code = serializers.CharField(source="dispatch.agency.code")
    agency_name = serializers.CharField(source="dispatch.agency.name")
    body = serializers.CharField()
    published_at = serializers.DateTimeField()


class ComplaintReporterOut(ComplaintPublicOut):
    """The reporter's view of their own complaint."""

    channel = serializers.CharField()
    event_date = serializers.DateField(allow_null=True)
    address_text = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    is_anonymous = serializers.BooleanField()
    is_confidential = serializers.BooleanField()
    rating = serializers.IntegerField(allow_null=True)
    reopen_until = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    available_actions = serializers.ListField(child=serializers.CharField())
    timeline = TimelineEntryOut(many=True)
    followups = PublishedFollowUpOut(many=True)


class SubmitOut(S):
    tracking_id = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    secret = serializers.CharField(
        allow_null=True,
        help_text="The guest's secret, needed with the tracking ID (X-Tracking-Secret); "
        "null for an account's complaint.",
    )
    created = serializers.BooleanField()


class SupportOut(S):
    added = serializers.BooleanField()
    support_count = serializers.IntegerField()


class ComplaintStaffOut(ComplaintPublicOut):
    """A complaint in a staff list (identity blank where the caller may not see it)."""

    channel = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    is_confidential = serializers.BooleanField()
    is_supervisory = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    reporter_name = serializers.CharField()


class DispatchOut(S):
    id = serializers.IntegerField()
    agency_code = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    role = serializers.ChoiceField(choices=Dispatch.Role.choices)
    state = serializers.ChoiceField(choices=Dispatch.State.choices)
    dispatched_at = serializers.DateTimeField()


class FollowUpOut(S):
    id = serializers.IntegerField()
    dispatch_id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=FollowUp.State.choices)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class IdentityOut(S):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class ComplaintStaffDetailOut(ComplaintStaffOut):
    reporter = IdentityOut(allow_null=True)
    address_text = serializers.CharField()
    attributes = serializers.DictField(help_text="Answers to the category's extra questions")
    dispatches = DispatchOut(many=True)
    followups = FollowUpOut(many=True)
    timeline = TimelineEntryOut(many=True)


@cache
def paged(item: type[S]) -> type[S]:
    """The page envelope around ``item`` (keyset cursors, no counts)."""
    return type(
        f"Paged{item.__name__.removesuffix('Out')}List",
        (S,),
        {
            "results": item(many=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "previous_cursor": serializers.CharField(allow_null=True),
            "__doc__": "One page; pass next_cursor as ?cursor= for the next one.",
        },
    )


# --- complaints: in ---------------------------------------------------------------------------


class PageIn(S):
    cursor = serializers.CharField(required=False, max_length=500)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class PublicFilterIn(PageIn):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    agency = serializers.CharField(required=False, max_length=40)
    category = serializers.CharField(required=False, max_length=60)
    q = serializers.CharField(required=False, max_length=200, help_text="full-text search words")


class StaffFilterIn(PageIn):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    agency = serializers.CharField(required=False, max_length=40, help_text="lead agency code")


def _files() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=10
    )


class SubmitIn(S):
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000)
    category = CodeField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    region = CodeField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    event_date = serializers.DateField(required=False, allow_null=True)
    latitude = CoordinateField(required=False, allow_null=True)
    longitude = CoordinateField(required=False, allow_null=True)
    address_text = serializers.CharField(max_length=300, required=False, default="")
    is_anonymous = serializers.BooleanField(required=False, default=False)
    is_confidential = serializers.BooleanField(required=False, default=False)
    reporter_name = serializers.CharField(max_length=200, required=False, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, default="")
    reporter_email = serializers.CharField(max_length=254, required=False, default="")
    attachments = _files()
    attributes = serializers.DictField(
        required=False,
        default=dict,
        help_text="Answers to the category's extra questions by code (see extra_fields of "
        "/categories/): text, a number, or a list of choice keys. Required questions must be "
        "answered.",
    )


class BodyIn(S):
    body = serializers.CharField(max_length=10_000)


class BodyWithFilesIn(BodyIn):
    attachments = _files()


class ReasonIn(S):
    reason = serializers.CharField(max_length=10_000)


class RateIn(S):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=10_000, required=False, default="")


class SupportIn(S):
    supporter_id = serializers.CharField(
        required=False,
        default="",
        max_length=200,
        help_text="For guests: a stable, private identifier of the person on this client "
        "(e.g. a hash of the app installation). Not needed with a user token.",
    )


class TokenIn(S):
    username = serializers.CharField(max_length=254, help_text="username, e-mail or phone")
    password = serializers.CharField(max_length=128)
    otp_code = serializers.CharField(
        max_length=12, required=False, default="", help_text="TOTP code; required for staff"
    )


class TokenOut(S):
    token = serializers.CharField(
        allow_null=True, help_text="Shown once (null when an Idempotency-Key replay answers)."
    )
    expires_at = serializers.DateTimeField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


def _agency_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return CodeField(slug_field="code", queryset=Agency.objects.filter(is_active=True), **kwargs)


class DispatchIn(S):
    lead_agency = _agency_field()
    supporting_agencies = serializers.ListField(
        child=_agency_field(), required=False, default=list, max_length=20
    )
    note = serializers.CharField(max_length=10_000, required=False, default="")
    category = CodeField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    is_anonymous = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_confidential = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_supervisory = serializers.BooleanField(required=False, allow_null=True, default=None)


class ArchiveIn(S):
    reason = serializers.ChoiceField(choices=ArchiveReason.choices)
    note = serializers.CharField(max_length=10_000, required=False, default="")


class TransferIn(S):
    target = serializers.CharField(max_length=300)
    note = serializers.CharField(max_length=10_000, required=False, default="")


class NoteOptionalIn(S):
    note = serializers.CharField(max_length=10_000, required=False, default="")


class NoteIn(S):
    note = serializers.CharField(max_length=10_000)


class FollowUpSubmitIn(S):
    body = serializers.CharField(max_length=10_000, required=False, allow_null=True, default=None)


class EmptyIn(S):
    pass


# --- webhooks --------------------------------------------------------------------------------

WEBHOOK_EVENTS = sorted(REPORTER_ACTIONS - {"complaint.merged_in"})


class WebhookIn(S):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENTS),
        min_length=1,
        max_length=len(WEBHOOK_EVENTS),
        help_text="Audit actions of the client's complaints to be called back for.",
    )


class WebhookOut(S):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(
        allow_null=True, help_text="Signing secret, shown once (null on a replay)."
    )
