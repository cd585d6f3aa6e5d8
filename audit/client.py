"""Describe the client of a request without storing its address."""

import ipaddress

from django.http import HttpRequest

from vault.client_ip import client_ip_address

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def client_network(request: HttpRequest | None) -> str:
    """Return the client's network, such as ``203.0.113.0/24``, or "".

    The address is the one that lockouts and rate limits count, which
    trusts X-Forwarded-For only from the configured proxies.
    """
    if request is None:
        return ""
    address = client_ip_address(request)
    if not address:
        return ""
    parsed = ipaddress.ip_address(address)
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))
