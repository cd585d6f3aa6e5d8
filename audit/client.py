"""Describe the client of a request without storing its address."""

import ipaddress

from django.http import HttpRequest

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def client_network(request: HttpRequest | None) -> str:
    """Return the client's network, such as ``203.0.113.0/24``, or "".

    The address comes from django-axes, which trusts X-Forwarded-For only
    from the configured proxies, so audit rows and lockouts agree on who the
    client is.
    """
    if request is None:
        return ""
    # Imported here because axes.helpers loads axes' models, which needs the
    # app registry to be ready.
    from axes.helpers import get_client_ip_address

    address = get_client_ip_address(request)
    if not address:
        return ""
    parsed = ipaddress.ip_address(address)
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))
