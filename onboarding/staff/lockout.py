"""Hooks that make django-axes lock out sign-ins without storing who tried.

django-axes calls each of these through a setting. ``AXES_USERNAME_CALLABLE``
turns the typed e-mail address into its blind index before axes builds a
cache key or a log line from it, and ``AXES_CLIENT_IP_CALLABLE`` does the
same with the client's IP address. ``AXES_LOCKOUT_CALLABLE`` renders the
page that a locked-out client receives.
"""

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vault import blind_index
from vault.client_ip import client_ip_address


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


def client_ip_index(request: HttpRequest) -> str | None:
    """Return the blind index of the client's IP address.

    django-axes names its address counters after this value, so the Redis
    keys hold a keyed digest: without the blind-index key, hashing every
    IPv4 address does not find the address behind a key.
    """
    address = client_ip_address(request)
    if not address:
        return None
    return blind_index.ip_address_index(address)


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
