"""``aduan loadgen``: fill the database with many generated complaints (benchmarks, demos of
scale). The generator and what it writes are described in ``aduan.complaints.loadgen``."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.complaints.loadgen import (
    DEFAULT_BATCH,
    LoadgenError,
    LoadgenOptions,
    LoadgenProgress,
    default_years,
    parse_years,
    run_loadgen,
)
from aduan.core import clock
from aduan.core.calendar import local_date


class Command(BaseCommand):
    help = (
        "Generate N realistic complaints (several years, every lifecycle state, dispatches, "
        "deadlines, follow-ups) for benchmarks. Needs the instansi's configuration loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--complaints", type=int, required=True, help="How many complaints to generate."
        )
        parser.add_argument(
            "--seed", type=int, help="Seed for repeatable data (default: a random seed, printed)."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help="Complaints per transaction (default: %(default)s).",
        )
        parser.add_argument(
            "--years",
            help="Submission years, e.g. 2021-2026 (default: the last six years, this one too).",
        )
        parser.add_argument(
            "--source-csv",
            type=Path,
            help=(
                "Draw texts, agency skew, places and response delays from this CSV of real "
                "complaints (e.g. "
                "../shared/data/complaints-surabaya-2022.csv). Its texts may contain names: "
                "local benchmark databases only."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with ADUAN_ENV=production (generated complaints look real).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and not options["allow_production"]:
            raise CommandError(
                _("Refusing to generate complaints in production (use --allow-production).")
            )
        seed = options["seed"]
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        today = local_date(clock.now())
        try:
            years = (
                parse_years(options["years"], today=today)
                if options["years"]
                else default_years(today)
            )
            result = run_loadgen(
                LoadgenOptions(
                    complaints=options["complaints"],
                    seed=seed,
                    years=years,
                    batch=options["batch"],
                    source_csv=options["source_csv"],
                ),
                progress=self._progress,
            )
        except LoadgenError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Generated with seed %(seed)d, years %(first)d-%(last)d.")
            % {"seed": seed, "first": years[0], "last": years[1]}
        )
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<18} {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                _("%(rows)s rows in %(seconds).1f s (%(rate)s rows/s).")
                % {
                    "rows": f"{result.total_rows:,}",
                    "seconds": result.seconds,
                    "rate": f"{result.rows_per_second:,.0f}",
                }
            )
        )
        # The rows went in without the services, so the dashboards' rollups are recomputed.
        call_command("rollups", "rebuild", stdout=self.stdout, stderr=self.stderr)

    def _progress(self, progress: LoadgenProgress) -> None:
        left = progress.complaints_total - progress.complaints_done
        rate = progress.complaints_done / progress.seconds if progress.seconds else 0.0
        message = _(
            "loadgen: %(done)s/%(total)s complaints, %(rows)s rows, %(rate)s rows/s, "
            "%(seconds).0f s, about %(left).0f s left"
        ) % {
            "done": f"{progress.complaints_done:,}",
            "total": f"{progress.complaints_total:,}",
            "rows": f"{progress.total_rows:,}",
            "rate": f"{progress.rows_per_second:,.0f}",
            "seconds": progress.seconds,
            "left": left / rate if rate else 0.0,
        }
        # stderr, so the summary on stdout stays clean for scripts; plain, not error-red.
        self.stderr.write(message, style_func=lambda text: text)
        self.stderr.flush()
