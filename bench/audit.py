"""Benchmark the audit hash chain: access events with and without it.

Writes N access events through the ORM, one transaction per event as a
request would. They are chained entries: ChainedEntry.save links each one
to the chain's head and moves the head on in the statement that inserts it.
N more go in as plain inserts of the same rows into the same table:
Model.save with an explicit id and Django's own INSERT, which leave the
head alone. The two kinds alternate in rounds, so noise on a shared machine
hits both alike. Last, the script times verify_chain over the chained
entries.

Run: .venv/bin/python -m bench.audit --entries 100000
"""

import argparse
import functools
import time
import uuid

from cryptography.fernet import Fernet

from bench._database import bench_environment, recreate_database, setup_django

DATABASE = "bench_audit"
KEY = Fernet.generate_key().decode()
ROUNDS = 50
# Plain rows take ids from here, far above the chain's, so both kinds share
# the table without colliding.
PLAIN_ID_OFFSET = 10**12


def new_event(actor, number: int):
    from audit.models import AccessEvent

    return AccessEvent(
        actor=actor,
        action=AccessEvent.Action.VIEW,
        applicant_reference=f"APL-BENCH-{number:09d}",
        client_network="203.0.113.0/24",
        detail={"kind": "bench", "number": number},
        request_id=str(uuid.uuid4()),
    )


def write_chained(actor, start: int, count: int) -> float:
    from django.db import transaction

    started = time.perf_counter()
    for number in range(start, start + count):
        with transaction.atomic():
            new_event(actor, number).save()
    return time.perf_counter() - started


def write_plain(actor, start: int, count: int) -> float:
    from django.db import models, transaction

    started = time.perf_counter()
    for number in range(start, start + count):
        event = new_event(actor, number)
        event.pk = PLAIN_ID_OFFSET + number
        # ChainedEntry.save and ChainedEntry._do_insert link the entry; the
        # model's own save with Django's own INSERT does not, and still sends
        # the same signals.
        event._do_insert = functools.partial(models.Model._do_insert, event)
        with transaction.atomic():
            models.Model.save(event, force_insert=True)
    return time.perf_counter() - started


def time_verification() -> tuple[int, float]:
    from audit.models import AccessEvent, ChainHead
    from audit.verification import verify_chain

    # The plain rows have no links, so the walk stops at the chain's head.
    head = ChainHead.objects.get(chain=AccessEvent.CHAIN)
    started = time.perf_counter()
    report = verify_chain(AccessEvent, until_id=head.last_id)
    elapsed = time.perf_counter() - started
    if not report.intact:
        raise RuntimeError(report.describe())
    return report.checked, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries", type=int, default=100_000, help="Entries of each kind."
    )
    parser.add_argument(
        "--database",
        default=DATABASE,
        help=f"Database to drop and create for the run (default: {DATABASE}).",
    )
    arguments = parser.parse_args()
    per_round = max(1, arguments.entries // ROUNDS)

    recreate_database(arguments.database)
    setup_django(bench_environment(arguments.database, VAULT_ENCRYPTION_KEYS=KEY))
    from django.core.management import call_command

    from onboarding.models import User

    call_command("migrate", verbosity=0)
    actor = User.objects.create_user("bench.staff@example.com", "bench-password-1")

    plain_seconds = chained_seconds = 0.0
    for number in range(ROUNDS):
        start = number * per_round
        # Alternate which kind goes first, so neither always meets a warmer
        # cache or a quieter neighbour.
        if number % 2:
            chained_seconds += write_chained(actor, start, per_round)
            plain_seconds += write_plain(actor, start, per_round)
        else:
            plain_seconds += write_plain(actor, start, per_round)
            chained_seconds += write_chained(actor, start, per_round)
    written = per_round * ROUNDS
    verified, verify_seconds = time_verification()

    print("| entries | plain inserts/s | chained inserts/s | chain cost |")
    print("| ---: | ---: | ---: | ---: |")
    print(
        f"| {written:,} | {written / plain_seconds:,.0f} | "
        f"{written / chained_seconds:,.0f} | "
        f"{(chained_seconds / plain_seconds - 1) * 100:+.1f} % |"
    )
    print(
        f"\nverify_chain: {verified:,} entries in {verify_seconds:.1f} s "
        f"({verified / verify_seconds:,.0f} entries/s)"
    )


if __name__ == "__main__":
    main()
