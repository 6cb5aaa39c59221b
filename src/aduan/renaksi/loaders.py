"""Loading the packaged action plan (``aduan renaksi load``, also run by ``aduan load_demo``).

The plan of Pemerintah Provinsi Sumatera Barat is transcribed in
``fixtures/renaksi-sumbar-2021-2024.json`` from the text of the plan (every ``plan_text`` there is
a verbatim piece of that text, for checking; see docs/renaksi.md for the reading). Loading is an
idempotent upsert keyed on the natural codes, in one transaction:

- a missing row is created, with ``seed_digest`` = a hash of the values written;
- a row whose current values still hash to its ``seed_digest`` has not been changed by anyone
  since the last load, so it is brought up to date with the package;
- any other row was changed by an administrator (in the back office) and is kept;
- the years of an activity are created when missing and never changed: status, note and
  evidence belong to the administrators. A year an administrator removed from an activity
  changes that activity's values, so it is not put back.

Nothing is deleted. One ``renaksi.plan_loaded`` audit event records what a load changed; a load
that changes nothing writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from aduan.agencies.models import Agency
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.renaksi.models import (
    ActionPlan,
    Activity,
    ActivityParty,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    PlanYear,
    Program,
    ProgramGroup,
)

PLAN_FILE = "renaksi-sumbar-2021-2024.json"
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}

M = TypeVar("M", bound=models.Model)


@dataclass
class LoadResult:
    """What one load did."""

    created: int = 0
    updated: int = 0
    kept: int = 0  # rows an administrator changed, left as they are
    years_created: int = 0  # years of activities
    activities: int = 0  # activities in the package

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.years_created)


def read_plan(path: str | Path | None = None) -> dict[str, Any]:
    """The packaged plan (or the JSON file at ``path``)."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = (
            resources.files("aduan.renaksi").joinpath("fixtures").joinpath(PLAN_FILE)
        ).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def iter_activities(data: Mapping[str, Any]) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(aspect, activity) for every activity of the plan data, in the plan's order."""
    for aspect in data["aspects"]:
        for group in aspect["groups"]:
            for program in group["programs"]:
                for activity in program["activities"]:
                    yield aspect, activity


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def digest(values: Mapping[str, Any]) -> str:
    """The hash kept in ``seed_digest``: of the values as the loader compares them."""
    payload = json.dumps(
        {key: _normal(value) for key, value in values.items()},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def current_values(obj: models.Model, keys: Iterable[str]) -> dict[str, Any]:
    return {key: _normal(getattr(obj, key)) for key in keys}


def activity_extra(activity: Activity, plan_years: set[int]) -> dict[str, Any]:
    """The parts of an activity kept in other tables: its parties and its packaged years."""
    return {
        "parties": [[party.name, party.agency_id] for party in activity.parties.all()],
        "years": sorted(y.year for y in activity.years.all() if y.year in plan_years),
    }


class _Loader:
    def __init__(self, result: LoadResult) -> None:
        self.result = result

    def upsert(
        self,
        model: type[M],
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
        extra_now: Any = None,
    ) -> tuple[M, bool]:
        """Create, update or keep one row; returns (row, whether the package owns it).

        ``extra`` are values kept outside the row (an activity's parties and years) and
        ``extra_now`` reads them from a row; the caller writes them when the package owns it.
        """
        values = {key: _normal(value) for key, value in values.items()}
        wanted = {**values, **(extra or {})}
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.seed_digest = digest(wanted)  # type: ignore[attr-defined]
            obj.save()
            self.result.created += 1
            return obj, True
        current = current_values(obj, values)
        if extra is not None and extra_now is not None:
            current.update(extra_now(obj))
        if digest(current) != obj.seed_digest:  # type: ignore[attr-defined]
            self.result.kept += 1
            return obj, False
        if current == wanted:
            return obj, True
        for key, value in values.items():
            setattr(obj, key, value)
        obj.seed_digest = digest(wanted)  # type: ignore[attr-defined]
        obj.save(update_fields=[*values, "seed_digest"])
        self.result.updated += 1
        return obj, True


@transaction.atomic
def load_plan(path: str | Path | None = None) -> LoadResult:
    """Load the packaged plan (idempotent; see the module docstring)."""
    data = read_plan(path)
    result = LoadResult()
    loader = _Loader(result)
    now = clock.now()
    plan_years = {int(year) for year in data["years"]}

    plan, _owned = loader.upsert(
        ActionPlan, {"code": data["code"]}, {"title": data["title"], "source": data["source"]}
    )
    for year in sorted(plan_years):
        _year, created = PlanYear.objects.get_or_create(year=year, defaults={"added_at": now})
        result.created += int(created)

    codes = {
        party["agency"]
        for _aspect, activity in iter_activities(data)
        for party in activity["parties"]
        if party.get("agency")
    }
    agencies = dict(Agency.objects.filter(code__in=codes).values_list("code", "pk"))

    for aspect_data in data["aspects"]:
        aspect, _owned = loader.upsert(
            Aspect,
            {"code": aspect_data["code"]},
            {
                "number": aspect_data["number"],
                "name": aspect_data["name"],
                "description": aspect_data.get("description", ""),
            },
        )
        for group_data in aspect_data["groups"]:
            group, _owned = loader.upsert(
                ProgramGroup,
                {"number": group_data["number"]},
                {
                    "aspect_id": aspect.pk,
                    "title": group_data["title"],
                    "position": ROMAN.get(group_data["number"], 0),
                },
            )
            for program_position, program_data in enumerate(group_data["programs"], start=1):
                program, _owned = loader.upsert(
                    Program,
                    {"code": program_data["code"]},
                    {
                        "group_id": group.pk,
                        "title": program_data.get("title", ""),
                        "description": program_data.get("description", ""),
                        "position": program_position,
                    },
                )
                for position, activity_data in enumerate(program_data["activities"], start=1):
                    result.activities += 1
                    _load_activity(loader, program, position, activity_data, agencies, plan_years)
        for position, indicator_data in enumerate(aspect_data.get("indicators", []), start=1):
            indicator, _owned = loader.upsert(
                AssessmentIndicator,
                {"code": indicator_data["code"]},
                {
                    "aspect_id": aspect.pk,
                    "title": indicator_data["title"],
                    "description": indicator_data.get("description", ""),
                    "position": position,
                    "is_active": True,
                },
            )
            for year, score in indicator_data.get("scores", {}).items():
                loader.upsert(
                    AssessmentScore,
                    {"indicator": indicator, "year": int(year)},
                    {"score": Decimal(score), "note": ""},
                )
        for year, priority in aspect_data.get("priorities", {}).items():
            loader.upsert(
                AspectPriority,
                {"aspect": aspect, "year": int(year)},
                {"rank": priority["rank"], "reason": priority["reason"]},
            )

    if result.changed:
        audit_log(
            actor=None,
            action="renaksi.plan_loaded",
            target=plan,
            data={
                key: value
                for key, value in asdict(result).items()
                if key in ("created", "updated", "kept", "years_created", "activities")
            },
        )
    return result


def _load_activity(
    loader: _Loader,
    program: Program,
    position: int,
    data: Mapping[str, Any],
    agencies: Mapping[str, int],
    plan_years: set[int],
) -> None:
    parties = [
        [party["name"], agencies.get(party.get("agency") or "")] for party in data["parties"]
    ]
    years = sorted(int(year) for year in data["years"])
    activity, owned = loader.upsert(
        Activity,
        {"code": data["code"]},
        {
            "program_id": program.pk,
            "title": data["title"],
            "description": data.get("description", ""),
            "position": position,
        },
        extra={"parties": parties, "years": [y for y in years if y in plan_years]},
        extra_now=lambda obj: activity_extra(obj, plan_years),
    )
    if not owned:
        return
    if [[p.name, p.agency_id] for p in activity.parties.all()] != parties:
        activity.parties.all().delete()
        ActivityParty.objects.bulk_create(
            ActivityParty(activity=activity, position=index, name=name, agency_id=agency_id)
            for index, (name, agency_id) in enumerate(parties, start=1)
        )
    existing = set(activity.years.values_list("year", flat=True))
    missing = [year for year in years if year not in existing]
    ActivityYear.objects.bulk_create(ActivityYear(activity=activity, year=year) for year in missing)
    loader.result.years_created += len(missing)
