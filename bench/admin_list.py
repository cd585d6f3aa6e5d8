"""Benchmark the staff portal's applicant list at two table sizes.

Fills onboarding_applicant with synthetic rows, first N_SMALL then up to
N_LARGE, and at each size requests the first page of the list through
Django's test client as a two-factor-verified superuser. Reports the
number of SQL queries per page and the median response time.

Run: .venv/bin/python -m bench.admin_list --sizes 1000 100000
"""

import argparse
import io
import statistics
import time
import uuid

from cryptography.fernet import Fernet

from bench._database import bench_environment, recreate_database, setup_django

DATABASE = "bench_admin_list"
KEY = Fernet.generate_key().decode()
REQUESTS = 21


def add_applicants(start: int, stop: int) -> None:
    """Insert applicants numbered start..stop-1 with their users, via COPY."""
    from django.db import connection

    fernet = Fernet(KEY)
    # Encrypted columns hold a token even for an empty value.
    empty = fernet.encrypt(b"").decode()
    users, applicants = io.StringIO(), io.StringIO()
    for number in range(start, stop):
        user_id = uuid.uuid4()
        email = fernet.encrypt(f"bench.{number}@example.com".encode()).decode()
        users.write(
            f"{user_id}\t{email}\tbench:{number:064d}\t2026-01-01 00:00:00+00\tf\tt\t"
            "t\tf\t2026-01-01 00:00:00+00\t!\t\\N\n"
        )
        name = fernet.encrypt(f"Bench Person {number}".encode()).decode()
        phone = fernet.encrypt(f"+44207946{number % 1000:04d}".encode()).decode()
        applicants.write(
            f"APL-{number:014d}\t{user_id}\tsubmitted\t{name}\t\\N\t{phone}\t\t"
            f"{empty}\t{empty}\t{empty}\t{empty}\t{empty}\tFI\t{empty}\t\t\\N\t"
            "2026-01-01 00:00:00+00\tt\t"
            "2026-01-01 00:00:00+00\t2026-01-01 00:00:00+00\tf\t\n"
        )
    user_columns = (
        "id, email, email_index, email_verified_at, is_staff, is_active, "
        "is_synthetic, is_superuser, date_joined, password, last_login"
    )
    applicant_columns = (
        "reference, user_id, status, legal_name, date_of_birth, phone, phone_index, "
        "address_line1, address_line2, postal_code, city, address_country, "
        "national_id_country, national_id, national_id_index, consented_at, "
        "submitted_at, is_synthetic, created_at, updated_at, legal_hold, "
        "verification_outcome"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY onboarding_user ({user_columns}) FROM STDIN") as copy:
            copy.write(users.getvalue())
        with cursor.copy(
            f"COPY onboarding_applicant ({applicant_columns}) FROM STDIN"
        ) as copy:
            copy.write(applicants.getvalue())
        cursor.execute("ANALYZE onboarding_user")
        cursor.execute("ANALYZE onboarding_applicant")


def signed_in_client():
    """Return a test client signed in as a superuser with a verified device."""
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onboarding.models import User
    from onboarding.staff.two_factor import OTP_VERIFIED_AT_SESSION_KEY

    staff = User.objects.create_superuser("bench.staff@example.com", "bench-password-1")
    device = TOTPDevice.objects.create(user=staff, name="bench", confirmed=True)
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[OTP_VERIFIED_AT_SESSION_KEY] = timezone.now().isoformat()
    session.save()
    return client


def measure(client) -> tuple[int, float]:
    """Return the query count and median seconds of the list's first page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("staff:onboarding_applicant_changelist")
    timings = []
    queries = 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            msg = f"the list answered {response.status_code}"
            raise RuntimeError(msg)
        queries = len(captured)
    return queries, statistics.median(timings[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 100_000])
    small, large = parser.parse_args().sizes

    environment = bench_environment(
        DATABASE, VAULT_ENCRYPTION_KEYS=KEY, DJANGO_ALLOWED_HOSTS="testserver"
    )
    recreate_database(DATABASE)
    setup_django(environment)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    client = signed_in_client()

    results = []
    add_applicants(0, small)
    results.append((small, *measure(client)))
    add_applicants(small, large)
    results.append((large, *measure(client)))

    print("| applicants | queries per page | median ms |")
    print("| ---: | ---: | ---: |")
    for size, queries, seconds in results:
        print(f"| {size:,} | {queries} | {seconds * 1000:.1f} |")
    ratio = results[1][2] / results[0][2]
    print(f"\nTime ratio {large:,} / {small:,}: {ratio:.2f}")


if __name__ == "__main__":
    main()
