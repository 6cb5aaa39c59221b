"""Turning a list's rows into CSV (streamed) or XLSX (written to a file with constant memory).

Labels and headers are translated once, when the formatter is made, in the language active
then (the request's, or the job's for background exports); the rows themselves need no
translation, so a stream can be consumed after the request's language is gone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aduan.complaints import policies, queues
from aduan.complaints.models import Channel, Clock, Complaint, Kind, Status
from aduan.core.errors import InvalidInput

# (key, header). The reporter's name comes last, and only for viewers who may ever see an
# identity; the reporter's contacts (phone, e-mail) are never exported: whoever needs them opens
# the complaint, where each identity reveal is audited.
COLUMNS = (
    ("tracking_id", _("Tracking ID")),
    ("submitted_at", _("Submitted at")),
    ("kind", _("Kind")),
    ("status", _("Status")),
    ("title", _("Title")),
    ("category", _("Category")),
    ("region", _("Region")),
    ("lead_agency", _("Lead agency")),
    ("channel", _("Channel")),
    ("deadline", _("Deadline due")),
    ("overdue", _("Overdue")),
    ("verified_at", _("Verified at")),
    ("first_followup_at", _("First follow-up at")),
    ("resolved_at", _("Resolved at")),
    ("closed_at", _("Closed at")),
    ("rating", _("Rating")),
)
REPORTER_COLUMNS = (("reporter_name", _("Reporter name")),)
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection); such a
# cell is written with a leading apostrophe, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, the header row included
TOO_MANY_FOR_XLSX = _(
    "This list has more rows than a spreadsheet can hold (%(limit)s). Export it as CSV instead."
)


def safe_text(value: str) -> str:
    """``value`` made harmless for spreadsheets that evaluate formulas in CSV files."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


@dataclass
class RowFormatter:
    """Makes one export row (a list of values) from a complaint and its deadline."""

    with_reporter: bool
    now: datetime
    headers: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    yes: str = ""
    no: str = ""

    @classmethod
    def for_user(cls, user: Any, now: datetime) -> RowFormatter:
        """Translated in the active language. The reporter's name column for staff who can ever
        see an identity (never for those who read aggregates only); no contact columns."""
        roles = policies.staff_roles(user)
        with_reporter = roles.is_staff and not roles.reads_aggregates_only
        columns = COLUMNS + (REPORTER_COLUMNS if with_reporter else ())
        return cls(
            with_reporter=with_reporter,
            now=now,
            headers=[str(title) for _key, title in columns],
            kinds=_labels(Kind),
            statuses=_labels(Status),
            channels=_labels(Channel),
            yes=gettext("Yes"),
            no=gettext("No"),
        )

    def row(self, complaint: Complaint, deadline: Clock | None) -> list[Any]:
        overdue = (
            deadline is not None
            and queues.deadline_state(deadline, self.now) == queues.DeadlineState.OVERDUE
        )
        values: list[Any] = [
            complaint.tracking_id,
            complaint.submitted_at,
            self.kinds.get(complaint.kind, complaint.kind),
            self.statuses.get(complaint.status, complaint.status),
            complaint.title,
            complaint.category.name if complaint.category else "",
            complaint.region.name if complaint.region else "",
            complaint.lead_agency.name if complaint.lead_agency else "",
            self.channels.get(complaint.channel, complaint.channel),
            deadline.due_at if deadline is not None else None,
            self.yes if overdue else self.no,
            complaint.verified_at,
            complaint.first_followup_at,
            complaint.resolved_at,
            complaint.closed_at,
            complaint.rating,
        ]
        if self.with_reporter:
            # Blank where a selector redacted the complaint for this viewer.
            values.append(complaint.reporter_name)
        return values


def _csv_cell(value: Any, zone: tzinfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime(DATETIME_FORMAT)
    return value


class _Lines:
    """A file-like target for ``csv.writer`` that hands back what was written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_chunks(
    formatter: RowFormatter,
    rows: Iterable[tuple[Complaint, Clock | None]],
    *,
    rows_per_chunk: int = 1000,
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads the encoding), one bytes chunk per
    ``rows_per_chunk`` rows."""
    zone = timezone.get_current_timezone()
    lines = _Lines()
    writer = csv.writer(lines)
    writer.writerow(formatter.headers)
    yield "\ufeff".encode() + lines.take().encode()
    pending = 0
    for complaint, deadline in rows:
        writer.writerow([_csv_cell(v, zone) for v in formatter.row(complaint, deadline)])
        pending += 1
        if pending >= rows_per_chunk:
            yield lines.take().encode()
            pending = 0
    if pending:
        yield lines.take().encode()


def write_xlsx(
    formatter: RowFormatter, rows: Iterable[tuple[Complaint, Clock | None]], path: Path
) -> int:
    """Write the rows to an XLSX file at ``path`` with XlsxWriter's constant-memory mode (each
    row is flushed to a temporary file as soon as the next starts). Returns the row count.

    Cells are written with explicit types, so text is never read as a formula."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "tmpdir": str(path.parent), "remove_timezone": True},
    )
    try:
        sheet = workbook.add_worksheet()
        bold = workbook.add_format({"bold": True})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for column, header in enumerate(formatter.headers):
            sheet.write_string(0, column, header, bold)
        zone = timezone.get_current_timezone()
        count = 0
        for complaint, deadline in rows:
            count += 1
            if count >= XLSX_MAX_ROWS:
                raise InvalidInput(TOO_MANY_FOR_XLSX, limit=XLSX_MAX_ROWS - 1)
            for column, value in enumerate(formatter.row(complaint, deadline)):
                if value is None or value == "":
                    continue
                if isinstance(value, datetime):
                    local = value.astimezone(zone).replace(tzinfo=None)
                    sheet.write_datetime(count, column, local, when)
                elif isinstance(value, int):
                    sheet.write_number(count, column, value)
                else:
                    sheet.write_string(count, column, str(value))
    finally:
        workbook.close()
    return count
