"""What one very large document costs: import time and peak memory, page time and HTML size.

    .venv/bin/python -m tests.benchmarks.huge_document                  # 2 MB and 20 MB
    .venv/bin/python -m tests.benchmarks.huge_document --sizes 2 --repo OTHER_CHECKOUT

For each size (MB) it writes a text file of blank-line-separated "Para." blocks (the review's
legal-size file: 2 MB made 285,715 paragraphs), imports it into a fresh archive in a temporary
data directory, and prints the import's wall time and peak memory (RSS of the import
process), the number of paragraphs stored, then the public document page and the admin change
page (time, status, size of the HTML). `--repo` runs another checkout of Quipu (e.g. an older
commit) the same way; `--pages-up-to` skips the pages above a size (before the paragraph cap
they take minutes and gigabytes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PAGES_SCRIPT = """
import json, time, resource
from django.contrib.auth.models import User
from django.test import Client
from archive.models import Document
document = Document.objects.get()
figures = {"paragraphs": document.paragraphs.count(), "identifier": document.identifier}
client = Client(raise_request_exception=False)
start = time.perf_counter()
response = client.get(document.get_absolute_url())
figures["public"] = (response.status_code, time.perf_counter() - start, len(response.content))
admin = User.objects.create_superuser("bench", "bench@example.org", "bench-password-123")
client.force_login(admin)
start = time.perf_counter()
response = client.get(f"/admin/archive/document/{document.pk}/change/")
figures["admin"] = (response.status_code, time.perf_counter() - start, len(response.content))
figures["pages_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(figures))
"""


def write_file(path: Path, megabytes: float) -> None:
    block = "Para.\n\n"
    count = int(megabytes * 1_000_000) // len(block)
    path.write_text("A legal-size filing of many short paragraphs\n\n" + block * count, encoding="utf-8")


# Runs manage.py and reports the peak RSS of its own process (children's ru_maxrss is the
# largest child so far, which an earlier, larger import would hide).
MANAGE_WITH_PEAK = """
import resource, runpy, sys
sys.argv = ["manage.py", *sys.argv[1:]]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    print(f"PEAK_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


def run(repo: Path, env: dict, *args: str) -> tuple[subprocess.CompletedProcess, float, float]:
    """A manage.py command in its own process: (result, seconds, peak RSS in MB of that process)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MANAGE_WITH_PEAK, *args], cwd=repo, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    peaks = [line for line in result.stderr.splitlines() if line.startswith("PEAK_KB=")]
    peak = int(peaks[-1].split("=")[1]) / 1024 if peaks else float("nan")
    return result, seconds, peak


def measure(repo: Path, megabytes: float, pages: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="quipu-huge-") as directory:
        data = Path(directory)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))},
            "ARCHIVE_DATA_DIR": str(data / "var"),
            "ARCHIVE_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(repo),
            "ARCHIVE_MAX_IMPORT_BYTES": str(50_000_000),
        }
        run(repo, env, "migrate", "--noinput", "--verbosity", "0")
        source = data / "filing.txt"
        write_file(source, megabytes)
        result, seconds, peak = run(repo, env, "import_documents", str(source))
        size = source.stat().st_size
        print(f"{megabytes:g} MB file ({size:,} bytes): import {seconds:.1f} s, peak RSS {peak:,.0f} MB")
        for line in (result.stdout + result.stderr).splitlines():
            if "warning" in line or "failed" in line:
                print(f"    {line.strip()[:200]}")
        if not pages:
            return
        result, _, _ = run(repo, env, "shell", "-c", PAGES_SCRIPT)
        if result.returncode:
            print(f"    pages failed: {result.stderr.strip().splitlines()[-1:]}")
            return
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"    {figures['paragraphs']:,} paragraphs stored")
        for name in ("public", "admin"):
            status, page_seconds, length = figures[name]
            print(f"    {name} page: {status}, {page_seconds:.2f} s, {length / 1e6:,.2f} MB of HTML")
        print(f"    peak RSS of the process serving both pages: {figures['pages_peak_mb']:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[2, 20], help="file sizes in MB")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--pages-up-to", type=float, default=100, help="measure pages up to this size (MB)")
    options = parser.parse_args()
    print(f"checkout: {options.repo}")
    for megabytes in options.sizes:
        measure(options.repo.resolve(), megabytes, pages=megabytes <= options.pages_up_to)


if __name__ == "__main__":
    main()
