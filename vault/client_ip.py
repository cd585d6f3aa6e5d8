"""Find the client's IP address behind the configured reverse proxies.

Lockouts, rate limits and the audit trail all need to agree on who the
client is, and all must ignore an X-Forwarded-For header that the client
wrote itself.
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip_address(request: HttpRequest) -> str | None:
    """Return the client's IP address, trusting only configured proxies.

    Each reverse proxy appends the address it received the request from to
    X-Forwarded-For, so behind N proxies the client is the N-th entry from
    the right and everything left of it is whatever the client sent. With
    TRUSTED_PROXY_COUNT at 0, or a request that does not come from a
    TRUSTED_PROXY_IPS network, the header is ignored and REMOTE_ADDR counts.
    """
    remote_address = request.META.get("REMOTE_ADDR")
    proxy_count = settings.TRUSTED_PROXY_COUNT
    if proxy_count <= 0 or not _from_trusted_proxy(remote_address):
        return remote_address

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxy_count:
        return remote_address
    client = hops[-proxy_count]
    try:
        return str(ipaddress.ip_address(client))
    except ValueError:
        return remote_address


def _from_trusted_proxy(remote_address: str | None) -> bool:
    networks = _trusted_proxy_networks()
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote_address or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _trusted_proxy_networks() -> tuple[IpNetwork, ...]:
    try:
        return tuple(
            ipaddress.ip_network(entry, strict=False)
            for entry in settings.TRUSTED_PROXY_IPS
        )
    except ValueError as error:
        msg = (
            "TRUSTED_PROXY_IPS contains an entry that is not an IP address or "
            "network. List addresses such as 10.0.0.5 or networks such as "
            "10.0.0.0/24, separated by commas."
        )
        raise ImproperlyConfigured(msg) from error
