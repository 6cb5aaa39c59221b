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
from datetime import timedelta

from django.db import transaction

from aduan.core import clock
from aduan.lapor.client import NationalClient, NationalError
from aduan.lapor.models import NationalInstansi, SyncState

REQUEST_EVERY = timedelta(hours=24)
PAGE_SIZE = 200
# 40,000 instansi; a directory that pages on beyond that is taken to be broken.
MAX_PAGES = 200


def due() -> bool:
    """Whether the sync should ask for the directory now (a day after the last request)."""
    last = SyncState.objects.filter(pk=1).values_list("directory_requested_at", flat=True).first()
    return last is None or clock.now() - last >= REQUEST_EVERY


def collapse(name: str) -> str:
    """A name with its spaces collapsed, as stored and as compared."""
    return " ".join(str(name).split())


def read(client: NationalClient) -> tuple[dict[str, tuple[str, bool]], int]:
    """Every instansi of the directory, ``{national_id: (name, active)}``, and the number of
    entries skipped because they had no ID or no name."""
    mapping = client.mapping
    found: dict[str, tuple[str, bool]] = {}
    skipped = 0
    cursor = ""
    for _page in range(MAX_PAGES):
        page = client.directory(cursor, PAGE_SIZE)
        for item in page.items:
            national_id = collapse(mapping.get(item, "directory_id", ""))
            name = collapse(mapping.get(item, "directory_name", ""))
            if not national_id or not name or len(national_id) > 100:
                skipped += 1
                continue
            active = mapping.get(item, "directory_active", True)
            found[national_id] = (name[:300], active is not False)
        if not page.has_more:
            return found, skipped
        if not page.next_cursor or page.next_cursor == cursor:
            raise NationalError(
                "SP4N-LAPOR! directory: more pages announced without a new cursor",
                retryable=False,
            )
        cursor = page.next_cursor
    raise NationalError(
        f"SP4N-LAPOR! directory: more than {MAX_PAGES} pages of {PAGE_SIZE}", retryable=False
    )


def refresh(client: NationalClient) -> Counter[str]:
    """Read the directory and store it; the counts of instansi added, changed and withdrawn."""
    SyncState.objects.filter(pk=1).update(directory_requested_at=clock.now())
    found, skipped = read(client)
    counts: Counter[str] = Counter()
    if skipped:
        counts["instansi_skipped"] = skipped
    if not found:
        # An empty directory is a wrong answer, not every instansi closing down at once.
        raise NationalError("SP4N-LAPOR! directory: no instansi listed", retryable=False)
    now = clock.now()
    with transaction.atomic():
        known = {row.national_id: row for row in NationalInstansi.objects.select_for_update().all()}
        added = [
            NationalInstansi(national_id=key, name=name, active=active, updated_at=now)
            for key, (name, active) in found.items()
            if key not in known
        ]
        changed: list[NationalInstansi] = []
        for key, row in known.items():
            name, active = found.get(key, (row.name, False))
            if (row.name, row.active) != (name, active):
                withdrawn = row.active and not active
                counts["instansi_withdrawn" if withdrawn else "instansi_changed"] += 1
                row.name, row.active, row.updated_at = name, active, now
                changed.append(row)
        NationalInstansi.objects.bulk_create(added)
        NationalInstansi.objects.bulk_update(changed, ["name", "active", "updated_at"])
    if added:
        counts["instansi_added"] = len(added)
    return counts


def instansi_id(name: str) -> str | None:
    """The national ID of the active instansi named ``name`` (case and spaces aside)."""
    found = NationalInstansi.objects.filter(active=True, name__iexact=collapse(name))
    ids = list(found.values_list("national_id", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


def active_names() -> list[str]:
    """The names the transfer form offers."""
    return list(
        NationalInstansi.objects.filter(active=True)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
