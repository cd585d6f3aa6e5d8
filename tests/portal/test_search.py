"""Staff search: exact matches through blind indexes, never substrings."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent

CHANGELIST = reverse("staff:onboarding_applicant_changelist")
SEARCH = reverse("staff:onboarding_applicant_search")


@pytest.fixture
def support(portal_client):
    return portal_client("Support")


def found(client, term: str) -> bool:
    response = client.post(SEARCH, {"q": term}, follow=True)
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
    support.post(SEARCH, {"q": canary.email})

    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.detail == {"kind": "email"}
    assert canary.email not in str(event.detail)


@pytest.mark.django_db
def test_status_filter(support, submitted_applicant):
    submitted = support.get(CHANGELIST, {"status__exact": "submitted"})
    verified = support.get(CHANGELIST, {"status__exact": "verified"})

    assert submitted.context["cl"].result_count == 1
    assert verified.context["cl"].result_count == 0


@pytest.mark.django_db
def test_posted_search_redirects_by_reference(support, submitted_applicant, canary):
    response = support.post(SEARCH, {"q": canary.email})

    assert response.status_code == 302
    assert response["Location"] == (
        f"{CHANGELIST}?reference__in={submitted_applicant.reference}"
    )
    listed = support.get(response["Location"])
    assert listed.context["cl"].result_count == 1
    event = AccessEvent.objects.get(action=AccessEvent.Action.SEARCH)
    assert event.detail == {"kind": "email"}


@pytest.mark.django_db
def test_posted_search_without_match(support, submitted_applicant, canary):
    response = support.post(SEARCH, {"q": canary.legal_name})

    assert response["Location"] == f"{CHANGELIST}?reference__in="
    assert support.get(response["Location"]).context["cl"].result_count == 0


@pytest.mark.django_db
def test_posted_search_needs_view_permission(portal_client, submitted_applicant):
    security = portal_client("Security")

    response = security.post(SEARCH, {"q": submitted_applicant.reference})

    assert response.status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SEARCH).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term",
    [
        pytest.param(lambda c: c.email, id="email"),
        pytest.param(lambda c: c.phone_e164, id="phone"),
    ],
)
def test_url_search_ignores_personal_terms(support, submitted_applicant, canary, term):
    response = support.get(CHANGELIST, {"q": term(canary)})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.django_db
def test_url_search_by_reference(support, submitted_applicant):
    response = support.get(CHANGELIST, {"q": submitted_applicant.reference})

    assert response.context["cl"].result_count == 1
