"""Peak memory and time of a streamed CSV export: the coordinator's list of all complaints.

Usage (see docs/exports.md)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python -m tests.bench.bench_export [--rows N] [--json bench-results/export.json]

The database must already hold the complaints (``aduan loadgen --complaints 1000000``). Two
subprocesses run one after the other, so each has its own memory: the *baseline* only sets
Django up, imports the export code and connects to the database; the *export* does the same and
then POSTs to ``/staf/ekspor/all/csv/`` as a coordinator through Django's full stack (sessions,
two-factor middleware, view), with the background threshold lifted so the whole list streams,
and consumes the ``StreamingHttpResponse`` chunk by chunk, counting rows (record terminators)
and bytes. Each reports its peak resident set size (``resource.getrusage(...).ru_maxrss``); the
export's peak minus the baseline is what the export itself costs. ``--rows N`` stops reading
after N rows (the generator is closed, as when a download is cancelled).

``run()`` does the same from Python (``make bench`` can call it) and returns the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODULE = "tests.bench.bench_export"
REPO = Path(__file__).resolve().parents[2]
# The figure the export must stay under (issue 5): 1,000,000 rows under 300 MB peak.
PEAK_LIMIT_MB = 300


def _peak_rss_mb() -> float:
    import resource

    # Linux reports kilobytes (macOS bytes; this benchmark runs on Linux).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    import django

    django.setup()
    from django.db import connection

    # What both children share: the export code loaded and a database connection open.
    import aduan.exports.views  # noqa: F401

    connection.ensure_connection()


def _coordinator_client() -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aduan.accounts.models import Membership, Role, User

    user, _created = User.objects.get_or_create(username="bench-coordinator")
    Membership.objects.get_or_create(user=user, role=Role.COORDINATOR, agency=None)
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies["aduan_language"] = "en"
    return client


def child_baseline() -> dict[str, Any]:
    _setup()
    return {"peak_rss_mb": round(_peak_rss_mb(), 1)}


def child_export(rows_wanted: int | None) -> dict[str, Any]:
    _setup()
    from django.test import override_settings

    from aduan.complaints.models import Complaint

    client = _coordinator_client()
    setup_peak = _peak_rss_mb()
    rows = 0
    size = 0
    started = time.perf_counter()
    with override_settings(ADUAN_EXPORT_SYNC_LIMIT=10**12):
        response = client.post("/staf/ekspor/all/csv/")
        assert response.status_code == 200 and response.streaming, response.status_code
        try:
            for chunk in response.streaming_content:
                size += len(chunk)
                rows += chunk.count(b"\r\n")
                if rows_wanted is not None and rows - 1 >= rows_wanted:
                    break
        finally:
            response.close()
    seconds = time.perf_counter() - started
    rows -= 1  # the header
    expected = Complaint.objects.order_by().count()
    return {
        "rows": rows,
        "complaints_in_database": expected,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else None,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "peak_rss_before_export_mb": round(setup_peak, 1),
    }


def _spawn(args: list[str], env: dict[str, str] | None) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{completed.stderr[-4000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Run the baseline and the export in subprocesses; return both and the difference."""
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    baseline = _spawn(["--child", "baseline"], env)
    export = _spawn(["--child", "export", *(["--rows", str(rows)] if rows else [])], env)
    return {
        "baseline": baseline,
        "export": export,
        "export_cost_mb": round(export["peak_rss_mb"] - baseline["peak_rss_mb"], 1),
        "peak_limit_mb": PEAK_LIMIT_MB,
        "under_limit": export["peak_rss_mb"] < PEAK_LIMIT_MB,
    }


def report(result: dict[str, Any]) -> str:
    base, export = result["baseline"], result["export"]
    lines = [
        f"CSV export of all complaints (coordinator): {export['rows']:,} rows "
        f"({export['complaints_in_database']:,} in the database), {export['bytes']:,} bytes, "
        f"{export['seconds']} s ({export['rows_per_second']:,} rows/s)",
        f"{'':24}{'peak RSS':>12}",
        f"{'Django setup only':24}{base['peak_rss_mb']:>9.1f} MB",
        f"{'setup + CSV export':24}{export['peak_rss_mb']:>9.1f} MB",
        f"{'export itself':24}{result['export_cost_mb']:>9.1f} MB",
        f"limit {result['peak_limit_mb']} MB: {'met' if result['under_limit'] else 'NOT met'}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="stop after this many rows")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--child", choices=["baseline", "export"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "baseline":
        print(json.dumps(child_baseline()))
        return 0
    if args.child == "export":
        print(json.dumps(child_export(args.rows)))
        return 0
    result = run(rows=args.rows)
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["under_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
