"""Benchmark key rotation against a plain Fernet loop over the same values.

Fills onboarding_user with N rows whose email is encrypted under an old key,
then, in one run and on the same values:
1. times a plain Python loop of MultiFernet.rotate over every token;
2. runs ``manage.py rotate_encryption_keys`` in a child process and reads
   its wall time, including Django's start-up, and its peak resident
   memory (ru_maxrss from wait4).

Run: .venv/bin/python bench/rotation.py --rows 100000 1000000
"""

import argparse
import io
import subprocess
import sys
import time
import uuid

from cryptography.fernet import Fernet, MultiFernet

from bench._database import PROJECT, bench_environment, recreate_database, setup_django

DATABASE = "bench_rotation"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def fill_users(rows: int) -> list[bytes]:
    """Insert ``rows`` users with emails encrypted under OLD_KEY; return tokens."""
    from django.db import connection

    old = Fernet(OLD_KEY)
    tokens = [old.encrypt(f"bench.{i}@example.com".encode()) for i in range(rows)]
    buffer = io.StringIO()
    for i, token in enumerate(tokens):
        buffer.write(
            f"{uuid.uuid4()}\t{token.decode()}\tbench:{i:064d}\t\\N\tf\tt\tt\tf\t"
            "2026-01-01 00:00:00+00\t!\t\\N\n"
        )
    buffer.seek(0)
    columns = (
        "id, email, email_index, email_verified_at, is_staff, is_active, "
        "is_synthetic, is_superuser, date_joined, password, last_login"
    )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE onboarding_user CASCADE")
        with cursor.copy(f"COPY onboarding_user ({columns}) FROM STDIN") as copy:
            copy.write(buffer.read())
        cursor.execute("ANALYZE onboarding_user")
    return tokens


def time_plain_loop(tokens: list[bytes]) -> float:
    crypter = MultiFernet([Fernet(NEW_KEY), Fernet(OLD_KEY)])
    started = time.perf_counter()
    for token in tokens:
        crypter.rotate(token)
    return time.perf_counter() - started


def run_rotation(environment: dict[str, str]) -> tuple[float, int]:
    """Return the wall time and peak memory in KiB of one rotation run."""
    command = [sys.executable, str(PROJECT / "bench" / "peak_memory.py")]
    command += [sys.executable, "manage.py", "rotate_encryption_keys", "--no-progress"]
    started = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=PROJECT,
        env={**environment, "VAULT_ENCRYPTION_KEYS": f"{NEW_KEY},{OLD_KEY}"},
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    arguments = parser.parse_args()

    environment = bench_environment(DATABASE, VAULT_ENCRYPTION_KEYS=OLD_KEY)
    recreate_database(DATABASE)
    setup_django(environment)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    print("| rows | plain loop rows/s | rotation rows/s | ratio | peak memory MiB |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for rows in arguments.rows:
        tokens = fill_users(rows)
        plain_seconds = time_plain_loop(tokens)
        del tokens
        rotation_seconds, peak_kib = run_rotation(environment)
        plain_rate = rows / plain_seconds
        rotation_rate = rows / rotation_seconds
        print(
            f"| {rows:,} | {plain_rate:,.0f} | {rotation_rate:,.0f} | "
            f"{rotation_rate / plain_rate:.2f} | {peak_kib / 1024:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
