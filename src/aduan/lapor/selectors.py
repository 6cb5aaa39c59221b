"""Reads for the connector's page (/staf/lapor/): bounded, no scans of the complaints; and a
complaint's national link for its back-office page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Complaint
from aduan.core.problems import problem_text
from aduan.lapor import config
from aduan.lapor.models import (
    NationalFile,
    NationalInstansi,
    NationalLink,
    OutboundMessage,
    SyncRun,
    SyncState,
)

# The refused national files listed on /staf/lapor/, latest first (the total is shown too).
REFUSED_FILES_SHOWN = 50


# ADUAN_LAPOR_REGISTER in words (docs/integrations.md, Configuration).
REGISTER_LABELS = {
    "all": _("every verified complaint"),
    "non_confidential": _("verified complaints that are neither confidential nor supervisory"),
    "none": _("none (only transfers go out)"),
}


# What a run counted (keys of SyncRun.counts, written by sync, reconcile and the directory), in
# words and in this order (a JSON column keeps no order on PostgreSQL); a key not listed here is
# shown as it is, last.
COUNT_LABELS = {
    "received": _("national reports received"),
    "created": _("complaints taken in"),
    "updated": _("complaints updated"),
    "ignored": _("national reports already up to date"),
    "not_ours": _("national reports for another instansi"),
    "malformed": _("malformed national reports skipped"),
    "failed": _("national reports not taken in"),
    "delivered": _("messages delivered"),
    "retry": _("messages to try again"),
    "parked": _("messages parked"),
    "blocked": _("complaints waiting behind a parked message"),
    "paused": _("sending paused at SP4N-LAPOR!'s request"),
    "stopped": _("sending stopped early (outage or time)"),
    "files_taken": _("reporters' files attached"),
    "files_refused": _("reporters' files refused"),
    "files_failed": _("reporters' files to try again"),
    "files_ignored": _("reporters' files attached before"),
    "files_stopped": _("file downloads stopped early (outage or time)"),
    "instansi_added": _("instansi added to the directory"),
    "instansi_changed": _("instansi changed in the directory"),
    "instansi_withdrawn": _("instansi withdrawn from the directory"),
    "instansi_skipped": _("directory entries without a usable name"),
    "instansi_failed": _("directory not read"),
    "compared": _("complaints compared"),
    "in_flight": _("complaints with messages in flight"),
    "differences": _("differences"),
    "repaired": _("differences repaired"),
}


_COUNT_ORDER = {key: index for index, key in enumerate(COUNT_LABELS)}


@dataclass(frozen=True)
class RunView:
    """One run on /staf/lapor/: its counts and notes in the reader's language."""

    run: SyncRun

    @property
    def counts(self) -> list[tuple[str, Any]]:
        keys = sorted(
            self.run.counts, key=lambda key: (_COUNT_ORDER.get(key, len(_COUNT_ORDER)), key)
        )
        return [(str(COUNT_LABELS.get(key, key)), self.run.counts[key]) for key in keys]

    @property
    def notes(self) -> list[str]:
        """A sync's notes, and a reconcile's differences with the complaint they are about
        (stored texts; notes of runs from before they were stored so: their words)."""
        shown = []
        for item in self.run.differences:
            if not isinstance(item, dict):
                shown.append(str(item))
                continue
            detail = item.get("detail") if "code" in item else item
            text = problem_text(detail) if isinstance(detail, dict) else str(detail or "")
            who = " · ".join(
                value for value in (item.get("tracking_id"), item.get("national_id")) if value
            )
            if item.get("repaired"):
                text = f"{text} ({_('repaired')})"
            shown.append(f"{who}: {text}" if who else text)
        return shown


@dataclass(frozen=True)
class Overview:
    enabled: bool
    base_url: str
    instansi: str
    register: str
    config_error: str
    state: SyncState | None
    counts: dict[str, int]
    runs: list[RunView]
    problems: list[NationalLink]
    refused_files: list[NationalFile]
    refused_files_count: int


def overview() -> Overview:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    error = ""
    if config.enabled():
        try:
            config.load_config()
        except ImproperlyConfigured as problem:
            error = str(problem)
    counts = dict(OutboundMessage.objects.values_list("state").annotate(n=Count("id")).order_by())
    return Overview(
        enabled=config.enabled(),
        base_url=str(settings.ADUAN_LAPOR_BASE_URL),
        instansi=str(settings.ADUAN_LAPOR_INSTANSI_ID),
        register=str(
            REGISTER_LABELS.get(settings.ADUAN_LAPOR_REGISTER, settings.ADUAN_LAPOR_REGISTER)
        ),
        config_error=error,
        state=SyncState.objects.filter(pk=1).first(),
        counts={state: counts.get(state, 0) for state in OutboundMessage.State.values},
        runs=[RunView(run) for run in SyncRun.objects.order_by("-started_at", "-id")[:10]],
        problems=list(
            NationalLink.objects.filter(problem__has_key="text")
            .select_related("complaint")
            .order_by("id")[:50]
        ),
        refused_files=list(refused_files()[:REFUSED_FILES_SHOWN]),
        refused_files_count=refused_files().count(),
    )


def active_instansi_names() -> list[str]:
    """The names of SP4N-LAPOR!'s directory that the transfer form offers."""
    return list(
        NationalInstansi.objects.filter(active=True)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )


def refused_files() -> QuerySet[NationalFile]:
    """The reporter's national files that were not attached, latest first."""
    return (
        NationalFile.objects.filter(state=NationalFile.State.REFUSED)
        .select_related("link__complaint")
        .order_by("-updated_at", "-id")
    )


def refused_file(pk: Any) -> NationalFile | None:
    return refused_files().filter(pk=pk).first()


def parked_messages() -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(state=OutboundMessage.State.PARKED).select_related(
        "link__complaint"
    )


def parked_message(pk: Any) -> OutboundMessage | None:
    return parked_messages().filter(pk=pk).first()


def untaken_report(pk: Any) -> NationalLink | None:
    """A national report that could not be taken in (it has no complaint yet)."""
    return NationalLink.objects.filter(pk=pk, complaint__isnull=True).first()


def complaint_link(complaint: Complaint) -> NationalLink | None:
    """The national link of a complaint the viewer already sees (the page loaded it through
    ``complaints.selectors``), with its messages' ``parked`` and ``waiting`` counts, when one
    was ``last_delivered``, and the reporter's national files ``files_waiting`` and
    ``files_refused``: one query (distinct counts, as the two joins multiply rows)."""
    State = OutboundMessage.State
    return (
        NationalLink.objects.filter(complaint=complaint)
        .annotate(
            parked=Count("messages", filter=Q(messages__state=State.PARKED), distinct=True),
            waiting=Count("messages", filter=Q(messages__state=State.PENDING), distinct=True),
            last_delivered=Max("messages__delivered_at"),
            files_waiting=Count(
                "files", filter=Q(files__state=NationalFile.State.PENDING), distinct=True
            ),
            files_refused=Count(
                "files", filter=Q(files__state=NationalFile.State.REFUSED), distinct=True
            ),
        )
        .first()
    )
