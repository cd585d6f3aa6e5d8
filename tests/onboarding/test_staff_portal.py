"""The staff portal's applicant pages: masked values, access and read-only.

Staff see each personal value through a vault mask, reach an applicant by
the opaque reference, and cannot add, change or delete applicants.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from onboarding import services
from onboarding.models import Applicant, User
from tests.canaries import make_canary
from tests.conftest import canary_wizard_data
from vault import masking

CHANGELIST = reverse("staff:onboarding_applicant_changelist")
REFERENCE_PATTERN = re.compile(r"APL(-[0-9A-HJKMNP-TV-Z]{4}){3}")
DATE_MASK = "****-**-**"
FORM_CONTROL_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def detail_url(applicant: Applicant) -> str:
    return reverse("staff:onboarding_applicant_change", args=[applicant.reference])


def delete_url(applicant: Applicant) -> str:
    return reverse("staff:onboarding_applicant_delete", args=[applicant.reference])


def submit_applicants(count: int) -> list[Applicant]:
    """Submit ``count`` applications, each with its own fresh canary."""
    applicants = []
    for _ in range(count):
        canary = make_canary()
        user = User.objects.create_user(
            canary.email, canary.password, email_verified_at=timezone.now()
        )
        applicant = services.applicant_for_user(user=user)
        applicants.append(
            services.applicant_submit(
                applicant=applicant, data=canary_wizard_data(canary)
            )
        )
    return applicants


def changelist_query_count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def expected_masks(canary) -> list[str]:
    return [
        masking.mask_email(canary.email),
        masking.mask_name(canary.legal_name),
        masking.mask_last_four(canary.phone_e164),
    ]


def leaked_values(response, canary) -> list[str]:
    """Return the names of canary values that appear in the page."""
    page = response.content.decode().lower()
    return [
        name
        for name, value in canary.values().items()
        if value.lower() in page or escape(value).lower() in page
    ]


@pytest.mark.django_db
def test_list_shows_masked_values(staff_client, submitted_applicant, canary):
    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    for mask in expected_masks(canary):
        assert escape(mask) in page


@pytest.mark.django_db
def test_list_shows_no_canary_value(staff_client, submitted_applicant, canary):
    response = staff_client.get(CHANGELIST)

    assert leaked_values(response, canary) == []


@pytest.mark.django_db
def test_detail_shows_masked_values(staff_client, submitted_applicant, canary):
    response = staff_client.get(detail_url(submitted_applicant))

    assert response.status_code == 200
    page = response.content.decode()
    for mask in [
        *expected_masks(canary),
        masking.mask_last_four(canary.national_id),
        DATE_MASK,
    ]:
        assert escape(mask) in page


@pytest.mark.django_db
def test_minimized_national_id_keeps_its_mask(
    staff_client, submitted_applicant, canary
):
    # What the verified-minimization retention rule leaves of the number.
    submitted_applicant.national_id = None
    submitted_applicant.national_id_last4 = canary.national_id[-4:]
    submitted_applicant.save(update_fields=["national_id", "national_id_last4"])

    response = staff_client.get(detail_url(submitted_applicant))

    assert (
        escape(masking.mask_last_four(canary.national_id)) in response.content.decode()
    )


@pytest.mark.django_db
def test_detail_shows_no_canary_value(staff_client, submitted_applicant, canary):
    response = staff_client.get(detail_url(submitted_applicant))

    assert leaked_values(response, canary) == []


@pytest.mark.django_db
def test_list_query_count_constant(staff_client):
    submit_applicants(1)
    queries_for_one = changelist_query_count(staff_client)
    submit_applicants(19)
    assert Applicant.objects.count() == 20

    queries_for_twenty = changelist_query_count(staff_client)

    assert queries_for_twenty == queries_for_one


STAFF_PAGES = [
    pytest.param(lambda applicant: CHANGELIST, id="list"),
    pytest.param(detail_url, id="detail"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("page_url", STAFF_PAGES)
@pytest.mark.parametrize("visitor", ["anonymous", "applicant"])
def test_non_staff_redirected_to_login(
    client, canary, submitted_applicant, page_url, visitor
):
    if visitor == "applicant":
        assert client.login(username=canary.email, password=canary.password)
    url = page_url(submitted_applicant)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:login')}?next={url}"


@pytest.mark.django_db
def test_detail_url_uses_reference(submitted_applicant):
    url = detail_url(submitted_applicant)

    assert REFERENCE_PATTERN.fullmatch(submitted_applicant.reference)
    assert f"/{submitted_applicant.reference}/" in url


@pytest.mark.django_db
def test_list_links_by_reference(staff_client, submitted_applicant):
    response = staff_client.get(CHANGELIST)

    links = re.findall(r'href="([^"]*/applicant/[^"]+)"', response.content.decode())
    assert links == [detail_url(submitted_applicant)]


@pytest.mark.django_db
@pytest.mark.parametrize("sequential_id", ["1", "2", "0"])
def test_sequential_id_finds_nothing(staff_client, submitted_applicant, sequential_id):
    url = reverse("staff:onboarding_applicant_change", args=[sequential_id])

    response = staff_client.get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:index")


@pytest.mark.django_db
def test_change_post_forbidden(staff_client, submitted_applicant, canary):
    response = staff_client.post(
        detail_url(submitted_applicant),
        {"status": Applicant.Status.VERIFIED, "legal_name": "Changed Name"},
    )

    assert response.status_code == 403
    submitted_applicant.refresh_from_db()
    assert submitted_applicant.status == Applicant.Status.SUBMITTED
    assert submitted_applicant.legal_name == canary.legal_name


@pytest.mark.django_db
def test_detail_has_no_inputs(staff_client, submitted_applicant):
    response = staff_client.get(detail_url(submitted_applicant))

    names = FORM_CONTROL_NAME.findall(response.content.decode())
    assert set(names) == {"csrfmiddlewaretoken"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_delete_forbidden(staff_client, submitted_applicant, method):
    response = getattr(staff_client, method)(delete_url(submitted_applicant))

    assert response.status_code == 403
    assert Applicant.objects.filter(pk=submitted_applicant.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_action_unavailable(staff_client, submitted_applicant):
    staff_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [submitted_applicant.pk],
            "post": "yes",
        },
    )

    assert Applicant.objects.filter(pk=submitted_applicant.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_add_page_forbidden(staff_client, method):
    response = getattr(staff_client, method)(reverse("staff:onboarding_applicant_add"))

    assert response.status_code == 403
    assert not Applicant.objects.exists()


@pytest.mark.django_db
def test_list_has_no_add_link(staff_client, submitted_applicant):
    response = staff_client.get(CHANGELIST)

    assert reverse("staff:onboarding_applicant_add") not in response.content.decode()
