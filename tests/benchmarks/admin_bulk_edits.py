"""How long the admin's large edits keep their request busy: prints time, status and what is left queued.

    .venv/bin/python -m tests.benchmarks.admin_bulk_edits [--count 6100] [--backlog 11911]
    .venv/bin/python -m tests.benchmarks.admin_bulk_edits --repo OTHER_CHECKOUT     # e.g. an older commit

In a fresh archive (a temporary data directory) of `--count` synthetic cables, imported and
indexed, it times two requests made the way a browser makes them (Django's test client, DEBUG
off, real commits, so the index queue drains after them as it does under gunicorn):
  1. "Add tags…" on every document of the change list (the review's "tag all results": 6,038);
  2. a tagger's single tag edit on one document while `--backlog` rows are already queued
     (the review's 11,911).
Each line gives the status, the seconds the request took (gunicorn's worker timeout is 60 s:
longer is a 500) and the rows left in the index queue afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REQUESTS = """
import time
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, User
from django.test import Client
from django.test.utils import setup_test_environment
from tests.admin_support import change_form_post
from archive.models import Document, PendingIndexUpdate, Tag

setup_test_environment()  # responses keep their template context (the form, the messages)

def show(name, response, seconds):
    left = PendingIndexUpdate.objects.count()
    notes = [str(m) for m in response.context["messages"]] if response.context else []
    print(f"{name}: {response.status_code}, {seconds:.1f} s, {left:,} rows left queued; {notes}")

editor = User.objects.create_superuser("bench-editor", "e@example.org", "bench-password-123")
client = Client(raise_request_exception=False)
client.force_login(editor)
pks = list(Document.objects.values_list("pk", flat=True))
# "Select all N documents": the action gets the change list's whole queryset.
post = {"action": "add_tags", "apply": "1", "select_across": "1", "new_tags": "BENCH-ALL",
        helpers.ACTION_CHECKBOX_NAME: [str(pks[0])]}
start = time.perf_counter()
response = client.post("/admin/archive/document/", post, follow=True)
show(f"add a tag to {len(pks):,} documents", response, time.perf_counter() - start)

PendingIndexUpdate.objects.all().delete()
PendingIndexUpdate.objects.bulk_create(
    [PendingIndexUpdate(document_pk=pk) for pk in (pks * 3)[:BACKLOG]], batch_size=2000
)
tagger = User.objects.create_user("bench-tagger", password="bench-password-123", is_staff=True)
tagger.groups.add(Group.objects.get(name="Tagger"))
client.force_login(tagger)
document = Document.objects.order_by("pk").last()
tag = Tag.objects.create(name="BENCH-ONE")
url = f"/admin/archive/document/{document.pk}/change/"
page = client.get(url)
assert page.status_code == 200, page.status_code
data = change_form_post(page, tags=[str(t.pk) for t in document.tags.all()] + [str(tag.pk)])
start = time.perf_counter()
response = client.post(url, data, follow=True)
show(f"one tag edit behind {BACKLOG:,} queued rows", response, time.perf_counter() - start)
"""


def manage(repo: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=repo, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6_100, help="synthetic cables in the archive")
    parser.add_argument("--backlog", type=int, default=11_911, help="rows queued before the single edit")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout to measure")
    options = parser.parse_args()
    repo = options.repo.resolve()
    with tempfile.TemporaryDirectory(prefix="quipu-bulk-") as directory:
        data = Path(directory)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))},
            "ARCHIVE_DATA_DIR": str(data / "var"),
            "ARCHIVE_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(repo),
        }
        manage(repo, env, "migrate", "--noinput", "--verbosity", "0")
        corpus = data / "cables.csv"
        count = str(options.count)
        manage(repo, env, "generate_corpus", "--count", count, "--seed", "1", "--out", str(corpus))
        manage(repo, env, "import_documents", "--format", "cablegate-csv", str(corpus), "--verbosity", "0")
        print(f"checkout: {repo}; {options.count:,} cables imported and indexed")
        script = f"BACKLOG = {options.backlog}\n" + REQUESTS
        print(manage(repo, env, "shell", "-c", script).strip())


if __name__ == "__main__":
    main()
