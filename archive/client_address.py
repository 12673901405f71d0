"""The address of the client a request came from, seen through the reverse proxies we trust.

Behind a proxy every request arrives from the proxy's address, so a lockout keyed on it
locks everyone out at once. Each proxy appends the address it received the request from
to X-Forwarded-For; anything to the left of the hops our proxies appended was written by
the client and may be forged. So the header is read only when the request comes from a
proxy named in ARCHIVE_TRUSTED_PROXIES, from the right, skipping trusted proxies: the
first other address is the client.

django-axes keys its lockout on this (settings.AXES_CLIENT_IP_CALLABLE).
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings


def is_trusted_proxy(address: str) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.ARCHIVE_TRUSTED_PROXIES)


def client_address(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        try:
            ip_address(hop)
        except ValueError:
            break  # a trusted proxy writes addresses only: the rest was not written by one
        address = hop
        if not is_trusted_proxy(hop):
            break
    return address
