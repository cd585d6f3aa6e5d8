"""Labels for a security event's ``source``: a network, a staff member or a task."""

from django.http import HttpRequest

from audit.client import client_network


def network_source(request: HttpRequest) -> str:
    network = client_network(request)
    return f"network {network}" if network else "network unknown"


def staff_source(user_id: object) -> str:
    return f"staff {user_id}"
