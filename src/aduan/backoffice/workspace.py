"""The complaint workspace (/staf/aduan/<tracking-id>/): everything staff may know about one
complaint, and every lifecycle action they may take now, each a form that calls one service.

POST → service → success message and redirect (PRG); or the workspace again with the form's
error and the status ``http_status_for`` gives (400, 409, 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from aduan.accounts.models import Role
from aduan.agencies.models import Agency
from aduan.backoffice import forms as action_forms
from aduan.backoffice.access import menu_context, staff_page
from aduan.complaints import policies, selectors, services
from aduan.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    Dispatch,
    FollowUp,
    Status,
)
from aduan.complaints.services import FOLLOWUP_STATES, Identity
from aduan.core.errors import DomainError, PermissionDenied
from aduan.core.once import applied_once
from aduan.core.web import add_form_error, http_status_for
from aduan.knowledge.selectors import templates_for_complaint

VERIFYING = (Status.SUBMITTED, Status.ON_HOLD)


@dataclass
class Panel:
    """One action form as the workspace shows it."""

    key: str
    title: str | Promise
    form: forms.Form
    url: str
    submit: str | Promise
    danger: bool = False
    quote: str = ""
    multipart: bool = False
    open: bool = False  # shown unfolded (the form was just posted or filled in)


@dataclass
class Workspace:
    """One complaint as ``request.user`` may see and work on it."""

    request: HttpRequest
    complaint: Complaint
    dispatches: list[Dispatch] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)

    @classmethod
    def load(cls, request: HttpRequest, tracking_id: str) -> Workspace:
        try:
            complaint = selectors.complaint_get(request.user, tracking_id, as_staff=True)
        except PermissionDenied:
            raise Http404 from None
        workspace = cls(request, complaint)
        workspace.dispatches = list(
            complaint.dispatches.select_related("agency").order_by("dispatched_at", "id")
        )
        for hop in workspace.dispatches:
            hop.complaint = complaint  # the policies read the complaint's flags from the hop
        hops = {hop.pk: hop for hop in workspace.dispatches}
        workspace.followups = list(
            complaint.followups.select_related("author", "reviewed_by").order_by("created_at", "id")
        )
        for followup in workspace.followups:
            followup.complaint = complaint
            followup.dispatch = hops[followup.dispatch_id]
        return workspace

    # --- who may do what -------------------------------------------------------------------

    @property
    def user(self) -> Any:
        return self.request.user

    @property
    def roles(self) -> policies.StaffRoles:
        return policies.staff_roles(self.user)

    @property
    def coordinator(self) -> bool:
        return policies.acts_as_coordinator(self.user, self.complaint)

    def my_hops(self, *, approve: bool = False) -> list[Dispatch]:
        """Hops the user works on (as ``policies.dispatches_for``), lead first."""
        mine = [
            d for d in self.dispatches if policies.acts_for_dispatch(self.user, d, approve=approve)
        ]
        return sorted(mine, key=lambda d: d.role != Dispatch.Role.LEAD)

    def lead_hop(self) -> Dispatch | None:
        for hop in self.dispatches:
            if hop.role == Dispatch.Role.LEAD and hop.state in Dispatch.ACTIVE_STATES:
                return hop
        return None

    def visible_followups(self) -> list[tuple[int, FollowUp]]:
        """Published follow-ups for everyone; drafts for their agency (also those written on an
        earlier dispatch to it that ended), coordinators and leadership. Each with its number on
        the complaint (1, 2, 3 in the order they were written, hidden drafts counted, so a
        follow-up keeps its number for every reader)."""
        mine = {hop.agency_id for hop in self.my_hops()}
        insider = self.coordinator or self.roles.has(Role.LEADERSHIP)
        return [
            (number, f)
            for number, f in enumerate(self.followups, start=1)
            if f.state == FollowUp.State.PUBLISHED or insider or f.dispatch.agency_id in mine
        ]

    def url(self, slug: str, target: int | None = None) -> str:
        args: list[Any] = [self.complaint.tracking_id, slug]
        if target is not None:
            args.append(target)
            return reverse("backoffice:complaint_target_action", args=args)
        return reverse("backoffice:complaint_action", args=args)

    def canned(self) -> list[Any]:
        """Canned responses for the follow-up form, placeholders filled in (aduan.knowledge)."""
        return templates_for_complaint(self.user, self.complaint, self.my_hops())

    def dispatch_initial(self) -> dict[str, Any]:
        """The suggested lead agency: the Inspectorate for a report about misconduct (the only
        lead it may have), else the routing suggestion when the coordinator chose "use this
        suggestion" (``?rute=1``, aduan.routing), else the category's default agency."""
        if self.complaint.is_supervisory:
            inspectorate = self.inspectorate
            return {"lead_agency": inspectorate.pk} if inspectorate else {}
        if self.request.GET.get("rute"):
            from aduan.routing.selectors import dispatch_prefill

            if prefill := dispatch_prefill(self.user, self.complaint):
                return prefill
        category = self.complaint.category
        if category is not None and category.default_agency_id is not None:
            return {"lead_agency": category.default_agency_id}
        return {}

    @cached_property
    def inspectorate(self) -> Agency | None:
        """Read once per page: the dispatch form and the suggestion above it both need it."""
        return Agency.objects.filter(kind=Agency.Kind.INSPECTORATE, is_active=True).first()

    def suggestions(self) -> list[tuple[Agency, Promise]]:
        """The lead agency the dispatch form starts from, and why (shown above the form)."""
        if self.complaint.is_supervisory:
            inspectorate = self.inspectorate
            why = _("reports about misconduct of officials go to the Inspectorate")
            return [(inspectorate, why)] if inspectorate else []
        category = self.complaint.category
        if category is not None and category.default_agency is not None:
            return [(category.default_agency, _("the category's default agency"))]
        return []

    def panels(self, bound: dict[str, forms.Form], *, identity_hidden: bool) -> list[Panel]:
        """Every action the user may take now, as a form (``bound`` replaces the blank ones)."""
        complaint, status = self.complaint, self.complaint.status
        panels: list[Panel] = []

        def add(
            key: str,
            slug: str,
            title: str | Promise,
            make: Callable[..., forms.Form],
            submit: str | Promise,
            *,
            target: int | None = None,
            initial: dict[str, Any] | None = None,
            **options: Any,
        ) -> None:
            form = bound.get(key) or make(prefix=key, initial=initial or {})
            url = self.url(slug, target)
            panels.append(Panel(key, title, form, url, submit, open=key in bound, **options))

        if self.coordinator and status == Status.SUBMITTED:
            add(
                "dispatch",
                "disposisi",
                _("Verify and dispatch"),
                lambda **kw: action_forms.DispatchForm(complaint=complaint, **kw),
                _("Dispatch"),
                initial=self.dispatch_initial(),
            )
            add("hold", "tunda", _("Put on hold"), action_forms.HoldForm, _("Put on hold"))
        if self.coordinator and status in VERIFYING:
            add(
                "archive",
                "arsipkan",
                _("Archive"),
                action_forms.ArchiveForm,
                _("Archive"),
                danger=True,
            )
            add(
                "transfer",
                "alihkan",
                _("Transfer to another instansi"),
                action_forms.TransferForm,
                _("Transfer"),
            )
            add(
                "merge",
                "gabungkan",
                _("Merge into another complaint"),
                action_forms.MergeForm,
                _("Merge"),
            )
            add(
                "privacy",
                "privasi",
                _("Protection"),
                lambda **kw: action_forms.PrivacyForm(complaint=complaint, **kw),
                _("Save protection"),
            )
        if identity_hidden and policies.can_reveal_identity(self.user, complaint):
            add(
                "reveal",
                "buka-identitas",
                _("Reveal the reporter's identity"),
                action_forms.RevealForm,
                _("Reveal identity"),
                danger=True,
            )
        for hop in self.my_hops(approve=True):
            if hop.state != Dispatch.State.PENDING:
                continue
            answerable = status in services.answerable_statuses(hop)
            if answerable:
                add(
                    f"accept-{hop.pk}",
                    "terima",
                    _("Accept the dispatch to %(agency)s") % {"agency": hop.agency},
                    action_forms.AcceptForm,
                    _("Accept"),
                    target=hop.pk,
                )
            lead = hop.role == Dispatch.Role.LEAD
            if (lead and status == Status.DISPATCHED) or (not lead and answerable):
                add(
                    f"decline-{hop.pk}",
                    "tolak",
                    _("Decline the dispatch to %(agency)s") % {"agency": hop.agency},
                    action_forms.DeclineForm,
                    _("Decline"),
                    target=hop.pk,
                    danger=True,
                )
        if status in FOLLOWUP_STATES and self.my_hops():
            canned = self.canned()
            add(
                "draft",
                "tindak-lanjut",
                _("Draft a follow-up"),
                lambda **kw: action_forms.DraftFollowUpForm(canned=canned, **kw),
                _("Save draft"),
            )
        if status in FOLLOWUP_STATES:
            for number, followup in enumerate(self.followups, start=1):
                hop = followup.dispatch
                if followup.state in (
                    FollowUp.State.DRAFT,
                    FollowUp.State.RETURNED,
                ) and policies.acts_for_dispatch(self.user, hop):
                    add(
                        f"submit-{followup.pk}",
                        "kirim",
                        _("Submit follow-up #%(number)s for approval") % {"number": number},
                        action_forms.SubmitFollowUpForm,
                        _("Submit for approval"),
                        target=followup.pk,
                        initial={"body": followup.body},
                    )
                if followup.state == FollowUp.State.PENDING and policies.acts_for_dispatch(
                    self.user, hop, approve=True
                ):
                    add(
                        f"approve-{followup.pk}",
                        "setujui",
                        _("Approve and publish follow-up #%(number)s") % {"number": number},
                        action_forms.ApproveFollowUpForm,
                        _("Approve and publish"),
                        target=followup.pk,
                        quote=followup.body,
                    )
                    add(
                        f"return-{followup.pk}",
                        "kembalikan",
                        _("Return follow-up #%(number)s for revision") % {"number": number},
                        action_forms.ReturnFollowUpForm,
                        _("Return for revision"),
                        target=followup.pk,
                        quote=followup.body,
                    )
        lead_hop = self.lead_hop()
        if (
            status == Status.IN_PROGRESS
            and lead_hop is not None
            and policies.acts_for_dispatch(self.user, lead_hop, approve=True)
            # Reopened: the new follow-up comes first (the service refuses otherwise).
            and not services.new_followup_owed(self.complaint, lead_hop)
        ):
            add(
                "resolve",
                "selesaikan",
                _("Mark resolved"),
                action_forms.ResolveForm,
                _("Mark resolved"),
            )
        if self.coordinator or self.roles.has(Role.LEADERSHIP) or self.my_hops():
            add("note", "catatan", _("Add an internal note"), action_forms.NoteForm, _("Add note"))
        if (self.coordinator or self.my_hops()) and status in OPEN_STATUSES:
            add(
                "attach",
                "lampiran",
                _("Add an attachment"),
                action_forms.AttachmentForm,
                _("Upload"),
                multipart=True,
            )
        if self.roles.has(Role.LEADERSHIP):
            add(
                "instruct",
                "arahan",
                _("Give an instruction"),
                action_forms.InstructForm,
                _("Send instruction"),
            )
        return panels

    # --- answers ---------------------------------------------------------------------------

    def render(
        self,
        *,
        bound: dict[str, forms.Form] | None = None,
        status: int = 200,
        revealed: Identity | None = None,
    ) -> HttpResponse:
        bound = bound or {}
        complaint = self.complaint
        identity = revealed or selectors.reporter_identity(self.user, complaint)
        panels = self.panels(bound, identity_hidden=identity is None)
        shown = {panel.key for panel in panels}
        # A refused action whose form is no longer offered (e.g. the state moved on): its error
        # is shown at the top.
        refused = [
            error
            for key, form in bound.items()
            if key not in shown
            for error in form.non_field_errors()
        ]
        errors = [panel for panel in panels if panel.form.is_bound and panel.form.errors]
        draft_panel = next((p for p in panels if p.key == "draft"), None)
        canned_bodies = {}
        if draft_panel is not None:
            canned_bodies = {
                key: c.body for key, c in getattr(draft_panel.form, "canned_responses", {}).items()
            }
        context = {
            "complaint": complaint,
            "dispatches": self.dispatches,
            "clocks": list(selectors.open_clocks(complaint).select_related("dispatch__agency")),
            "identity": identity,
            "revealed": revealed is not None,
            "answers": selectors.complaint_answers(complaint),
            "attachments": list(complaint.attachments.select_related("uploaded_by")),
            "notes": list(complaint.notes.select_related("author")),
            "instructions": list(complaint.instructions.select_related("author")),
            "replies": list(complaint.replies.all()),
            "followups": self.visible_followups(),
            "timeline": selectors.with_agency_names(
                selectors.complaint_timeline(self.user, complaint)
            ),
            "panels": panels,
            "refused": refused,
            "error_panels": errors,
            "suggestions": self.suggestions() if "dispatch" in shown else [],
            "canned_bodies": canned_bodies,
            **menu_context(self.request),
        }
        response = render(self.request, "backoffice/complaint.html", context, status=status)
        if revealed is not None:
            response["Cache-Control"] = "no-store"
        return response

    def done(self, message: Any) -> HttpResponse:
        """Success: say so, and go back to the workspace if the user still sees it (a declined
        dispatch takes it away from the agency), else to the start page."""
        messages.success(self.request, message)
        if policies.can_see(self.user, self.complaint):
            return redirect("backoffice:complaint", tracking_id=self.complaint.tracking_id)
        return redirect("backoffice:home")

    def run(
        self, key: str, form: forms.Form, call: Callable[[dict[str, Any]], str | Promise]
    ) -> HttpResponse:
        """Validate ``form``, call the service through ``call``; answer PRG or with the error.
        A form sent once (``core.once``) that was sent before changes nothing the second time."""
        if not form.is_valid():
            return self.render(bound={key: form}, status=400)
        try:
            with applied_once(form) as first:
                if not first:
                    messages.info(self.request, _("This form was sent twice; it was saved once."))
                    return redirect("backoffice:complaint", tracking_id=self.complaint.tracking_id)
                message = call(form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.render(bound={key: form}, status=http_status_for(error))
        return self.done(message)


# --- views ---------------------------------------------------------------------------------


@require_safe
@staff_page()
def complaint(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """The workspace of one complaint (404 when the user may not see it)."""
    return Workspace.load(request, tracking_id).render()


def _data(request: HttpRequest, key: str) -> dict[str, Any]:
    return {"data": request.POST, "files": request.FILES, "prefix": key}


def _dispatch(ws: Workspace, request: HttpRequest) -> HttpResponse:
    form = action_forms.DispatchForm(complaint=ws.complaint, **_data(request, "dispatch"))

    def call(data: dict[str, Any]) -> str:
        services.complaint_dispatch(
            actor=ws.user,
            complaint=ws.complaint,
            lead_agency=data["lead_agency"],
            supporting_agencies=list(data["supporting_agencies"]),
            note=data["note"],
            category=data["category"],
            **form.flags(),
        )
        return _("Dispatched to %(agency)s.") % {"agency": data["lead_agency"]}

    return ws.run("dispatch", form, call)


def _hold(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> Promise:
        services.complaint_hold(actor=ws.user, complaint=ws.complaint, reason=data["reason"])
        return _("The complaint is on hold; the reporter was asked to complete it.")

    return ws.run("hold", action_forms.HoldForm(**_data(request, "hold")), call)


def _archive(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> Promise:
        services.complaint_archive(
            actor=ws.user, complaint=ws.complaint, reason=data["reason"], note=data["note"]
        )
        return _("The complaint was archived.")

    return ws.run("archive", action_forms.ArchiveForm(**_data(request, "archive")), call)


def _transfer(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> str:
        services.complaint_transfer(
            actor=ws.user, complaint=ws.complaint, target=data["target"], note=data["note"]
        )
        return _("The complaint was transferred to %(target)s.") % {"target": data["target"]}

    return ws.run("transfer", action_forms.TransferForm(**_data(request, "transfer")), call)


class _FormInvalid(Exception):
    """The form found a problem after validation (e.g. an unknown tracking ID)."""


def _merge(ws: Workspace, request: HttpRequest) -> HttpResponse:
    form = action_forms.MergeForm(**_data(request, "merge"))

    def call(data: dict[str, Any]) -> str:
        try:
            into = selectors.complaint_get(ws.user, data["into"])
        except PermissionDenied as error:
            form.add_error("into", str(error))
            raise _FormInvalid from None
        services.complaint_merge(
            actor=ws.user, duplicate=ws.complaint, into=into, note=data["note"]
        )
        return _("Merged into %(tracking_id)s.") % {"tracking_id": into.tracking_id}

    try:
        return ws.run("merge", form, call)
    except _FormInvalid:
        return ws.render(bound={"merge": form}, status=400)


def _privacy(ws: Workspace, request: HttpRequest) -> HttpResponse:
    form = action_forms.PrivacyForm(complaint=ws.complaint, **_data(request, "privacy"))

    def call(data: dict[str, Any]) -> Promise:
        services.complaint_set_privacy(actor=ws.user, complaint=ws.complaint, **form.flags())
        return _("The protection was saved.")

    return ws.run("privacy", form, call)


def _reveal(ws: Workspace, request: HttpRequest) -> HttpResponse:
    """Shown once: the identity is rendered in this answer, never stored in the session."""
    form = action_forms.RevealForm(**_data(request, "reveal"))
    if not form.is_valid():
        return ws.render(bound={"reveal": form}, status=400)
    try:
        identity = services.complaint_reveal_identity(
            actor=ws.user, complaint=ws.complaint, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        add_form_error(form, error)
        return ws.render(bound={"reveal": form}, status=http_status_for(error))
    return ws.render(revealed=identity)


def _hop(ws: Workspace, target: int | None) -> Dispatch:
    for hop in ws.dispatches:
        if hop.pk == target:
            return hop
    raise Http404


def _followup(ws: Workspace, target: int | None) -> FollowUp:
    for followup in ws.followups:
        if followup.pk == target:
            return followup
    raise Http404


def _accept(ws: Workspace, request: HttpRequest, target: int | None) -> HttpResponse:
    hop = _hop(ws, target)
    key = f"accept-{hop.pk}"

    def call(data: dict[str, Any]) -> str:
        services.dispatch_accept(actor=ws.user, dispatch=hop)
        return _("The dispatch to %(agency)s was accepted.") % {"agency": hop.agency}

    return ws.run(key, action_forms.AcceptForm(**_data(request, key)), call)


def _decline(ws: Workspace, request: HttpRequest, target: int | None) -> HttpResponse:
    hop = _hop(ws, target)
    key = f"decline-{hop.pk}"

    def call(data: dict[str, Any]) -> str:
        services.dispatch_decline(actor=ws.user, dispatch=hop, reason=data["reason"])
        return _("The dispatch to %(agency)s was declined.") % {"agency": hop.agency}

    return ws.run(key, action_forms.DeclineForm(**_data(request, key)), call)


def _draft(ws: Workspace, request: HttpRequest) -> HttpResponse:
    canned = ws.canned()
    form = action_forms.DraftFollowUpForm(canned=canned, **_data(request, "draft"))
    if "use_canned" in request.POST:
        # Without JavaScript: the "use" button fills the text with the chosen canned response.
        chosen = form.chosen_canned()
        if chosen is None:
            form.is_valid()
            field = "canned" if "canned" in form.fields else None  # none offered at all
            form.add_error(field, _("Choose a canned response first."))
            return ws.render(bound={"draft": form}, status=400)
        filled = action_forms.DraftFollowUpForm(
            canned=canned, prefix="draft", initial={"canned": str(chosen.pk), "body": chosen.body}
        )
        return ws.render(bound={"draft": filled})

    def call(data: dict[str, Any]) -> Promise:
        # The choice is a validated pk of one offered canned response, or "" (none).
        chosen = data.get("canned")
        services.followup_draft(
            actor=ws.user,
            complaint=ws.complaint,
            body=data["body"],
            response_template_id=int(chosen) if chosen else None,
        )
        return _("The follow-up draft was saved. Submit it for approval when it is ready.")

    return ws.run("draft", form, call)


def _submit(ws: Workspace, request: HttpRequest, target: int | None) -> HttpResponse:
    followup = _followup(ws, target)
    key = f"submit-{followup.pk}"

    def call(data: dict[str, Any]) -> Promise:
        services.followup_submit(actor=ws.user, followup=followup, body=data["body"])
        return _("The follow-up was sent for approval.")

    return ws.run(key, action_forms.SubmitFollowUpForm(**_data(request, key)), call)


def _approve(ws: Workspace, request: HttpRequest, target: int | None) -> HttpResponse:
    followup = _followup(ws, target)
    key = f"approve-{followup.pk}"

    def call(data: dict[str, Any]) -> Promise:
        services.followup_approve(actor=ws.user, followup=followup)
        return _("The follow-up was approved and published to the reporter.")

    return ws.run(key, action_forms.ApproveFollowUpForm(**_data(request, key)), call)


def _return(ws: Workspace, request: HttpRequest, target: int | None) -> HttpResponse:
    followup = _followup(ws, target)
    key = f"return-{followup.pk}"

    def call(data: dict[str, Any]) -> Promise:
        services.followup_return(actor=ws.user, followup=followup, note=data["note"])
        return _("The follow-up was returned for revision.")

    return ws.run(key, action_forms.ReturnFollowUpForm(**_data(request, key)), call)


def _resolve(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> Promise:
        services.complaint_resolve(actor=ws.user, complaint=ws.complaint, note=data["note"])
        return _("The complaint is marked resolved; the reporter has time to respond.")

    return ws.run("resolve", action_forms.ResolveForm(**_data(request, "resolve")), call)


def _note(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> Promise:
        services.note_add(actor=ws.user, complaint=ws.complaint, body=data["body"])
        return _("The internal note was added.")

    return ws.run("note", action_forms.NoteForm(**_data(request, "note")), call)


def _attach(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> str:
        item = services.attachment_add(
            actor=ws.user, complaint=ws.complaint, upload=data["file"], internal=data["internal"]
        )
        return _("“%(name)s” was attached.") % {"name": item.original_name}

    return ws.run("attach", action_forms.AttachmentForm(**_data(request, "attach")), call)


def _instruct(ws: Workspace, request: HttpRequest) -> HttpResponse:
    def call(data: dict[str, Any]) -> Promise:
        services.complaint_instruct(actor=ws.user, complaint=ws.complaint, body=data["body"])
        return _("The instruction was sent.")

    return ws.run("instruct", action_forms.InstructForm(**_data(request, "instruct")), call)


# URL slug (Bahasa Indonesia) → handler.
ACTIONS: dict[str, Callable[[Workspace, HttpRequest], HttpResponse]] = {
    "disposisi": _dispatch,
    "tunda": _hold,
    "arsipkan": _archive,
    "alihkan": _transfer,
    "gabungkan": _merge,
    "privasi": _privacy,
    "buka-identitas": _reveal,
    "tindak-lanjut": _draft,
    "selesaikan": _resolve,
    "catatan": _note,
    "lampiran": _attach,
    "arahan": _instruct,
}
# Actions on one dispatch or follow-up of the complaint (its id in the URL).
TARGET_ACTIONS: dict[str, Callable[[Workspace, HttpRequest, int | None], HttpResponse]] = {
    "terima": _accept,
    "tolak": _decline,
    "kirim": _submit,
    "setujui": _approve,
    "kembalikan": _return,
}


@require_POST
@staff_page()
def complaint_action(request: HttpRequest, tracking_id: str, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    return handler(Workspace.load(request, tracking_id), request)


@require_POST
@staff_page()
def complaint_target_action(
    request: HttpRequest, tracking_id: str, action: str, target: int
) -> HttpResponse:
    handler = TARGET_ACTIONS.get(action)
    if handler is None:
        raise Http404
    return handler(Workspace.load(request, tracking_id), request, target)
