"""``aduan routing train|predict|evaluate``: the routing model from and on CSV files.

The contract is fixed (issue 6) so that the model can be evaluated from outside:

- ``train --csv PATH --model PATH [--text-column text] [--label-column agency]``; the columns
  ``district``, ``subdistrict``, ``submitted_at`` and ``topic`` (the category) are used if present.
- ``predict --model PATH --csv PATH --output PATH``: the input has ``id`` and ``text`` (and may have
  the place columns); the output has exactly the columns ``id,top1,top2,top3,confidence``.
- ``evaluate --model PATH --csv PATH [--label-column agency]``: one ``name: value`` line per figure.

Files are written atomically: on any error no model or output file is left half-written.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.core.errors import InvalidInput
from aduan.routing.engine import Example, Router, evaluate

CATEGORY_COLUMN = "topic"
OUTPUT_COLUMNS = ("id", "top1", "top2", "top3", "confidence")


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_rows(path: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """All rows of a CSV file as dicts; CommandError if it is missing, empty or lacks a column."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            columns = reader.fieldnames or []
            missing = [name for name in required if name not in columns]
            if not columns:
                raise CommandError(_("The CSV file %(path)s is empty.") % {"path": path})
            if missing:
                raise CommandError(
                    _("The CSV file %(path)s has no column %(columns)s.")
                    % {"path": path, "columns": ", ".join(missing)}
                )
            rows = [{key: (value or "") for key, value in row.items() if key} for row in reader]
    except FileNotFoundError:
        raise CommandError(_("The CSV file %(path)s does not exist.") % {"path": path}) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CommandError(
            _("The CSV file %(path)s cannot be read: %(error)s") % {"path": path, "error": error}
        ) from None
    if not rows:
        raise CommandError(_("The CSV file %(path)s has no rows.") % {"path": path})
    return rows


def examples_from(rows: list[dict[str, str]], text_column: str) -> list[Example]:
    return [
        Example(
            text=row.get(text_column, ""),
            district=row.get("district", ""),
            subdistrict=row.get("subdistrict", ""),
            submitted_at=_parse_time(row.get("submitted_at", "")),
        )
        for row in rows
    ]


def load_router(path: str) -> Router:
    try:
        return Router.load(path)
    except InvalidInput as error:
        raise CommandError(str(error)) from None


def write_atomically(path: str, lines: Iterator[list[str]]) -> None:
    """Write CSV rows to a temporary file beside ``path``, then rename it over ``path``."""
    target = Path(path)
    if not target.parent.is_dir():
        raise CommandError(_("The directory of %(path)s does not exist.") % {"path": path})
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            for line in lines:
                writer.writerow(line)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Train, apply and evaluate the routing model on CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a model on labelled complaints")
        train.add_argument("--csv", required=True)
        train.add_argument("--model", required=True)
        train.add_argument("--text-column", default="text")
        train.add_argument("--label-column", default="agency")
        predict = sub.add_parser("predict", help="suggest the top 3 agencies for each complaint")
        predict.add_argument("--model", required=True)
        predict.add_argument("--csv", required=True)
        predict.add_argument("--output", required=True)
        predict.add_argument("--text-column", default="text")
        evaluation = sub.add_parser("evaluate", help="measure a model on labelled complaints")
        evaluation.add_argument("--model", required=True)
        evaluation.add_argument("--csv", required=True)
        evaluation.add_argument("--text-column", default="text")
        evaluation.add_argument("--label-column", default="agency")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["action"])(options)

    def handle_train(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        text, label = options["text_column"], options["label_column"]
        rows = read_rows(options["csv"], (text, label))
        labelled = [row for row in rows if row[label].strip()]
        if not labelled:
            raise CommandError(
                _("No row of %(path)s has a value in the column %(column)s.")
                % {"path": options["csv"], "column": label}
            )
        if len(labelled) < len(rows):
            self.stderr.write(
                _("%(count)s rows without a label skipped.") % {"count": len(rows) - len(labelled)}
            )
        categories = None
        if CATEGORY_COLUMN in labelled[0] and any(row[CATEGORY_COLUMN] for row in labelled):
            categories = [row[CATEGORY_COLUMN].strip() for row in labelled]
        try:
            router = Router.train(
                examples_from(labelled, text),
                [row[label].strip() for row in labelled],
                categories,
            )
            router.save(options["model"])
        except InvalidInput as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(
                _("The model cannot be written to %(path)s: %(error)s")
                % {"path": options["model"], "error": error.strerror or error}
            ) from None
        self.stdout.write(
            _(
                "Trained on %(examples)s examples, %(labels)s labels (%(classes)s classes) "
                "in %(seconds).1f s; model written to %(path)s."
            )
            % {
                "examples": len(labelled),
                "labels": len(router.labels),
                "classes": router.metadata["n_classes"],
                "seconds": time.monotonic() - started,
                "path": options["model"],
            }
        )

    def handle_predict(self, options: dict[str, Any]) -> None:
        router = load_router(options["model"])
        text = options["text_column"]
        rows = read_rows(options["csv"], ("id", text))
        predictions = router.predict(examples_from(rows, text), k=3)

        def lines() -> Iterator[list[str]]:
            yield list(OUTPUT_COLUMNS)
            for row, prediction in zip(rows, predictions, strict=True):
                top = list(prediction.labels[:3]) + [""] * (3 - len(prediction.labels[:3]))
                yield [row["id"], *top, f"{prediction.confidence:.4f}"]

        try:
            write_atomically(options["output"], lines())
        except OSError as error:
            raise CommandError(
                _("The output cannot be written to %(path)s: %(error)s")
                % {"path": options["output"], "error": error.strerror or error}
            ) from None
        self.stdout.write(
            _("%(count)s predictions written to %(path)s.")
            % {"count": len(rows), "path": options["output"]}
        )

    def handle_evaluate(self, options: dict[str, Any]) -> None:
        router = load_router(options["model"])
        text, label = options["text_column"], options["label_column"]
        rows = [row for row in read_rows(options["csv"], (text, label)) if row[label].strip()]
        if not rows:
            raise CommandError(
                _("No row of %(path)s has a value in the column %(column)s.")
                % {"path": options["csv"], "column": label}
            )
        result = evaluate(router, examples_from(rows, text), [row[label].strip() for row in rows])
        # Machine-readable: fixed English keys, one "name: value" per line.
        threshold = "none" if result.threshold_at_95 is None else f"{result.threshold_at_95:.4f}"
        for name, value in (
            ("n", str(result.n)),
            ("accuracy", f"{result.accuracy:.4f}"),
            ("top3_accuracy", f"{result.top3_accuracy:.4f}"),
            ("macro_f1", f"{result.macro_f1:.4f}"),
            ("coverage_at_95_precision", f"{result.coverage_at_95:.4f}"),
            ("threshold_at_95_precision", threshold),
        ):
            self.stdout.write(f"{name}: {value}")
