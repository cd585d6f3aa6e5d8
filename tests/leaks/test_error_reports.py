"""Errors over HTTP leave no canary value in pages, error e-mails or logs.

DEBUG is off (the test settings' default) and ADMINS is set, so Django
mails each 500 error to ADMINS through the redacting exception reporter,
with an HTML alternative.
"""

import pytest
from django.test import Client

from tests.leaks import urls
from tests.leaks.sinks import canary_fields_in, json_lines, posted_canary

MIDDLEWARE_FAILING_ON_POST = "tests.leaks.middleware.FailOnPostMiddleware"


def error_mail(outbox):
    reports = [message for message in outbox if "ERROR" in message.subject]
    assert len(reports) == 1
    return reports[0]


def html_alternative(message) -> str:
    html = [content for content, mimetype in message.alternatives]
    assert len(html) == 1
    return html[0]


def assert_no_canary(canary, **sinks) -> None:
    for sink, text in sinks.items():
        assert canary_fields_in(text, canary) == [], f"canary values in {sink}"


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_view_error_leaks_nothing(error_client, canary, admins, outbox, log_output):
    query = f"?email={canary.email}&city={canary.city}"

    response = error_client.post(
        urls.COPY_POST_AND_RAISE + query, posted_canary(canary)
    )

    assert response.status_code == 500
    report = error_mail(outbox)
    assert_no_canary(
        canary,
        page=response.content,
        headers=str(response.headers),
        subject=report.subject,
        body=report.body,
        html=html_alternative(report),
        log=log_output.getvalue(),
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_view_error_report_stays_useful(error_client, canary, admins, outbox):
    error_client.post(urls.COPY_POST_AND_RAISE, posted_canary(canary))

    body = error_mail(outbox).body
    assert "Exception Type: RuntimeError" in body
    assert "Processing [request value] <[email]> failed" in body
    assert "copy_post_and_raise" in body
    # The parameter and variable names stay; their values do not.
    assert "legal_name = '********************'" in body
    assert "Request URL: http://testserver/leaks/copy-post-and-raise/\n" in body


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_view_error_log_has_redacted_traceback(error_client, canary, log_output):
    error_client.post(urls.COPY_POST_AND_RAISE, posted_canary(canary))

    errors = [
        line
        for line in json_lines(log_output)
        if line["logger"] == "django.request" and line["level"] == "ERROR"
    ]
    assert len(errors) == 1
    assert (
        "RuntimeError: Processing [request value] <[email]> failed"
        in (errors[0]["exception"])
    )
    assert errors[0]["message"] == (
        "Internal Server Error: /leaks/copy-post-and-raise/"
    )


@pytest.mark.django_db
def test_middleware_error_leaks_nothing(
    settings, error_client, canary, admins, outbox, log_output
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_FAILING_ON_POST]

    response = error_client.post("/sign-up/", posted_canary(canary))

    assert response.status_code == 500
    report = error_mail(outbox)
    assert "Middleware could not handle [email]" in report.body
    # The HTML alternative lists each frame's variables, by name only.
    assert "<td>address</td>" in html_alternative(report)
    assert_no_canary(
        canary,
        page=response.content,
        subject=report.subject,
        body=report.body,
        html=html_alternative(report),
        log=log_output.getvalue(),
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_unique_violation_leaks_nothing(
    error_client, canary, admins, outbox, log_output
):
    response = error_client.post(urls.INSERT_DUPLICATE, posted_canary(canary))

    assert response.status_code == 500
    report = error_mail(outbox)
    assert "Exception Type: IntegrityError" in report.body
    assert "Key (address)=([database value]) already exists" in report.body
    assert "Key (address)=([database value]) already exists" in log_output.getvalue()
    assert_no_canary(
        canary,
        page=response.content,
        body=report.body,
        html=html_alternative(report),
        log=log_output.getvalue(),
    )


@pytest.mark.django_db
def test_debug_page_redacts_too(settings, canary):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_FAILING_ON_POST]

    response = Client(raise_request_exception=False).post(
        "/sign-up/?next=/apply/", posted_canary(canary)
    )

    assert response.status_code == 500
    assert b"Middleware could not handle [email]" in response.content
    assert canary_fields_in(response.content, canary) == []


@pytest.mark.django_db
def test_not_found_page_echoes_no_input(client, canary):
    response = client.get(
        f"/no-such-page/{canary.city}/",
        {"email": canary.email, "name": canary.legal_name},
    )

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"no-such-page" not in response.content
    assert canary_fields_in(response.content, canary) == []


@pytest.mark.django_db
def test_csrf_failure_page_echoes_no_input(canary, log_output):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/sign-up/",
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
        headers={"Origin": "https://elsewhere.example.net"},
    )

    assert response.status_code == 403
    assert b"Form expired" in response.content
    assert canary_fields_in(response.content, canary) == []
    assert canary_fields_in(log_output.getvalue(), canary) == []
    assert "Forbidden (" in log_output.getvalue()


@pytest.mark.django_db
def test_bad_request_page_echoes_no_input(client, canary):
    response = client.get("/", headers={"Host": f"{canary.city}.example.net"})

    assert response.status_code == 400
    assert b"Bad request" in response.content
    assert canary_fields_in(response.content, canary) == []
