"""/api/v1/ views: parse with an input serializer, call a selector or a service, render with an
output serializer. No business rules here (those are in aduan.complaints.services)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from aduan.accounts.middleware import is_staff_account
from aduan.accounts.models import Role
from aduan.agencies.models import Agency, Category, Region
from aduan.api import serializers as s
from aduan.api.auth import (
    StaffTokenRequired,
    UserTokenRequired,
    user_sign_in,
    usertoken_create,
    usertoken_revoke,
)
from aduan.api.base import (
    IDEMPOTENCY_HEADER,
    LANGUAGE_HEADER,
    ApiView,
    SafeJSONParser,
    first_or_404,
    page_response,
    parse,
)
from aduan.api.models import WebhookSubscription
from aduan.api.webhooks import submission_record, webhook_subscribe, webhook_unsubscribe
from aduan.complaints import policies, selectors, services
from aduan.complaints.models import (
    OPEN_STATUSES,
    Channel,
    Complaint,
    Dispatch,
    FollowUp,
    Status,
)
from aduan.core import clock
from aduan.core.errors import InvalidInput, PermissionDenied
from aduan.search.selectors import search_filter

ORDERING = ("-submitted_at", "-id")
WRONG_PASS = gettext_lazy("The tracking ID or secret code is wrong.")
TRACKING_SECRET_HEADER = OpenApiParameter(
    "X-Tracking-Secret",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A guest reporter's secret code (given once at submission). Not needed "
    "with the reporter's user token.",
)
JSON_AND_FILES = [SafeJSONParser, MultiPartParser]


def _tracking_id(text: str) -> str:
    """A tracking ID from the path; one that cannot exist (control characters) is a 404."""
    if not text.isprintable() or len(text) > 40:
        raise exceptions.NotFound(str(selectors.NOT_FOUND))
    return text


def _with_related(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.select_related("category", "lead_agency", "region")


# --- reference data ---------------------------------------------------------------------------


class CategoryListView(ApiView):
    """Active complaint categories (a tree: ``parent``)."""

    @extend_schema(
        summary="Categories", responses=s.CategoryOut(many=True), parameters=[LANGUAGE_HEADER]
    )
    def get(self, request: Request) -> Response:
        items = (
            Category.objects.filter(is_active=True)
            .select_related("parent", "default_agency")
            .prefetch_related("extra_fields")
        )
        return Response(s.CategoryOut(items.order_by("code"), many=True).data)


class AgencyListView(ApiView):
    """Active agencies (a tree: ``parent``)."""

    @extend_schema(summary="Agencies", responses=s.AgencyOut(many=True))
    def get(self, request: Request) -> Response:
        items = Agency.objects.filter(is_active=True).select_related("parent")
        return Response(s.AgencyOut(items.order_by("path"), many=True).data)


class RegionListView(ApiView):
    """Regions (Kemendagri codes) under ``?parent=``; the top level without it."""

    @extend_schema(
        summary="Regions under a parent (top level without ?parent=)",
        parameters=[s.RegionFilterIn],
        responses=s.RegionOut(many=True),
    )
    def get(self, request: Request) -> Response:
        params = parse(s.RegionFilterIn, request.query_params)
        parent = params.get("parent")
        items = (
            Region.objects.filter(parent_id=parent)
            if parent
            else Region.objects.filter(parent__isnull=True)
        )
        return Response(s.RegionOut(items.order_by("code")[:1000], many=True).data)


# --- sign-in ------------------------------------------------------------------------------------


class TokenView(ApiView):
    """POST: sign in and get a user token (shown once). DELETE: revoke the token you send."""

    secret_fields = ("token",)

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [UserTokenRequired()]
        return super().get_permissions()

    @extend_schema(
        summary="Get a user token",
        request=s.TokenIn,
        responses={201: s.TokenOut},
        parameters=[IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )
    def post(self, request: Request) -> Response:
        data = parse(s.TokenIn, request.data)
        signed_in: list[Any] = []

        def sign_in() -> None:
            # Outside the idempotency transaction, so refused attempts are counted.
            try:
                signed_in.append(
                    user_sign_in(
                        request=request._request,
                        identifier=data["username"],
                        password=data["password"],
                        otp_code=data["otp_code"],
                    )
                )
            except PermissionDenied as refused:
                django_request = request._request
                if getattr(django_request, "axes_locked_out", False):
                    # django-axes locked the account (too many failures): answer as the API
                    # does, not with the web's lockout page.
                    django_request.axes_locked_out = False
                    raise exceptions.Throttled(
                        detail=_("Too many failed sign-ins. Try again later.")
                    ) from None
                raise exceptions.AuthenticationFailed(str(refused)) from None

        def run() -> Response:
            user = signed_in[0]
            # user_sign_in checked a TOTP code exactly when the account is staff.
            token, raw = usertoken_create(
                user=user, client=self.creds.client, verified_with_otp=is_staff_account(user)
            )
            body = {
                "token": raw,
                "expires_at": token.expires_at,
                "username": user.get_username(),
                "is_staff": is_staff_account(user),
            }
            return Response(s.TokenOut(body).data, status=status.HTTP_201_CREATED)

        return self.idempotent(run, prepare=sign_in)

    @extend_schema(summary="Revoke the user token sent", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token = self.creds.token
        assert token is not None  # UserTokenRequired
        usertoken_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- citizen side -------------------------------------------------------------------------------


def _available_actions(complaint: Complaint) -> list[str]:
    """What the reporter may do now (the services check again when it is done)."""
    available = []
    if complaint.status == Status.ON_HOLD:
        available.append("complete")
    if complaint.status in OPEN_STATUSES:
        available.append("reply")
    if (
        complaint.status == Status.RESOLVED
        and complaint.reopen_until is not None
        and clock.now() <= complaint.reopen_until
    ):
        available.append("reopen")
    if complaint.status in (Status.RESOLVED, Status.CLOSED) and complaint.rating is None:
        available.append("rate")
    return available


def reporter_data(complaint: Complaint, actor: Any) -> dict[str, Any]:
    complaint.available_actions = _available_actions(complaint)  # type: ignore[attr-defined]
    complaint.timeline = selectors.complaint_timeline(actor, complaint)  # type: ignore[attr-defined]
    published = (
        complaint.followups.filter(state=FollowUp.State.PUBLISHED)
        .select_related("dispatch__agency")
        .order_by("published_at", "id")
    )
    data = dict(s.ComplaintReporterOut(complaint).data)
    data["followups"] = s.PublishedFollowUpOut(published, many=True).data
    return data


def reporter_access(request: Request, tracking_id: str) -> tuple[Complaint, Any]:
    """The complaint and the reporter acting on it: a guest with the secret, or the account."""
    tracking_id = _tracking_id(tracking_id)
    secret = request.headers.get("X-Tracking-Secret", "")
    if secret:
        try:
            complaint, guest = selectors.complaint_for_guest(tracking_id, secret)
        except PermissionDenied:
            raise exceptions.NotFound(str(WRONG_PASS)) from None
        return _with_related(Complaint.objects.filter(pk=complaint.pk)).get(), guest
    if request.auth is None or request.auth.token is None:
        raise exceptions.NotAuthenticated(
            _("Give the secret code (X-Tracking-Secret) or the reporter's user token.")
        )
    try:
        complaint = selectors.complaint_get(request.user, tracking_id)
    except PermissionDenied:
        raise exceptions.NotFound(str(selectors.NOT_FOUND)) from None
    if not policies.is_reporter(request.user, complaint):
        raise exceptions.NotFound(str(selectors.NOT_FOUND))
    return complaint, request.user


def _service_idempotency_key(request: Request, client_id: int) -> str | None:
    """The submit service's idempotency key, bound to the calling client: the service would
    otherwise hand the first complaint and its guest secret to any client that repeats another
    client's key with the same guest contact."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return f"api:{client_id}:{key}" if key else None


class ComplaintSubmitView(ApiView):
    """Submit a complaint, as a guest (name + phone or e-mail) or as the token's user."""

    parser_classes = JSON_AND_FILES
    secret_fields = ("secret",)
    rerun_on_replay = True  # the service returns the first complaint and its guest secret again

    @extend_schema(
        summary="Submit a complaint (JSON, or multipart with attachments)",
        request={"application/json": s.SubmitIn, "multipart/form-data": s.SubmitIn},
        responses={201: s.SubmitOut},
        parameters=[IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )
    def post(self, request: Request) -> Response:
        def run() -> Response:
            data = parse(s.SubmitIn, request.data)
            client = self.creds.client
            channel = (
                Channel.SUPERAPP
                if client.name in settings.ADUAN_API_SUPERAPP_CLIENTS
                else Channel.API
            )
            # One transaction: the complaint's audit events and the record of the submitting
            # client become visible together, so the webhook cursor never passes one of its
            # events before knowing the complaint is this client's.
            with transaction.atomic():
                result = services.complaint_submit(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    category=data.get("category"),
                    region=data.get("region"),
                    event_date=data.get("event_date"),
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    address_text=data["address_text"],
                    channel=channel,
                    is_anonymous=data["is_anonymous"],
                    is_confidential=data["is_confidential"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    reporter_email=data["reporter_email"],
                    attachments=data["attachments"],
                    attributes=data.get("attributes"),
                    idempotency_key=_service_idempotency_key(request, client.pk),
                )
                complaint = result.complaint
                submission_record(client=client, complaint=complaint)
            body = {
                "tracking_id": complaint.tracking_id,
                "status": complaint.status,
                "secret": result.guest_secret,
                "created": result.created,
            }
            return Response(s.SubmitOut(body).data, status=status.HTTP_201_CREATED)

        return self.idempotent(run)


class MyComplaintsView(ApiView):
    """The complaints the token's person reported."""

    permission_classes = [UserTokenRequired]

    @extend_schema(
        summary="The token user's own complaints, newest first",
        operation_id="complaints_mine_list",
        parameters=[s.PageIn],
        responses=s.paged(s.ComplaintPublicOut),
    )
    def get(self, request: Request) -> Response:
        params = parse(s.PageIn, request.query_params)
        queryset = selectors.complaint_list(request.user).filter(reporter_id=request.user.pk)
        return page_response(
            request,
            queryset,
            ordering=ORDERING,
            serializer_class=s.ComplaintPublicOut,
            params=params,
        )


class ComplaintReporterView(ApiView):
    """One complaint as its reporter sees it."""

    @extend_schema(
        summary="A complaint, for its reporter (guest secret or account token)",
        parameters=[TRACKING_SECRET_HEADER, LANGUAGE_HEADER],
        responses=s.ComplaintReporterOut,
    )
    def get(self, request: Request, tracking_id: str) -> Response:
        complaint, actor = reporter_access(request, tracking_id)
        return Response(reporter_data(complaint, actor))


def _reporter_action(
    name: str,
    input_class: type[s.S],
    call: Callable[[Any, Complaint, dict[str, Any]], Any],
    summary: str,
    *,
    files: bool = False,
) -> type[ApiView]:
    def post(self: ApiView, request: Request, tracking_id: str) -> Response:
        def run() -> Response:
            complaint, actor = reporter_access(request, tracking_id)
            data = parse(input_class, request.data)
            call(actor, complaint, data)
            complaint.refresh_from_db()
            return Response(reporter_data(complaint, actor))

        return self.idempotent(run)

    request_schema: Any = input_class
    if files:
        request_schema = {"application/json": input_class, "multipart/form-data": input_class}
    decorated = extend_schema(
        summary=summary,
        request=request_schema,
        responses=s.ComplaintReporterOut,
        parameters=[TRACKING_SECRET_HEADER, IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )(post)
    return type(
        f"Reporter{name.title()}View",
        (ApiView,),
        {
            "post": decorated,
            "parser_classes": JSON_AND_FILES if files else [SafeJSONParser],
            "__doc__": summary,
        },
    )


ReporterReplyView = _reporter_action(
    "reply",
    s.BodyWithFilesIn,
    lambda actor, c, d: services.complaint_reply(
        actor=actor, complaint=c, body=d["body"], attachments=d["attachments"]
    ),
    "Write to the officers (optionally with files)",
    files=True,
)
ReporterCompleteView = _reporter_action(
    "complete",
    s.BodyWithFilesIn,
    lambda actor, c, d: services.complaint_complete(
        actor=actor, complaint=c, body=d["body"], attachments=d["attachments"]
    ),
    "Complete a complaint put on hold",
    files=True,
)
ReporterReopenView = _reporter_action(
    "reopen",
    s.ReasonIn,
    lambda actor, c, d: services.complaint_reopen(actor=actor, complaint=c, reason=d["reason"]),
    "Reopen a resolved complaint (not satisfied)",
)
ReporterRateView = _reporter_action(
    "rate",
    s.RateIn,
    lambda actor, c, d: services.complaint_rate(
        actor=actor, complaint=c, score=d["score"], comment=d["comment"]
    ),
    "Rate the handling (1-5); closes a resolved complaint",
)


# --- public -------------------------------------------------------------------------------------


def _public(tracking_id: str) -> Complaint:
    complaint = (
        _with_related(selectors.public_complaints())
        .filter(tracking_id=services.normalize_tracking_id(_tracking_id(tracking_id)))
        .first()
    )
    if complaint is None:
        raise exceptions.NotFound(str(selectors.NOT_FOUND))
    return complaint


class PublicListView(ApiView):
    """Verified, non-confidential complaints; no personal data."""

    @extend_schema(
        summary="Public complaints, newest first (no personal data)",
        operation_id="public_complaints_list",
        parameters=[s.PublicFilterIn],
        responses=s.paged(s.ComplaintPublicOut),
    )
    def get(self, request: Request) -> Response:
        params = parse(s.PublicFilterIn, request.query_params)
        queryset = _with_related(selectors.public_complaints())
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("agency"):
            queryset = queryset.filter(lead_agency__code=params["agency"])
        if params.get("category"):
            queryset = queryset.filter(
                Q(category__code=params["category"]) | Q(category__parent__code=params["category"])
            )
        if params.get("q"):
            try:
                queryset = search_filter(queryset, params["q"])
            except InvalidInput as error:
                raise exceptions.ValidationError({"q": [str(error)]}) from None
        return page_response(
            request,
            queryset,
            ordering=ORDERING,
            serializer_class=s.ComplaintPublicOut,
            params=params,
        )


class PublicDetailView(ApiView):
    """One public complaint; no personal data."""

    @extend_schema(summary="One public complaint", responses=s.ComplaintPublicOut)
    def get(self, request: Request, tracking_id: str) -> Response:
        return Response(s.ComplaintPublicOut(_public(tracking_id)).data)


class SupportView(ApiView):
    """Support ("dukung") a public complaint."""

    @extend_schema(
        summary="Support a public complaint (once per person)",
        request=s.SupportIn,
        responses=s.SupportOut,
        parameters=[IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )
    def post(self, request: Request, tracking_id: str) -> Response:
        def run() -> Response:
            complaint = _public(tracking_id)
            data = parse(s.SupportIn, request.data)
            key = ""
            if not request.user.is_authenticated:
                if not data["supporter_id"].strip():
                    raise exceptions.ValidationError(
                        {"supporter_id": [_("Give supporter_id, or send a user token.")]}
                    )
                raw = f"api:{self.creds.client.pk}:{data['supporter_id'].strip()}"
                key = hashlib.sha256(raw.encode()).hexdigest()
            added = services.complaint_support(
                actor=request.user, complaint=complaint, supporter_key=key
            )
            count = Complaint.objects.filter(pk=complaint.pk).values_list(
                "support_count", flat=True
            )[0]
            return Response(s.SupportOut({"added": added, "support_count": count}).data)

        return self.idempotent(run)


# --- staff --------------------------------------------------------------------------------------


def staff_complaint(request: Request, tracking_id: str) -> Complaint:
    try:
        return selectors.complaint_get(request.user, _tracking_id(tracking_id), as_staff=True)
    except PermissionDenied:
        raise exceptions.NotFound(str(selectors.NOT_FOUND)) from None


def staff_data(request: Request, complaint: Complaint) -> dict[str, Any]:
    user = request.user
    dispatches = list(complaint.dispatches.select_related("agency").order_by("dispatched_at", "id"))
    for hop in dispatches:
        hop.complaint = complaint
    mine = {hop.pk for hop in dispatches if policies.acts_for_dispatch(user, hop)}
    insider = policies.acts_as_coordinator(user, complaint) or policies.staff_roles(user).has(
        Role.LEADERSHIP
    )
    followups = [
        f
        for f in complaint.followups.order_by("created_at", "id")
        if f.state == FollowUp.State.PUBLISHED or insider or f.dispatch_id in mine
    ]
    identity = selectors.reporter_identity(user, complaint)
    data = dict(s.ComplaintStaffOut(complaint).data)
    data.update(
        reporter=None
        if identity is None
        else {"name": identity.name, "phone": identity.phone, "email": identity.email},
        address_text=complaint.address_text,
        attributes=complaint.attributes,
        dispatches=s.DispatchOut(dispatches, many=True).data,
        followups=s.FollowUpOut(followups, many=True).data,
        timeline=s.TimelineEntryOut(selectors.complaint_timeline(user, complaint), many=True).data,
    )
    return data


class StaffListView(ApiView):
    """Complaints in the staff member's scope (policies.visible_to, as_staff)."""

    permission_classes = [StaffTokenRequired]

    @extend_schema(
        summary="Complaints the staff member works on (as in the back office)",
        operation_id="staff_complaints_list",
        parameters=[s.StaffFilterIn],
        responses=s.paged(s.ComplaintStaffOut),
    )
    def get(self, request: Request) -> Response:
        params = parse(s.StaffFilterIn, request.query_params)
        queryset = selectors.complaint_list(request.user, as_staff=True)
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("agency"):
            queryset = queryset.filter(lead_agency__code=params["agency"])
        return page_response(
            request,
            queryset,
            ordering=ORDERING,
            serializer_class=s.ComplaintStaffOut,
            params=params,
        )


class StaffDetailView(ApiView):
    """One complaint in the staff member's scope."""

    permission_classes = [StaffTokenRequired]

    @extend_schema(summary="One complaint, for staff", responses=s.ComplaintStaffDetailOut)
    def get(self, request: Request, tracking_id: str) -> Response:
        return Response(staff_data(request, staff_complaint(request, tracking_id)))


class ActionOut(s.S):
    """What a staff action answers (read the complaint again for details)."""

    tracking_id = s.serializers.CharField()
    status = s.serializers.ChoiceField(choices=Status.choices)
    followup_id = s.serializers.IntegerField(allow_null=True)


def _action_answer(complaint: Complaint, followup_id: int | None = None) -> Response:
    current = Complaint.objects.filter(pk=complaint.pk).values_list("status", flat=True)[0]
    return Response(
        ActionOut(
            {"tracking_id": complaint.tracking_id, "status": current, "followup_id": followup_id}
        ).data
    )


def _number(value: str | None) -> int:
    """A path id: digits only (anything else cannot name a row: 404, as a problem document)."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise exceptions.NotFound()
    return int(value)


def _target(complaint: Complaint, model: type[Any], pk: int) -> Any:
    """A dispatch or follow-up of this complaint (404 otherwise), with the complaint attached
    (the policies read its flags)."""
    found = (
        model.objects.select_related("agency" if model is Dispatch else "dispatch__agency")
        .filter(complaint=complaint, pk=pk)
        .first()
    )
    if found is None:
        raise exceptions.NotFound()
    found.complaint = complaint
    if model is FollowUp:
        found.dispatch.complaint = complaint
    return found


def _staff_action(
    name: str,
    input_class: type[s.S],
    call: Callable[[Any, Complaint, dict[str, Any], int | None], Any],
    summary: str,
    *,
    target: bool = False,
) -> type[ApiView]:
    def post(self: ApiView, request: Request, tracking_id: str, pk: str | None = None) -> Response:
        def run() -> Response:
            complaint = staff_complaint(request, tracking_id)
            data = parse(input_class, request.data)
            result = call(request.user, complaint, data, _number(pk) if target else None)
            followup_id = result.pk if isinstance(result, FollowUp) else None
            return _action_answer(complaint, followup_id)

        return self.idempotent(run)

    decorated = extend_schema(
        summary=summary,
        request=input_class,
        responses=ActionOut,
        parameters=[IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )(post)
    return type(
        f"Staff{name.title().replace('_', '')}View",
        (ApiView,),
        {
            "post": decorated,
            "permission_classes": [StaffTokenRequired],
            "parser_classes": [SafeJSONParser],
            "__doc__": summary,
        },
    )


STAFF_ACTIONS: dict[str, type[ApiView]] = {
    "dispatch": _staff_action(
        "dispatch",
        s.DispatchIn,
        lambda user, c, d, pk: services.complaint_dispatch(
            actor=user,
            complaint=c,
            lead_agency=d["lead_agency"],
            supporting_agencies=d["supporting_agencies"],
            note=d["note"],
            category=d.get("category"),
            is_anonymous=d["is_anonymous"],
            is_confidential=d["is_confidential"],
            is_supervisory=d["is_supervisory"],
        ),
        "Verify and dispatch to a lead agency (and supporting agencies)",
    ),
    "hold": _staff_action(
        "hold",
        s.ReasonIn,
        lambda user, c, d, pk: services.complaint_hold(actor=user, complaint=c, reason=d["reason"]),
        "Put on hold: ask the reporter to complete it",
    ),
    "archive": _staff_action(
        "archive",
        s.ArchiveIn,
        lambda user, c, d, pk: services.complaint_archive(
            actor=user, complaint=c, reason=d["reason"], note=d["note"]
        ),
        "Archive (with a reason)",
    ),
    "transfer": _staff_action(
        "transfer",
        s.TransferIn,
        lambda user, c, d, pk: services.complaint_transfer(
            actor=user, complaint=c, target=d["target"], note=d["note"]
        ),
        "Transfer out of our jurisdiction",
    ),
    "note": _staff_action(
        "note",
        s.BodyIn,
        lambda user, c, d, pk: services.note_add(actor=user, complaint=c, body=d["body"]),
        "Add an internal note",
    ),
    "resolve": _staff_action(
        "resolve",
        s.NoteOptionalIn,
        lambda user, c, d, pk: services.complaint_resolve(actor=user, complaint=c, note=d["note"]),
        "Mark resolved (lead agency's liaison officer)",
    ),
    "instruct": _staff_action(
        "instruct",
        s.BodyIn,
        lambda user, c, d, pk: services.complaint_instruct(actor=user, complaint=c, body=d["body"]),
        "Give an instruction (leadership)",
    ),
    "followup_draft": _staff_action(
        "followup_draft",
        s.BodyIn,
        lambda user, c, d, pk: services.followup_draft(actor=user, complaint=c, body=d["body"]),
        "Draft a follow-up (agency operator)",
    ),
}
STAFF_TARGET_ACTIONS: dict[str, type[ApiView]] = {
    "dispatch_accept": _staff_action(
        "dispatch_accept",
        s.EmptyIn,
        lambda user, c, d, pk: services.dispatch_accept(
            actor=user, dispatch=_target(c, Dispatch, pk or 0)
        ),
        "Accept a dispatch (liaison officer)",
        target=True,
    ),
    "dispatch_decline": _staff_action(
        "dispatch_decline",
        s.ReasonIn,
        lambda user, c, d, pk: services.dispatch_decline(
            actor=user, dispatch=_target(c, Dispatch, pk or 0), reason=d["reason"]
        ),
        "Decline a dispatch (liaison officer)",
        target=True,
    ),
    "followup_submit": _staff_action(
        "followup_submit",
        s.FollowUpSubmitIn,
        lambda user, c, d, pk: services.followup_submit(
            actor=user, followup=_target(c, FollowUp, pk or 0), body=d["body"]
        ),
        "Submit a follow-up draft for approval",
        target=True,
    ),
    "followup_return": _staff_action(
        "followup_return",
        s.NoteIn,
        lambda user, c, d, pk: services.followup_return(
            actor=user, followup=_target(c, FollowUp, pk or 0), note=d["note"]
        ),
        "Return a follow-up for revision (liaison officer)",
        target=True,
    ),
    "followup_approve": _staff_action(
        "followup_approve",
        s.EmptyIn,
        lambda user, c, d, pk: services.followup_approve(
            actor=user, followup=_target(c, FollowUp, pk or 0)
        ),
        "Approve and publish a follow-up (liaison officer)",
        target=True,
    ),
}


# --- webhooks -----------------------------------------------------------------------------------


class WebhookListView(ApiView):
    """The client's webhook subscriptions."""

    secret_fields = ("secret",)

    @extend_schema(summary="The client's webhook subscriptions", responses=s.WebhookOut(many=True))
    def get(self, request: Request) -> Response:
        items = WebhookSubscription.objects.filter(client=self.creds.client, is_active=True)
        return Response(s.WebhookOut(items.order_by("id"), many=True).data)

    @extend_schema(
        summary="Subscribe to status changes of the client's complaints",
        request=s.WebhookIn,
        responses={201: s.WebhookCreatedOut},
        parameters=[IDEMPOTENCY_HEADER, LANGUAGE_HEADER],
    )
    def post(self, request: Request) -> Response:
        def run() -> Response:
            data = parse(s.WebhookIn, request.data)
            subscription = webhook_subscribe(
                client=self.creds.client, url=data["url"], events=data["events"]
            )
            return Response(s.WebhookCreatedOut(subscription).data, status=status.HTTP_201_CREATED)

        return self.idempotent(run)


class WebhookDetailView(ApiView):
    """One of the client's webhook subscriptions."""

    @extend_schema(summary="Unsubscribe", responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        subscription = first_or_404(
            WebhookSubscription.objects.filter(client=self.creds.client, is_active=True),
            pk=_number(pk),
        )
        webhook_unsubscribe(subscription=subscription)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
