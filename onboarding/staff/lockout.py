"""Hooks that make django-axes lock out sign-ins without storing who tried.

django-axes calls each of these through a setting. ``AXES_USERNAME_CALLABLE``
turns the typed address into its blind index before axes builds a cache key
or a log line from it. ``AXES_CLIENT_IP_CALLABLE`` decides which address is
the client's. ``AXES_LOCKOUT_CALLABLE`` renders the page that a locked-out
client receives.
"""

import ipaddress
import math
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vault import blind_index

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def username_blind_index(
    request: HttpRequest | None, credentials: dict[str, Any] | None
) -> str | None:
    """Return the blind index of the address a sign-in attempt typed.

    Django's authenticate() and django-axes' own backend both pass the
    address as ``username``. Without credentials, it comes from the posted
    form.
    """
    address = (credentials or {}).get("username")
    if address is None and request is not None:
        address = request.POST.get("username")
    if not address:
        return None
    return blind_index.email_index(str(address))


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


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Return a 429 page that names the wait but not the account.

    The page and its headers never contain the typed address, and the
    response is no redirect, so the address cannot end up in a URL either.
    """
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    # AxesMiddleware swaps this in after the view has run, where Django no
    # longer renders a TemplateResponse, so the page is rendered here.
    response = render(
        request,
        "staff/locked_out.html",
        {"minutes": math.ceil(seconds / 60) if seconds else None},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
