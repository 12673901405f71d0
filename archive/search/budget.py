"""A time budget for searching: the engine's loops check it and stop once it is spent.

Timing a request afterwards would not free the worker; an alarm signal could interrupt a
search anywhere, a cache half updated included. So the long loops call check() between
two pieces of work (a posting block, a word of a prefix's expansion, a paragraph…), and a
search that has run out of time raises SearchTimedOut, leaving every cache as it was.

    with time_budget(5):   # the search page opens one for all its searches
        ...                # the engine's loops call check() or iterate through checked()

Budgets nest: an inner one never ends later than the one around it. Outside any budget,
check() does nothing (document pages, commands).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from haystack.exceptions import SearchBackendError

_deadline: ContextVar[float | None] = ContextVar("search_deadline", default=None)

# checked() looks at the clock every this many items: often enough to stop within
# milliseconds, rarely enough to cost nothing next to the work on each item.
EVERY = 256


class SearchTimedOut(SearchBackendError):
    """The search ran out of its time budget and was stopped."""


@contextmanager
def time_budget(seconds: float):
    """Searches in the block stop after `seconds` (or sooner, if an enclosing budget ends first)."""
    deadline = time.monotonic() + seconds
    enclosing = _deadline.get()
    token = _deadline.set(deadline if enclosing is None else min(deadline, enclosing))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise SearchTimedOut if the current budget is spent."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise SearchTimedOut("the search ran out of time")


def checked(items: Iterable, every: int = EVERY) -> Iterator:
    """The items, with check() before the first and then every `every` items."""
    if _deadline.get() is None:
        yield from items
        return
    for count, item in enumerate(items):
        if not count % every:
            check()
        yield item
