"""Hardening: headers, deploy checks, admin login rate limit, originals never rendered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("url", ["/", "/search/?q=VRAE", "/documents/07LIMA3429/", "/api/documents/"])
def test_pages_forbid_inline_script_and_sniffing(client, seeds, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_version_banner_in_responses(client, seeds):
    response = client.get("/")
    assert "Server" not in response or "/" not in response["Server"]
    assert "X-Powered-By" not in response


def test_original_is_plain_text_never_html(client, tmp_path, import_file):
    page = sorted((ROOT / "tests" / "data" / "corpus").rglob("*.html"))[0]
    result = import_file(page)
    response = client.get(f"/documents/{result.identifier}/original/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == page.read_bytes()


def test_admin_login_is_locked_after_repeated_failures(client, settings):
    User.objects.create_superuser("admin", "admin@example.org", "a-long-and-correct-password")
    statuses = [
        client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "a-long-and-correct-password"}
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_form_carries_a_csrf_token(client):
    response = client.get("/admin/login/")
    assert b"csrfmiddlewaretoken" in response.content


def test_forms_that_change_state_are_csrf_protected(seeds):
    from django.test import Client

    User.objects.create_superuser("admin", "admin@example.org", "a-long-and-correct-password")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "admin", "password": "a-long-and-correct-password"})
    assert response.status_code == 403


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))
    }
    environment.update(
        ARCHIVE_DATA_DIR=str(tmp_path),
        DJANGO_SECRET_KEY="q8#Zr!v2@Lm9$Tp4^Wx7&Kd1*Hs6(Jn3)Bf5-Gc0_Ye8+Ua2=Oi4",
        DJANGO_ALLOWED_HOSTS="archive.example.org",
        DJANGO_SECURE="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def status_codes_with_production_settings(tmp_path, *paths: str) -> list[int]:
    """GET each path over plain HTTP in a fresh process started with DJANGO_SECURE=1."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))
    }
    environment.update(ARCHIVE_DATA_DIR=str(tmp_path), DJANGO_SECURE="1")
    script = (
        "import json; from django.test import Client; "
        f"print(json.dumps([Client().get(p).status_code for p in {list(paths)!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_tls_the_health_check_answers_plain_http_instead_of_redirecting(tmp_path):
    # A load balancer probes the backend over plain HTTP; a redirect would read as unhealthy.
    # (503 here: the fresh data directory has no database tables.)
    home, health = status_codes_with_production_settings(tmp_path, "/", "/healthz")
    assert home == 301
    assert health in (200, 503)
