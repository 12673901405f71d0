"""`manage.py benchmark_related` on the corpus: both measures, each over its own documents."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.search_fixtures import corpus, search_index  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_it_times_more_like_this_alone_and_related_documents(search_index):  # noqa: F811
    out = StringIO()
    call_command("benchmark_related", documents=4, stdout=out)
    rows = [line.split()[:4] for line in out.getvalue().splitlines()[1:]]
    assert rows == [
        ["more_like_this", "alone", "wall", "n=4"],
        ["more_like_this", "alone", "cpu", "n=4"],
        ["related", "documents", "wall", "n=4"],
        ["related", "documents", "cpu", "n=4"],
    ]


def test_it_refuses_fewer_than_one_document(search_index):  # noqa: F811
    with pytest.raises(CommandError, match="at least 1"):
        call_command("benchmark_related", documents=0)
