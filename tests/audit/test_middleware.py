"""Every response carries a correlation id that the audit entries share."""

import uuid

import pytest
from django.urls import reverse

HOME = reverse("onboarding:home")


@pytest.mark.django_db
def test_response_gets_new_request_id(client):
    first = client.get(HOME)["X-Request-ID"]
    second = client.get(HOME)["X-Request-ID"]

    assert str(uuid.UUID(first)) == first
    assert first != second


@pytest.mark.django_db
def test_incoming_uuid_reused(client):
    incoming = str(uuid.uuid4())

    response = client.get(HOME, HTTP_X_REQUEST_ID=incoming.upper())

    assert response["X-Request-ID"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["not-a-uuid", "canary.text@example.com", "1" * 5000, ""],
    ids=["text", "address", "long", "empty"],
)
def test_other_incoming_ids_replaced(client, incoming):
    response = client.get(HOME, HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert uuid.UUID(response["X-Request-ID"])
