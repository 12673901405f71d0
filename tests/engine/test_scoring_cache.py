"""The scorer's caches are bounded by the entries they hold, so a big archive stays in memory."""

from __future__ import annotations

from quipu_whoosh.scoring import SizedCache


def test_the_least_recently_used_values_go_first_when_the_entries_exceed_the_bound():
    cache = SizedCache(max_entries=10)
    cache.put("a", [1] * 4)
    cache.put("b", [1] * 4)
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", [1] * 4)
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    assert cache.entries == 8


def test_a_value_bigger_than_the_bound_is_kept_alone():
    cache = SizedCache(max_entries=10)
    cache.put("small", {1: 0.5})
    cache.put("huge", {n: 0.5 for n in range(50)})
    assert len(cache) == 1
    assert cache.get("huge") is not None


def test_putting_a_key_again_counts_its_entries_once():
    cache = SizedCache(max_entries=10)
    cache.put("a", [1] * 6)
    cache.put("a", [1] * 6)
    assert cache.entries == 6
    assert len(cache) == 1
