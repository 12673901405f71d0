"""How long a large CSV export takes to stream, and whether memory stays flat, on an existing archive.

    ARCHIVE_DATA_DIR=DIR .venv/bin/python -m tests.benchmarks.csv_export [--rows 50000] [--q WORDS]

Streams `/search/export.csv` in this process (Django's test client, no server) with the export
limit raised to --rows, reading the body chunk by chunk as a client would, and prints the rows
received, the seconds to the first byte and to the end, and the process's resident memory as
the rows arrive (at every tenth of them): a stream holds one batch at a time, so the figures
should stay level. Build the archive first, e.g. `manage.py benchmark --count 50000 --data-dir DIR`.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path


def resident_mb() -> float:
    """The process's resident set now (not its peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="export limit (default 50,000)")
    parser.add_argument("--q", default="", help="the search to export (default: everything)")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    os.environ["ARCHIVE_EXPORT_MAX_ROWS"] = str(options.rows)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ARCHIVE_EXPORTS_PER_WINDOW = 10**6  # one client, many runs: not what is measured
    client = Client()
    client.get("/search/", {"q": "embassy"})  # the first search builds the per-index caches
    before = resident_mb()
    started = time.perf_counter()
    response = client.get("/search/export.csv", {"q": options.q, "sort": "newest"})
    assert response.status_code == 200, response.status_code
    lines, first_byte, samples, step = 0, None, [], max(1, options.rows // 10)
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        before_chunk = lines
        lines += chunk.count(b"\n")
        if lines // step > before_chunk // step:
            samples.append((lines, resident_mb()))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{lines:,} lines (the header, the rows, any closing note) in {elapsed:.1f} s; "
        f"first byte after {first_byte:.2f} s"
    )
    print(f"resident memory before the export {before:.0f} MB; peak of the process {peak:.0f} MB")
    print("rows received → resident MB: " + ", ".join(f"{n:,} → {mb:.0f}" for n, mb in samples))


if __name__ == "__main__":
    main()
