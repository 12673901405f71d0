"""Configuration comes from the environment; a bad value stops start-up and names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from archive.search.urls import search_connection_from_url

ROOT = Path(__file__).resolve().parent.parent


def start_django(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with the given environment, as `manage.py check` would."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))
    }
    environment.update({"ARCHIVE_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_default_search_engine_is_whoosh_in_the_data_dir(tmp_path):
    connection = search_connection_from_url("", tmp_path)
    assert connection == {
        "ENGINE": "quipu_whoosh.backend.QuipuWhooshEngine",
        "PATH": str(tmp_path / "whoosh"),
    }


def test_whoosh_url_sets_the_index_path(tmp_path):
    connection = search_connection_from_url("whoosh:///srv/quipu/index", tmp_path)
    assert connection["PATH"] == "/srv/quipu/index"


def test_elasticsearch_url_maps_to_haystacks_own_backend(tmp_path):
    connection = search_connection_from_url("elasticsearch://search.internal:9200/quipu", tmp_path)
    assert connection == {
        "ENGINE": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
        "URL": "http://search.internal:9200/",
        "INDEX_NAME": "quipu",
    }


def test_solr_url_maps_to_haystacks_own_backend(tmp_path):
    connection = search_connection_from_url("solr://solr.internal:8983/solr/quipu", tmp_path)
    assert connection == {
        "ENGINE": "haystack.backends.solr_backend.SolrEngine",
        "URL": "http://solr.internal:8983/solr/quipu",
    }


@pytest.mark.parametrize(
    "url", ["whoosh://relative/path", "elasticsearch://host:9200/", "solr://:8983/", "redis://localhost/0"]
)
def test_malformed_search_urls_are_refused_naming_search_url(tmp_path, url):
    with pytest.raises(ImproperlyConfigured, match="SEARCH_URL"):
        search_connection_from_url(url, tmp_path)


def test_generated_secret_key_is_kept_in_the_data_dir(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "data" / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("SEARCH_URL", "ftp://example/index"),
        ("DATABASE_URL", "nosuchdb://x/y"),
        ("ARCHIVE_MAX_IMPORT_BYTES", "lots"),
        ("ARCHIVE_SEARCH_MAX_WILDCARD_TERMS", "-1"),
        ("ARCHIVE_SEARCH_MAX_EXPANSIONS", "0"),
        ("ARCHIVE_SEARCH_TIME_BUDGET", "soon"),
        ("ARCHIVE_SEARCH_TIME_BUDGET", "nan"),
        ("ARCHIVE_SEARCH_TIME_BUDGET", "0"),
        ("ARCHIVE_MARKDOWN_MAX_CHARS", "0"),
        ("ARCHIVE_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("ARCHIVE_TRUSTED_PROXIES", "proxy.internal"),
    ],
)
def test_bad_values_fail_at_start_up_naming_the_variable(tmp_path, variable, value):
    result = start_django(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_is_off_by_default():
    from django.conf import settings

    assert settings.DEBUG is False


def test_trusted_proxies_are_addresses_and_networks_separated_by_commas(monkeypatch):
    from ipaddress import ip_network

    from archive.settings import envnetworks

    monkeypatch.setenv("ARCHIVE_TRUSTED_PROXIES", " 10.0.0.5, 172.16.0.0/12,,fd00::/8 ")
    assert envnetworks("ARCHIVE_TRUSTED_PROXIES") == [
        ip_network("10.0.0.5/32"),
        ip_network("172.16.0.0/12"),
        ip_network("fd00::/8"),
    ]
    monkeypatch.delenv("ARCHIVE_TRUSTED_PROXIES")
    assert envnetworks("ARCHIVE_TRUSTED_PROXIES") == []


# Processes starting together on a fresh data directory: gunicorn's workers, or `make run`'s
# commands. Each process loads the settings as Django does, for one fresh data directory after
# another, all of them released at the same moment for each directory.
STARTING_TOGETHER = 4
FRESH_DATA_DIRS = 150
LOAD_SETTINGS_ON_CUE = """
import importlib, os, sys
import django.core.exceptions, archive.search.urls  # what the settings import, loaded before the cue
print("ready", flush=True)
for line in sys.stdin:
    os.environ["ARCHIVE_DATA_DIR"] = line.strip()
    sys.modules.pop("archive.settings", None)
    try:
        settings = importlib.import_module("archive.settings")
    except Exception as exc:
        print("error", exc, flush=True)
    else:
        print("key", settings.SECRET_KEY, flush=True)
"""


@pytest.fixture
def starters():
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", LOAD_SETTINGS_ON_CUE],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTING_TOGETHER)
    ]
    for process in processes:
        assert process.stdout.readline() == "ready\n"
    yield processes
    for process in processes:
        process.stdin.close()
        process.wait(timeout=60)


def start_together(processes, data_dir: Path) -> list[str]:
    """What each process read when all of them loaded the settings for this data directory at once."""
    for process in processes:
        process.stdin.write(f"{data_dir}\n")
        process.stdin.flush()
    return [process.stdout.readline().strip() for process in processes]


def test_processes_starting_together_on_a_fresh_data_dir_all_read_one_whole_key(tmp_path, starters):
    failures = []
    for trial in range(FRESH_DATA_DIRS):
        data_dir = tmp_path / f"data{trial}"
        outcomes = start_together(starters, data_dir)
        key_file = data_dir / "secret_key"
        if outcomes != [f"key {key_file.read_text()}"] * STARTING_TOGETHER:
            failures.append(outcomes)
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert [p.name for p in data_dir.iterdir() if p.name != "static"] == ["secret_key"]
    assert failures == [], f"{len(failures)} of {FRESH_DATA_DIRS} starts failed, e.g. {failures[0]}"
