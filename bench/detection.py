"""Benchmark a wizard step with strict input and rate limits on and off.

Signs one applicant in through two test clients. One client's middleware
chain includes detection.middleware.EndpointGuardMiddleware and the other's
does not. After the first step, both post the second one over and over,
a full step each time: validate, encrypt, store the draft and render the
next step. The two alternate in rounds, so noise on a shared machine hits
both alike. The rate limits are raised so that no request is rejected, but
both counters still run on every post.

Run: .venv/bin/python -m bench.detection --requests 2000
"""

import argparse
import json
import statistics
import time
from urllib.parse import urlencode

from cryptography.fernet import Fernet

from bench._database import bench_environment, recreate_database, setup_django

DATABASE = "bench_detection"
KEY = Fernet.generate_key().decode()
GUARD = "detection.middleware.EndpointGuardMiddleware"
FORM_ENCODED = "application/x-www-form-urlencoded"
ROUNDS = 20
# High enough that no benchmark request is rejected, so both clients do the
# same work apart from the checks.
UNREACHABLE_LIMIT = 10**9
IDENTITY_STEP = {
    "identity-legal_name": "Bench Person",
    "identity-date_of_birth": "1980-01-01",
    "onboarding_wizard-current_step": "identity",
}
# The second step, so that the step-order check loads the stored draft to
# see that the first one is done. The phone number is in the fictional
# London range 020 7946 0000-0999.
CONTACT_STEP = {
    "contact-phone": "+44 20 7946 0123",
    "contact-address_line1": "1 Bench Street",
    "contact-address_line2": "",
    "contact-postal_code": "00100",
    "contact-city": "Benchville",
    "contact-address_country": "FI",
    "onboarding_wizard-current_step": "contact",
}


def wizard_client(user, *, guarded: bool):
    """Return a client signed in as ``user`` whose handler has the guard or not.

    The test client's handler loads the middleware chain on its first
    request and keeps it, so that request runs inside the override.
    """
    from django.conf import settings
    from django.test import Client, override_settings

    middleware = [name for name in settings.MIDDLEWARE if guarded or name != GUARD]
    client = Client()
    client.force_login(user)
    with override_settings(MIDDLEWARE=middleware):
        client.get("/apply/", secure=True)
        response = browser_post(client, IDENTITY_STEP)
    if response.status_code != 200:
        msg = f"the identity step answered {response.status_code}"
        raise RuntimeError(msg)
    return client


def browser_post(client, fields: dict[str, str]):
    """Post ``fields`` URL-encoded, as a browser sends the wizard's form.

    The test client would send multipart bodies, which cost the strict
    checks more to read than the form's own encoding does.
    """
    return client.post(
        "/apply/", urlencode(fields), content_type=FORM_ENCODED, secure=True
    )


def post_steps(client, count: int) -> list[float]:
    """Post the contact step ``count`` times and return each duration."""
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        response = browser_post(client, CONTACT_STEP)
        durations.append(time.perf_counter() - started)
        if response.status_code != 200:
            msg = f"the contact step answered {response.status_code}"
            raise RuntimeError(msg)
    return durations


def round_trip_medians(count: int) -> tuple[float, float]:
    """Return the median seconds of one Redis GET and of one SELECT 1.

    The guard adds one Redis round trip to every wizard post, and one query
    to a post of any step after the first, so these medians put its cost
    in terms of this machine's round trips.
    """
    from django.core.cache import cache
    from django.db import connection

    redis_times, sql_times = [], []
    with connection.cursor() as cursor:
        for _ in range(count):
            started = time.perf_counter()
            cache.get("bench-detection-round-trip")
            redis_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            sql_times.append(time.perf_counter() - started)
    return statistics.median(redis_times), statistics.median(sql_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=2000, help="Requests of each kind."
    )
    per_round = max(1, parser.parse_args().requests // ROUNDS)

    limits = {"onboarding:wizard": {"ip": [UNREACHABLE_LIMIT, 600]}}
    limits["onboarding:wizard"]["email"] = [UNREACHABLE_LIMIT, 600]
    environment = bench_environment(
        DATABASE,
        VAULT_ENCRYPTION_KEYS=KEY,
        DJANGO_ALLOWED_HOSTS="testserver",
        DETECTION_RATE_LIMITS=json.dumps(limits),
    )
    recreate_database(DATABASE)
    setup_django(environment)
    from django.core.management import call_command
    from django.utils import timezone

    from onboarding.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(
        "bench.applicant@example.com", None, email_verified_at=timezone.now()
    )
    clients = {
        "off": wizard_client(user, guarded=False),
        "on": wizard_client(user, guarded=True),
    }

    durations: dict[str, list[float]] = {"off": [], "on": []}
    for number in range(ROUNDS):
        # Alternate which side goes first, so neither always meets a warmer
        # cache or a quieter neighbour.
        order = ("off", "on") if number % 2 else ("on", "off")
        for side in order:
            durations[side] += post_steps(clients[side], per_round)

    off = statistics.median(durations["off"]) * 1000
    on = statistics.median(durations["on"]) * 1000
    print("| requests each | median off ms | median on ms | added ms |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {per_round * ROUNDS:,} | {off:.2f} | {on:.2f} | {on - off:+.2f} |")
    redis_seconds, sql_seconds = round_trip_medians(per_round * ROUNDS)
    print(
        f"\nMedian round trip: Redis GET {redis_seconds * 1000:.2f} ms, "
        f"SELECT 1 {sql_seconds * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
