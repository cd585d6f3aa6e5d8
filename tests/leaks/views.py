"""Views that only the leak tests route to: each mishandles personal data."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


@csrf_exempt
def copy_post_and_raise(request: HttpRequest) -> HttpResponse:
    """Copy the posted form into locals, log it, and raise with it."""
    posted = request.POST.dict()
    email = posted["email"]
    legal_name = posted["legal_name"]
    logger.warning("Processing %s for %s", legal_name, email)
    logger.error("Could not process %s", email, extra={"applicant": legal_name})
    msg = f"Processing {legal_name} <{email}> failed"
    raise RuntimeError(msg)


@csrf_exempt
def log_posted_values(request: HttpRequest) -> HttpResponse:
    """Write log lines that repeat the posted values, then answer normally."""
    logger.info(
        "Received %s from %s",
        request.POST["legal_name"],
        request.POST["email"],
        extra={"city": request.POST["city"], "values": request.POST.dict()},
    )
    return HttpResponse("logged")


@csrf_exempt
def insert_duplicate(request: HttpRequest) -> HttpResponse:
    """Violate a unique constraint on a plaintext column, uncaught.

    PostgreSQL repeats the duplicate value in the error's detail.
    """
    email = request.POST["email"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE leak_probe (address text UNIQUE)")
        cursor.execute("INSERT INTO leak_probe VALUES (%s)", [email])
        cursor.execute("INSERT INTO leak_probe VALUES (%s)", [email])
    return HttpResponse("unreachable")
