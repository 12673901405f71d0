"""A request applies a bounded part of the index queue; the rest is left to a background process.

A bulk tag edit on thousands of documents, or a single edit made while thousands of rows are
queued, must not keep its request busy until the queue is empty: the request applies at
most ARCHIVE_INDEX_DRAIN_PER_REQUEST rows, its own first, and the admin says how many
documents are still to be indexed. `process_index_queue --follow` (started by `make run`)
applies the rest.

These tests commit (transaction=True), so the queue drains after each commit as in production.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from admin_support import (
    CHANGELIST,
    apply_post,
    change_form_post,
    make_document,
    make_superuser,
    make_tag,
    make_tagger,
    messages_of,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)

from archive.models import PendingIndexUpdate
from archive.search import searching
from tests.serving_support import PYTHON, ROOT, archive_environment, manage, prepare_archive

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 3


@pytest.fixture(autouse=True)
def small_request_share(settings):
    settings.ARCHIVE_INDEX_DRAIN_PER_REQUEST = LIMIT


@pytest.fixture
def documents():
    return [make_document(f"07LIMA{n}", f"Cable {n}") for n in range(1, 9)]


def tagged(name: str) -> set[str]:
    results = searching.search(f'tag:"{name}"', {}, page_size=100).results
    return {result.document.identifier for result in results}


def queued_documents() -> set[int]:
    return set(PendingIndexUpdate.objects.values_list("document_pk", flat=True))


def test_a_bulk_tag_edit_indexes_a_bounded_share_and_leaves_the_rest_queued(client, documents):
    client.force_login(make_superuser())
    make_tag("VRAE")
    post = apply_post("add_tags", documents, new_tags="VRAE")

    response = client.post(CHANGELIST, post, follow=True)

    assert response.status_code == 200
    assert len(tagged("VRAE")) == LIMIT
    assert len(queued_documents()) == len(documents) - LIMIT
    assert "5 documents will be searchable within a minute." in messages_of(response)


def test_a_single_edit_is_indexed_by_its_request_although_a_backlog_is_queued(client, documents):
    backlog = documents[:-1]
    PendingIndexUpdate.objects.bulk_create(PendingIndexUpdate(document_pk=d.pk) for d in backlog * 2)
    client.force_login(make_tagger())
    edited = documents[-1]
    url = f"{CHANGELIST}{edited.pk}/change/"
    tag = make_tag("CONC-Y")

    response = client.post(url, change_form_post(client.get(url), tags=[str(tag.pk)]), follow=True)

    assert response.status_code == 200
    assert tagged("CONC-Y") == {edited.identifier}
    # Its own row, then the newest rows up to the limit: older rows of those documents go too.
    assert queued_documents() == {d.pk for d in backlog[: -(LIMIT - 1)]}
    assert PendingIndexUpdate.objects.count() == 2 * (len(backlog) - (LIMIT - 1))
    assert not any("searchable within" in message for message in messages_of(response))


def test_a_management_command_still_drains_the_whole_queue(documents):
    from archive.search import indexing as queue

    PendingIndexUpdate.objects.bulk_create(PendingIndexUpdate(document_pk=d.pk) for d in documents)
    assert queue.drain_queue(wait=5) == len(documents)
    assert not PendingIndexUpdate.objects.exists()


# The background process, in an archive of its own (a file database other processes share).


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    env = archive_environment(tmp_path_factory.mktemp("follow"))
    prepare_archive(env)
    return env


def queue_rows_elsewhere(env, count: int) -> None:
    """Rows left queued by some other process (a request that applied only its share)."""
    script = (
        "from archive.models import Document, PendingIndexUpdate as P; "
        "pks = Document.objects.values_list('pk', flat=True); "
        f"P.objects.bulk_create([P(document_pk=pk) for pk in pks] * {count})"
    )
    manage(env, "shell", "-c", script)


def rows_left(env) -> int:
    script = "from archive.models import PendingIndexUpdate as P; print(P.objects.count())"
    return int(manage(env, "shell", "-c", script).strip().splitlines()[-1])


def wait_for_empty_queue(env, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while (left := rows_left(env)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_follower_applies_rows_as_they_arrive_and_stops_cleanly_on_a_signal(archive, stop_signal):
    follower = subprocess.Popen(
        [PYTHON, "manage.py", "process_index_queue", "--follow"],
        cwd=ROOT,
        env=archive,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        queue_rows_elsewhere(archive, 2)
        assert wait_for_empty_queue(archive) == 0
        queue_rows_elsewhere(archive, 1)  # later rows too: it keeps following
        assert wait_for_empty_queue(archive) == 0
        follower.send_signal(stop_signal)
        out, err = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out
