"""Reads of the action plan: the progress page, its report and the public summary.

``plan_overview`` reads the whole plan in a fixed number of queries (eleven, whatever the number
of activities and years): the plan is small (the packaged one has 23 activities over 4 years) and
every page shows all of it, so the counts are made in Python from the rows already read instead
of one GROUP BY per table cell. ``public=True`` reads only what the public page may show: no
internal notes, no evidence, no names of officers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from aduan.renaksi.models import (
    ActionPlan,
    Activity,
    ActivityParty,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    PlanYear,
    Program,
    ProgramGroup,
)


@dataclass
class StatusCounts:
    """How many activities of a year (of an aspect, or of the plan) stand where."""

    year: int
    planned: int = 0
    in_progress: int = 0
    done: int = 0
    not_done: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def total(self) -> int:
        return self.planned + self.in_progress + self.done + self.not_done

    @property
    def done_percent(self) -> float | None:
        """Share of the year's activities done (None when none is planned that year)."""
        return 100.0 * self.done / self.total if self.total else None


@dataclass
class ActivityRow:
    """An activity with its parties and, per plan year, its row (None: not planned then)."""

    activity: Activity
    parties: list[ActivityParty]
    cells: list[ActivityYear | None]


@dataclass
class ProgramBlock:
    program: Program
    rows: list[ActivityRow] = field(default_factory=list)


@dataclass
class GroupBlock:
    group: ProgramGroup
    programs: list[ProgramBlock] = field(default_factory=list)


@dataclass
class ScoreCell:
    """An aspect's (or indicator's) self-assessment in one year."""

    year: int
    score: Decimal | None = None
    change: Decimal | None = None  # against the previous assessed year
    rank: int | None = None
    reason: str = ""
    note: str = ""  # an indicator's note (back office only)


@dataclass
class IndicatorRow:
    indicator: AssessmentIndicator
    cells: list[ScoreCell]


@dataclass
class AspectView:
    """An aspect with its programs and activities, its progress per plan year and its
    self-assessment per assessed year."""

    aspect: Aspect
    groups: list[GroupBlock]
    progress: list[StatusCounts]
    assessment: list[ScoreCell]
    indicators: list[IndicatorRow]

    @property
    def activity_count(self) -> int:
        return sum(len(p.rows) for g in self.groups for p in g.programs)


@dataclass
class PriorityEntry:
    rank: int
    aspect: Aspect
    score: Decimal | None
    reason: str


@dataclass
class Overview:
    """The whole plan as the pages show it."""

    plan: ActionPlan | None
    years: list[int]  # plan years (progress columns)
    assessment_years: list[int]  # years with a self-assessment (score columns)
    aspects: list[AspectView]
    totals: list[StatusCounts]

    @property
    def activity_count(self) -> int:
        return sum(view.activity_count for view in self.aspects)

    @property
    def latest_assessment_year(self) -> int | None:
        return self.assessment_years[-1] if self.assessment_years else None

    def priority_order(self, year: int | None = None) -> list[PriorityEntry]:
        """The aspects in the priority order of ``year`` (default: the latest assessed)."""
        year = year if year is not None else self.latest_assessment_year
        if year is None or year not in self.assessment_years:
            return []
        index = self.assessment_years.index(year)
        entries = [
            PriorityEntry(
                view.assessment[index].rank or 0,
                view.aspect,
                view.assessment[index].score,
                view.assessment[index].reason,
            )
            for view in self.aspects
            if view.assessment[index].rank is not None
        ]
        return sorted(entries, key=lambda entry: (entry.rank, entry.aspect.number))

    @property
    def priority_orders(self) -> list[tuple[int, list[PriorityEntry]]]:
        """Every assessed year's priority order, newest first."""
        orders = [(year, self.priority_order(year)) for year in reversed(self.assessment_years)]
        return [(year, order) for year, order in orders if order]


def mean_score(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def plan_years() -> list[int]:
    return list(PlanYear.objects.order_by("year").values_list("year", flat=True))


def _years_queryset(public: bool) -> QuerySet[ActivityYear]:
    if public:
        # Nothing internal leaves the database for the public page.
        return ActivityYear.objects.only("id", "activity_id", "year", "status").order_by("year")
    return (
        ActivityYear.objects.select_related("updated_by")
        .annotate(evidence_count=Count("evidence"))
        .order_by("year")
    )


def plan_overview(*, public: bool = False) -> Overview:
    """Everything the progress page, the report and the public page show (11 queries)."""
    plan = ActionPlan.objects.order_by("pk").first()
    years = plan_years()
    aspects = list(Aspect.objects.all())
    groups = list(ProgramGroup.objects.all())
    programs = list(Program.objects.all())
    party_qs = (
        ActivityParty.objects.select_related("agency")
        if not public
        else (ActivityParty.objects.only("id", "activity_id", "name", "position"))
    )
    activities = list(
        Activity.objects.prefetch_related(
            Prefetch("parties", queryset=party_qs),
            Prefetch("years", queryset=_years_queryset(public)),
        )
    )
    indicators = list(AssessmentIndicator.objects.order_by("position", "code"))
    score_fields = ["id", "indicator_id", "year", "score"] + ([] if public else ["note"])
    scores = list(AssessmentScore.objects.only(*score_fields))
    priorities = list(AspectPriority.objects.only("id", "aspect_id", "year", "rank", "reason"))

    # Years shown for progress: the plan's, and any year an activity is planned in.
    all_years = sorted(set(years) | {row.year for a in activities for row in a.years.all()})
    assessment_years = sorted({s.year for s in scores} | {p.year for p in priorities})

    rows_by_program: dict[int, list[ActivityRow]] = defaultdict(list)
    progress: dict[int, dict[int, StatusCounts]] = defaultdict(dict)
    totals = {year: StatusCounts(year) for year in all_years}
    program_aspect = {}
    group_by_id = {group.pk: group for group in groups}
    for program in programs:
        program_aspect[program.pk] = group_by_id[program.group_id].aspect_id
    for activity in activities:
        by_year = {row.year: row for row in activity.years.all()}
        rows_by_program[activity.program_id].append(
            ActivityRow(activity, list(activity.parties.all()), [by_year.get(y) for y in all_years])
        )
        aspect_id = program_aspect[activity.program_id]
        for row in by_year.values():
            counts = progress[aspect_id].setdefault(row.year, StatusCounts(row.year))
            counts.add(row.status)
            totals[row.year].add(row.status)

    scores_by_indicator: dict[int, dict[int, Decimal]] = defaultdict(dict)
    notes: dict[tuple[int, int], str] = {}
    for score in scores:
        scores_by_indicator[score.indicator_id][score.year] = score.score
        if not public and score.note:
            notes[(score.indicator_id, score.year)] = score.note
    priority_by_aspect: dict[int, dict[int, AspectPriority]] = defaultdict(dict)
    for priority in priorities:
        priority_by_aspect[priority.aspect_id][priority.year] = priority
    indicators_by_aspect: dict[int, list[AssessmentIndicator]] = defaultdict(list)
    for indicator in indicators:
        indicators_by_aspect[indicator.aspect_id].append(indicator)

    views = []
    for aspect in aspects:
        blocks = []
        for group in groups:
            if group.aspect_id != aspect.pk:
                continue
            block = GroupBlock(group)
            for program in programs:
                if program.group_id == group.pk:
                    block.programs.append(
                        ProgramBlock(program, rows_by_program.get(program.pk, []))
                    )
            blocks.append(block)
        indicator_rows = []
        per_year: dict[int, list[Decimal]] = defaultdict(list)
        for indicator in indicators_by_aspect.get(aspect.pk, []):
            own = scores_by_indicator.get(indicator.pk, {})
            for year, value in own.items():
                per_year[year].append(value)
            indicator_cells = _score_cells(assessment_years, own)
            for cell in indicator_cells:
                cell.note = notes.get((indicator.pk, cell.year), "")
            indicator_rows.append(IndicatorRow(indicator, indicator_cells))
        aspect_scores = {
            year: mean
            for year in assessment_years
            if (mean := mean_score(per_year.get(year, []))) is not None
        }
        cells = _score_cells(assessment_years, aspect_scores)
        for cell in cells:
            recorded = priority_by_aspect.get(aspect.pk, {}).get(cell.year)
            if recorded is not None:
                cell.rank, cell.reason = recorded.rank, recorded.reason
        views.append(
            AspectView(
                aspect=aspect,
                groups=blocks,
                progress=[progress[aspect.pk].get(year, StatusCounts(year)) for year in all_years],
                assessment=cells,
                indicators=indicator_rows,
            )
        )
    return Overview(
        plan=plan,
        years=all_years,
        assessment_years=assessment_years,
        aspects=views,
        totals=[totals[year] for year in all_years],
    )


def _score_cells(years: list[int], values: dict[int, Decimal]) -> list[ScoreCell]:
    cells = []
    previous: Decimal | None = None
    for year in years:
        value = values.get(year)
        cells.append(
            ScoreCell(
                year,
                value,
                None if value is None or previous is None else value - previous,
            )
        )
        if value is not None:
            previous = value
    return cells


def activity_detail(pk: int) -> Activity:
    """One activity with its parties, years (and who updated them) and evidence; 404 if none."""
    return get_object_or_404(
        Activity.objects.select_related("program__group__aspect", "updated_by").prefetch_related(
            Prefetch("parties", queryset=ActivityParty.objects.select_related("agency")),
            Prefetch(
                "years",
                queryset=ActivityYear.objects.select_related("updated_by")
                .prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.select_related("added_by"))
                )
                .order_by("year"),
            ),
        ),
        pk=pk,
    )
