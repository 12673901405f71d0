"""Failed admin logins lock out one username from one client address, the real one behind a proxy.

Behind a reverse proxy every request comes from the proxy's address: X-Forwarded-For is read,
but only from the proxies named in ARCHIVE_TRUSTED_PROXIES, and only the hops they appended.
"""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from archive.client_address import client_address

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-and-correct-password"
PROXY = "10.0.0.5"
ATTACKER = "203.0.113.9"
ADMIN_DESK = "198.51.100.7"


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def behind_proxy(settings):
    settings.ARCHIVE_TRUSTED_PROXIES = [ip_network("10.0.0.0/24"), ip_network("fd00::/8")]


def post_login(client, password: str, remote: str, forwarded: str | None = None, username: str = "admin"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def lock_out(client, settings, remote: str, forwarded: str | None = None) -> list[int]:
    return [
        post_login(client, "wrong", remote, forwarded).status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_behind_a_trusted_proxy_an_attacker_locks_out_only_their_own_address(
    client, settings, admin_user, behind_proxy
):
    assert lock_out(client, settings, PROXY, ATTACKER)[-1] == 429
    response = post_login(client, PASSWORD, PROXY, ADMIN_DESK)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_behind_a_trusted_proxy_the_attacker_stays_locked_out(client, settings, admin_user, behind_proxy):
    lock_out(client, settings, PROXY, ATTACKER)
    assert post_login(client, PASSWORD, PROXY, ATTACKER).status_code == 429


def test_a_forged_x_forwarded_for_from_an_untrusted_address_is_ignored(
    client, settings, admin_user, behind_proxy
):
    statuses = [
        post_login(client, "wrong", ATTACKER, f"192.0.2.{n}").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429


def test_addresses_the_client_wrote_before_the_proxies_hops_are_ignored(
    client, settings, admin_user, behind_proxy
):
    # The proxy appends the address it saw; whatever the client sent is to the left of it.
    statuses = [
        post_login(client, "wrong", PROXY, f"192.0.2.{n}, {ATTACKER}").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    assert post_login(client, PASSWORD, PROXY, ADMIN_DESK).status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, settings, admin_user):
    lock_out(client, settings, PROXY, ATTACKER)
    assert post_login(client, PASSWORD, PROXY, ADMIN_DESK).status_code == 429


def test_failures_for_another_username_do_not_lock_out_the_admin(client, settings, admin_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "wrong", ATTACKER, username="root")
    assert post_login(client, PASSWORD, ATTACKER).status_code == 302


def test_the_client_address_is_the_nearest_hop_no_trusted_proxy_appended(behind_proxy):
    assert address(ATTACKER) == ATTACKER
    assert address(ATTACKER, "192.0.2.1") == ATTACKER
    assert address(PROXY) == PROXY
    assert address(PROXY, ATTACKER) == ATTACKER
    assert address(PROXY, f"192.0.2.1, {ATTACKER}, 10.0.0.7") == ATTACKER
    assert address("fd00::1", "2001:db8::2") == "2001:db8::2"
    assert address(PROXY, "10.0.0.8") == "10.0.0.8"  # every hop a proxy: the farthest one
    assert address(PROXY, "not-an-address") == PROXY
    assert address(PROXY, "") == PROXY
