"""Staff search: exact matches through blind indexes, never substrings."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent

CHANGELIST = reverse("staff:onboarding_applicant_changelist")


@pytest.fixture
def support(portal_client):
    return portal_client("Support")


def found(client, term: str) -> bool:
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return response.context["cl"].result_count == 1


@pytest.mark.django_db
def test_search_by_email_any_case(support, submitted_applicant, canary):
    assert found(support, canary.email.upper())


@pytest.mark.django_db
def test_search_by_phone_any_format(support, submitted_applicant, canary):
    assert found(support, canary.phone)
    assert found(support, canary.phone_e164)


@pytest.mark.django_db
def test_search_by_reference(support, submitted_applicant):
    assert found(support, submitted_applicant.reference.lower())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(lambda c: c.email.split("@")[0], id="local part of email"),
        pytest.param(lambda c: c.email.split("@")[1], id="email domain"),
        pytest.param(lambda c: c.phone_e164[:-2], id="phone prefix"),
        pytest.param(lambda c: c.legal_name, id="name"),
        pytest.param(lambda c: c.national_id, id="national ID"),
    ],
)
def test_partial_terms_match_nothing(support, submitted_applicant, canary, partial):
    assert not found(support, partial(canary))


@pytest.mark.django_db
def test_search_logged_without_term(support, submitted_applicant, canary):
    support.get(CHANGELIST, {"q": canary.email})

    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.detail == {"kind": "email"}
    assert canary.email not in str(event.detail)


@pytest.mark.django_db
def test_status_filter(support, submitted_applicant):
    submitted = support.get(CHANGELIST, {"status__exact": "submitted"})
    verified = support.get(CHANGELIST, {"status__exact": "verified"})

    assert submitted.context["cl"].result_count == 1
    assert verified.context["cl"].result_count == 0
