"""Logging filters for values that must not reach a log line."""

import logging
import re

# A confirmation link's token is a bearer secret for a day: whoever reads it
# from a log could confirm the address.
VERIFICATION_TOKEN = re.compile(r"/verify/[^/\s\"']+/")


class VerificationTokenFilter(logging.Filter):
    """Replace the token in any /verify/<token>/ path with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/verify/" in message:
            record.msg = VERIFICATION_TOKEN.sub("/verify/[token]/", message)
            record.args = None
        return True
