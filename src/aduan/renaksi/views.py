"""Back-office pages of the action plan (/staf/renaksi/).

Thin: reads come from ``aduan.renaksi.selectors``, every change goes through
``aduan.renaksi.services`` (which check the permission again and write the audit event).

Who sees what: leadership, system administrators and monitors see the progress page, each
activity (with internal notes and evidence) and the PDF report; only system administrators
change anything. Everyone else gets 403, guests the sign-in page; the two-factor step is
enforced before this by ``StaffSecurityMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial, wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aduan.backoffice.access import forbidden, menu_context, staff_page
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.errors import DomainError
from aduan.core.once import applied_once
from aduan.core.web import private_file_response
from aduan.renaksi import report, selectors, services
from aduan.renaksi.forms import (
    ActivityForm,
    AssessmentForm,
    AssessmentYearForm,
    EvidenceForm,
    IndicatorForm,
    PlanYearForm,
    ProgramForm,
    YearStatusForm,
)
from aduan.renaksi.models import (
    Activity,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    Program,
)

View = Callable[..., HttpResponseBase]
FormT = TypeVar("FormT", bound=forms.Form)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    return response


def viewers(view: View) -> View:
    """Leadership, administrators and monitors (403 for other staff)."""

    @staff_page(works=False)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not services.may_view_progress(request.user):
            return forbidden(request)
        return _private(view(request, *args, **kwargs))

    return wrapped


def editors(view: View) -> View:
    """System administrators only (403 for other staff)."""

    @staff_page(works=False)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not services.may_edit_plan(request.user):
            return forbidden(request)
        return _private(view(request, *args, **kwargs))

    return wrapped


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        **menu_context(request, "renaksi"),
        "may_edit": services.may_edit_plan(request.user),
        "sees_editors": services.sees_editors(request.user),
        **extra,
    }


# --- reading -------------------------------------------------------------------------------


@require_safe
@viewers
def progress(request: HttpRequest) -> HttpResponse:
    """Per aspect and year: activities done / in progress / planned, % done; the
    self-assessment scores side by side with the priority order and reasons; every activity."""
    overview = selectors.plan_overview()
    return render(request, "renaksi/progress.html", _context(request, overview=overview))


@require_safe
@viewers
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The progress report as a PDF (in Bahasa Indonesia, like the periodic reports)."""
    overview = selectors.plan_overview()
    today = local_date(clock.now())
    response = HttpResponse(
        report.progress_pdf(overview, today=today), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{report.filename(today)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _activity_page(
    request: HttpRequest,
    activity: Activity,
    *,
    bound: dict[tuple[str, int], Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The activity with its years; for administrators a status form and an evidence form per
    year (``bound`` replaces the form of one year after a refused POST)."""
    bound = bound or {}
    years = []
    for row in activity.years.all():
        status_form = bound.get(("status", row.year)) or YearStatusForm(
            initial={"status": row.status, "note": row.note}, prefix=f"y{row.year}"
        )
        evidence_form = bound.get(("evidence", row.year)) or EvidenceForm(prefix=f"e{row.year}")
        years.append({"row": row, "status_form": status_form, "evidence_form": evidence_form})
    context = _context(request, activity=activity, years=years)
    return render(request, "renaksi/activity.html", context, status=status)


@require_safe
@viewers
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _activity_page(request, selectors.activity_detail(pk))


@require_safe
@viewers
def evidence_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An evidence file, to the people who may see the progress (MEDIA_ROOT is never public)."""
    item = get_object_or_404(Evidence, pk=pk)
    if not item.file:
        raise Http404
    return private_file_response(item)


# --- changing ------------------------------------------------------------------------------


def _year_row(activity_pk: int, year: int) -> ActivityYear:
    return get_object_or_404(
        ActivityYear.objects.select_related("activity"), activity_id=activity_pk, year=year
    )


@require_POST
@editors
def activity_year_update(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    row = _year_row(pk, year)
    form = YearStatusForm(request.POST, prefix=f"y{year}")
    if form.is_valid():
        try:
            services.activity_year_update(
                actor=request.user,
                activity_year=row,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(code)s in %(year)s saved.") % {"code": row.activity.code, "year": year},
            )
            return redirect(reverse("renaksi:activity", args=[pk]) + f"#tahun-{year}")
    activity = selectors.activity_detail(pk)
    return _activity_page(request, activity, bound={("status", year): form}, status=400)


@require_POST
@editors
def evidence_add(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    row = _year_row(pk, year)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"e{year}")
    if form.is_valid():
        try:
            with applied_once(form) as first:
                if first:
                    services.evidence_add(
                        actor=request.user,
                        activity_year=row,
                        title=form.cleaned_data["title"],
                        url=form.cleaned_data["url"] or "",
                        upload=form.cleaned_data["file"],
                    )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Evidence added."))
            return redirect(reverse("renaksi:activity", args=[pk]) + f"#tahun-{year}")
    activity = selectors.activity_detail(pk)
    return _activity_page(request, activity, bound={("evidence", year): form}, status=400)


@require_POST
@editors
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Evidence.objects.select_related("activity_year"), pk=pk)
    row = item.activity_year
    services.evidence_remove(actor=request.user, evidence=item)
    messages.success(request, _("Evidence removed."))
    return redirect(reverse("renaksi:activity", args=[row.activity_id]) + f"#tahun-{row.year}")


def _edit_page(
    request: HttpRequest,
    *,
    form_class: Callable[..., FormT],
    initial: Callable[[], dict[str, Any]],
    save: Callable[[FormT], tuple[str, str]],
    template: str,
    **context: Any,
) -> HttpResponse:
    """An add-or-change page: on GET the form filled with ``initial()``; on POST, once the form
    accepts the input, ``save(form)`` calls the service and returns the confirmation and the
    address to go to. A refused form or a ``DomainError`` shows the page again (400)."""
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                message, url = save(form)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                return redirect(url)
        status = 400
    else:
        form = form_class(initial=initial())
        status = 200
    return render(request, template, _context(request, form=form, **context), status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@editors
def activity_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add an activity (``pk`` None) or change one."""
    activity = selectors.activity_detail(pk) if pk is not None else None
    years = selectors.plan_years()

    def initial() -> dict[str, Any]:
        if activity is not None:
            return ActivityForm.initial_for(activity)
        values: dict[str, Any] = {"years": years}
        if request.GET.get("program", "").isdigit():
            values["program"] = int(request.GET["program"])
        return values

    def save(form: ActivityForm) -> tuple[str, str]:
        data = form.cleaned_data
        saved = services.activity_save(
            actor=request.user,
            activity=activity,
            program=data["program"],
            code=data["code"],
            title=data["title"],
            description=data["description"],
            parties=form.party_inputs(),
            years=data["years"],
        )
        message = _("Activity %(code)s saved.") % {"code": saved.code}
        return message, reverse("renaksi:activity", kwargs={"pk": saved.pk})

    return _edit_page(
        request,
        form_class=partial(ActivityForm, plan_years=years),
        initial=initial,
        save=save,
        template="renaksi/activity_form.html",
        activity=activity,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@editors
def program_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a program (``pk`` None) or change one."""
    program = get_object_or_404(Program.objects.select_related("group"), pk=pk) if pk else None

    def initial() -> dict[str, Any]:
        if program is None:
            return {}
        return {
            "group": program.group_id,
            "code": program.code,
            "title": program.title,
            "description": program.description,
        }

    def save(form: ProgramForm) -> tuple[str, str]:
        data = form.cleaned_data
        saved = services.program_save(
            actor=request.user,
            program=program,
            group=data["group"],
            code=data["code"],
            title=data["title"],
            description=data["description"],
        )
        message = _("Program %(code)s saved.") % {"code": saved.code}
        return message, reverse("renaksi:progress") + "#kegiatan"

    return _edit_page(
        request,
        form_class=ProgramForm,
        initial=initial,
        save=save,
        template="renaksi/program_form.html",
        program=program,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@editors
def indicator_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add an indicator of the self-assessment matrix (``pk`` None) or change one."""
    indicator = get_object_or_404(AssessmentIndicator, pk=pk) if pk else None

    def initial() -> dict[str, Any]:
        if indicator is None:
            return {"is_active": True}
        return {
            "aspect": indicator.aspect_id,
            "code": indicator.code,
            "title": indicator.title,
            "description": indicator.description,
            "is_active": indicator.is_active,
        }

    def save(form: IndicatorForm) -> tuple[str, str]:
        data = form.cleaned_data
        saved = services.indicator_save(
            actor=request.user,
            indicator=indicator,
            aspect=data["aspect"],
            code=data["code"],
            title=data["title"],
            description=data["description"],
            is_active=data["is_active"],
        )
        message = _("Indicator %(code)s saved.") % {"code": saved.code}
        return message, reverse("renaksi:progress") + "#asesmen"

    return _edit_page(
        request,
        form_class=IndicatorForm,
        initial=initial,
        save=save,
        template="renaksi/indicator_form.html",
        indicator=indicator,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@editors
def year_add(request: HttpRequest) -> HttpResponse:
    """Add a year to the plan (e.g. 2025) with the activities planned in it."""
    years = selectors.plan_years()

    def initial() -> dict[str, Any]:
        return {
            "year": (years[-1] + 1) if years else local_date(clock.now()).year,
            "activities": list(Activity.objects.values_list("pk", flat=True)),
        }

    def save(form: PlanYearForm) -> tuple[str, str]:
        year = form.cleaned_data["year"]
        services.plan_year_add(
            actor=request.user, year=year, activities=list(form.cleaned_data["activities"])
        )
        return _("%(year)s added to the plan.") % {"year": year}, reverse("renaksi:progress")

    return _edit_page(
        request,
        form_class=PlanYearForm,
        initial=initial,
        save=save,
        template="renaksi/year_form.html",
        plan_years=years,
    )


def _assessment_initial(
    year: int, indicators: list[AssessmentIndicator], aspects: list[Aspect]
) -> dict[str, Any]:
    """What is recorded for ``year``; without priorities, the aspects ranked by that year's
    score (lowest first, the plan's rule), ties in the plan's order."""
    initial: dict[str, Any] = {}
    scores = {
        row.indicator_id: row
        for row in AssessmentScore.objects.filter(year=year, indicator__in=indicators)
    }
    for indicator in indicators:
        row = scores.get(indicator.pk)
        if row is not None:
            initial[f"score_{indicator.pk}"] = row.score
            initial[f"note_{indicator.pk}"] = row.note
    priorities = {row.aspect_id: row for row in AspectPriority.objects.filter(year=year)}
    for aspect in aspects:
        recorded = priorities.get(aspect.pk)
        if recorded is not None:
            initial[f"rank_{aspect.pk}"] = str(recorded.rank)
            initial[f"reason_{aspect.pk}"] = recorded.reason
    if not priorities and scores:
        per_aspect: dict[int, list[Decimal]] = {}
        for indicator in indicators:
            if indicator.pk in scores:
                per_aspect.setdefault(indicator.aspect_id, []).append(scores[indicator.pk].score)
        means = {
            aspect_id: selectors.mean_score(values) for aspect_id, values in per_aspect.items()
        }
        ranked = sorted(
            (aspect for aspect in aspects if means.get(aspect.pk) is not None),
            key=lambda aspect: (means[aspect.pk], aspect.number),
        )
        for rank, aspect in enumerate(ranked, start=1):
            initial[f"rank_{aspect.pk}"] = str(rank)
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@editors
def assessment(request: HttpRequest) -> HttpResponse:
    """Enter (or correct) the self-assessment of a year: ``?tahun=YYYY`` picks the year."""
    year_form = AssessmentYearForm({"tahun": request.GET.get("tahun", "")})
    if not year_form.is_valid():
        today = local_date(clock.now())
        context = _context(
            request, year_form=AssessmentYearForm(initial={"tahun": today.year}), form=None
        )
        status = 400 if ("tahun" in request.GET or request.method == "POST") else 200
        return render(request, "renaksi/assessment_form.html", context, status=status)
    year = year_form.cleaned_data["tahun"]
    aspects = list(Aspect.objects.all())
    scored = set(AssessmentScore.objects.filter(year=year).values_list("indicator_id", flat=True))
    indicators = [
        indicator
        for indicator in AssessmentIndicator.objects.select_related("aspect")
        if indicator.is_active or indicator.pk in scored
    ]
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST, indicators=indicators, aspects=aspects)
        if form.is_valid():
            try:
                changed = services.assessment_set(
                    actor=request.user,
                    year=year,
                    scores=form.score_inputs(),
                    priorities=form.priority_inputs(),
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                if changed:
                    messages.success(request, _("Self-assessment %(year)s saved.") % {"year": year})
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect(reverse("renaksi:progress") + "#asesmen")
        status = 400
    else:
        form = AssessmentForm(
            initial=_assessment_initial(year, indicators, aspects),
            indicators=indicators,
            aspects=aspects,
        )
    context = _context(request, year_form=year_form, form=form, year=year)
    return render(request, "renaksi/assessment_form.html", context, status=status)
