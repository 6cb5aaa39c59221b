"""SP4N-LAPOR!'s directory of instansi: where a complaint that is not ours can be transferred.

The directory is read in whole (``GET /instansi``, paged like the feed) by the sync once a day
and by ``aduan lapor instansi``, and written in one transaction only after every page has been
read: a read that fails half-way changes nothing. An instansi the directory no longer lists is
kept, inactive, so that earlier transfers keep their name.

The coordinator's transfer form offers the active names; a transfer to one of them carries its
national ID to SP4N-LAPOR! (``tujuan_instansi_id``), so the national side routes it by ID, not by
reading a name. Any other destination (an office outside SP4N-LAPOR!) is still sent by name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.core import clock
from aduan.lapor.client import NationalClient, national_error
from aduan.lapor.models import NationalInstansi, SyncState

REQUEST_EVERY = timedelta(hours=24)
PAGE_SIZE = 200
# 5,000 instansi (SP4N-LAPOR! connects several hundred); a directory that pages on beyond that
# is taken to be broken, and the transfer form's suggestions stay a reasonable size.
MAX_PAGES = 25
# A read that would withdraw more than this share of the active instansi is refused: a cut list
# is likelier than half the country's instansi leaving SP4N-LAPOR! in a day.
MAX_WITHDRAWN_SHARE = 0.5
INACTIVE = frozenset({"false", "0", "no", "n", "tidak", "nonaktif", "off"})
CONTROL = dict.fromkeys(range(32), " ") | {127: " "}


def due() -> bool:
    """Whether the sync should ask for the directory now (a day after the last request)."""
    last = SyncState.objects.filter(pk=1).values_list("directory_requested_at", flat=True).first()
    return last is None or clock.now() - last >= REQUEST_EVERY


def collapse(name: str | int) -> str:
    """A name with its spaces collapsed (control characters count as spaces), as stored and as
    compared."""
    return " ".join(str(name).translate(CONTROL).split())


def _text(value: Any) -> str:
    """A national ID or name: a string or a whole number; anything else counts as missing."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return collapse(value)


def _active(value: Any) -> bool:
    """``aktif``: left out or null means active; false, 0 and their spellings mean inactive."""
    if value is None or value is True:
        return True
    if value is False or (isinstance(value, int | float) and value == 0):
        return False
    return str(value).strip().lower() not in INACTIVE


@dataclass
class Listing:
    """The directory as read: ``{national_id: (name, active)}``, the entries skipped (no usable
    ID or name) and the IDs among them (an instansi listed without a name is left as it is)."""

    found: dict[str, tuple[str, bool]] = field(default_factory=dict)
    skipped: int = 0
    skipped_ids: set[str] = field(default_factory=set)


def read(client: NationalClient, keep_lease: Callable[[], bool] | None = None) -> Listing:
    """Every page of the directory. ``keep_lease`` is called before each page: the read stops
    when it answers ``False``."""
    mapping = client.mapping
    listing = Listing()
    cursor = ""
    for _page in range(MAX_PAGES):
        if keep_lease is not None and not keep_lease():
            raise national_error(
                _("SP4N-LAPOR! directory: the sync's lease was lost"), retryable=True
            )
        page = client.directory(cursor, PAGE_SIZE)
        for item in page.items:
            national_id = _text(mapping.get(item, "directory_id", ""))
            name = _text(mapping.get(item, "directory_name", ""))
            if not national_id or len(national_id) > 100 or " " in national_id or not name:
                listing.skipped += 1
                if national_id:
                    listing.skipped_ids.add(national_id)
                continue
            active = _active(mapping.get(item, "directory_active"))
            listing.found[national_id] = (name[:300], active)
        if not page.has_more:
            return listing
        if not page.next_cursor or page.next_cursor == cursor:
            raise national_error(
                _("SP4N-LAPOR! directory: more pages announced without a new cursor"),
                retryable=False,
            )
        cursor = page.next_cursor
    raise national_error(
        _("SP4N-LAPOR! directory: more than %(pages)s pages of %(size)s"),
        retryable=False,
        pages=MAX_PAGES,
        size=PAGE_SIZE,
    )


def refresh(client: NationalClient, keep_lease: Callable[[], bool] | None = None) -> Counter[str]:
    """Read the directory and store it; the counts of instansi added, changed, withdrawn and
    skipped. Run under the sync's lease (one refresh at a time)."""
    SyncState.objects.filter(pk=1).update(directory_requested_at=clock.now())
    listing = read(client, keep_lease)
    found = listing.found
    counts: Counter[str] = Counter()
    if not found:
        # An empty directory is a wrong answer, not every instansi closing down at once.
        raise national_error(_("SP4N-LAPOR! directory: no instansi listed"), retryable=False)
    now = clock.now()
    with transaction.atomic():
        known = {row.national_id: row for row in NationalInstansi.objects.select_for_update().all()}
        added = [
            NationalInstansi(national_id=key, name=name, active=active, updated_at=now)
            for key, (name, active) in found.items()
            if key not in known
        ]
        active_before = sum(1 for row in known.values() if row.active)
        changed: list[NationalInstansi] = []
        for key, row in known.items():
            if key in listing.skipped_ids and key not in found:
                continue  # listed without a usable name this time: left as it is
            name, active = found.get(key, (row.name, False))
            if (row.name, row.active) != (name, active):
                withdrawn = row.active and not active
                counts["instansi_withdrawn" if withdrawn else "instansi_changed"] += 1
                row.name, row.active, row.updated_at = name, active, now
                changed.append(row)
        if counts["instansi_withdrawn"] > MAX_WITHDRAWN_SHARE * active_before:
            raise national_error(
                _(
                    "SP4N-LAPOR! directory: it would withdraw %(withdrawn)s of %(active)s "
                    "active instansi at once; nothing changed"
                ),
                retryable=False,
                withdrawn=counts["instansi_withdrawn"],
                active=active_before,
            )
        NationalInstansi.objects.bulk_create(added, ignore_conflicts=True)
        NationalInstansi.objects.bulk_update(changed, ["name", "active", "updated_at"])
        SyncState.objects.filter(pk=1).update(directory_read_at=now)
    if added:
        counts["instansi_added"] = len(added)
    if listing.skipped:
        counts["instansi_skipped"] = listing.skipped
    return +counts


def instansi_id(name: str) -> str | None:
    """The national ID of the active instansi named ``name``: spelt exactly so, or else the
    only one so named with case and spaces aside (two such: none)."""
    wanted = collapse(name)
    rows = list(
        NationalInstansi.objects.filter(active=True, name__iexact=wanted).values_list(
            "national_id", "name"
        )[:20]
    )
    exact = [national_id for national_id, stored in rows if stored == wanted]
    if len(exact) == 1:
        return exact[0]
    return rows[0][0] if len(rows) == 1 else None
