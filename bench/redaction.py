"""Benchmark the log redaction filter against the same handler without it.

Both handlers format records as JSON lines (audit.logs.JsonFormatter),
add the request id and write to an in-memory stream that is emptied after
each round. Only the redacting one also runs vault.redaction.RedactionFilter.
Each record is built fresh, because the filter marks the records it has
redacted. Times are the process's CPU time, which leaves out the time it
waits for a CPU that other processes hold, and the two handlers alternate
in rounds, so the rest of the noise on a shared machine hits both alike.

It runs three cases: ordinary log lines like the project's own (ids,
references, paths, a request line), lines that each hold an e-mail
address, a phone number or a national ID, and ordinary lines inside a
request that posted a form of ten fields, whose values the filter also
looks for.

Run: .venv/bin/python -m bench.redaction --records 200000
"""

import argparse
import io
import logging
import time

from cryptography.fernet import Fernet

from bench._database import bench_environment, setup_django

ROUNDS = 20
# Log lines as this project writes them: ids, references, paths and a
# request line, with no personal data.
ORDINARY_MESSAGES = [
    ("Application %s submitted", ("APL-7Q2K-9XWD",)),
    ("Access event %s: %s %s on %s", (48213, "reveal", "allowed", "APL-7Q2K-9XWD")),
    ("Internal Server Error: %s", ("/apply/",)),
    ("Verification link sent", ()),
    ('"%s" %s %s', ("GET /sign-in/?next=/apply/ HTTP/1.1", 302, 0)),
    ("Retention rule %s removed %s rows", ("abandoned_drafts", 2000)),
]
# Log lines that a mistake would write: each contains a value to redact.
PERSONAL_MESSAGES = [
    ("Sign-up for %s", ("bench.person@example.com",)),
    ("Reminder sent to %s", ("+44 20 7946 0555",)),
    ("Verified %s", ("290280-900A",)),
]
POSTED_FORM = {
    "identity-legal_name": "Benchperson Example",
    "identity-date_of_birth": "1980-02-29",
    "contact-phone": "+44 20 7946 0555",
    "contact-address_line1": "12 Benchmark Street",
    "contact-postal_code": "ZZ1 1ZZ",
    "contact-city": "Benchtown",
    "contact-address_country": "FI",
    "national_id-national_id": "290280-900A",
    "onboarding_wizard-current_step": "contact",
    "csrfmiddlewaretoken": "bench-csrf-token-0123456789abcdef",
}


def make_handler(*, redacting: bool) -> tuple[logging.Handler, io.StringIO]:
    from audit.logs import JsonFormatter, RequestIdFilter
    from vault.redaction import RedactionFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    if redacting:
        handler.addFilter(RedactionFilter())
    handler.addFilter(RequestIdFilter())
    return handler, stream


def time_records(
    handler: logging.Handler, stream: io.StringIO, messages: list, count: int
) -> float:
    started = time.process_time()
    for number in range(count):
        message, arguments = messages[number % len(messages)]
        record = logging.LogRecord(
            "bench", logging.INFO, __file__, 1, message, arguments, None
        )
        record.user_id = number
        handler.handle(record)
    elapsed = time.process_time() - started
    stream.seek(0)
    stream.truncate()
    return elapsed


def compare(messages: list, count: int) -> tuple[float, float]:
    plain = make_handler(redacting=False)
    redacting = make_handler(redacting=True)
    per_round = max(1, count // ROUNDS)
    plain_seconds = redacting_seconds = 0.0
    for number in range(ROUNDS):
        if number % 2:
            redacting_seconds += time_records(*redacting, messages, per_round)
            plain_seconds += time_records(*plain, messages, per_round)
        else:
            plain_seconds += time_records(*plain, messages, per_round)
            redacting_seconds += time_records(*redacting, messages, per_round)
    records = per_round * ROUNDS
    return records / plain_seconds, records / redacting_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=200_000, help="Records per handler and case."
    )
    arguments = parser.parse_args()
    setup_django(
        bench_environment(
            "bench_redaction_unused",
            VAULT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        )
    )
    from django.test import RequestFactory

    from vault.redaction import redacting_request_values

    request = RequestFactory().post("/apply/", POSTED_FORM)
    results = {
        "ordinary": compare(ORDINARY_MESSAGES, arguments.records),
        "with personal data": compare(PERSONAL_MESSAGES, arguments.records),
    }
    with redacting_request_values(request):
        results["ordinary, in a request with a posted form"] = compare(
            ORDINARY_MESSAGES, arguments.records
        )

    print(
        "| records | plain records/s | redacting records/s | filter cost per record |"
    )
    print("| --- | ---: | ---: | ---: |")
    for case, (plain_rate, redacting_rate) in results.items():
        cost = (1 / redacting_rate - 1 / plain_rate) * 1e6
        print(f"| {case} | {plain_rate:,.0f} | {redacting_rate:,.0f} | {cost:.1f} µs |")


if __name__ == "__main__":
    main()
