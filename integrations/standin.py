"""A stand-in identity-verification provider: a real HTTP server for demos and tests.

It accepts POST requests on VERIFICATIONS_PATH and enforces what a real
provider would. A request needs a valid HMAC signature (else 401) and a
JSON body of at most MAX_BODY_BYTES (else 413). The body must match the
client's data contract, or the response is 422 and names the fields
outside it, never their values. The outcome is "verified" for every
reference not in ``rejected_references``. Every
request that arrives is kept in ``received``, so tests can search what
reached the provider.

Run it with ``python -m integrations.standin``; the API key comes from the
IDENTITY_VERIFICATION_API_KEY environment variable. It needs no Django
settings.
"""

import argparse
import json
import logging
import os
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from integrations.identity_verification.contract import CONTRACT, REJECTED, VERIFIED
from integrations.identity_verification.signing import (
    SIGNATURE_HEADER,
    signature_valid,
)

logger = logging.getLogger(__name__)

VERIFICATIONS_PATH = "/v1/verifications"
MAX_BODY_BYTES = 16 * 1024
DEFAULT_PORT = 8090


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived: its path, headers and body text."""

    path: str
    headers: dict[str, str]
    body: str


class StandinProvider(ThreadingHTTPServer):
    """The server. ``received`` lists every request in arrival order."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        api_key: str,
        rejected_references: set[str] | None = None,
    ) -> None:
        super().__init__(address, _VerificationHandler)
        self.api_key = api_key
        self.rejected_references = rejected_references or set()
        self.received: list[ReceivedRequest] = []
        self._received_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{VERIFICATIONS_PATH}"

    def request_keep(self, request: ReceivedRequest) -> None:
        with self._received_lock:
            self.received.append(request)


class _VerificationHandler(BaseHTTPRequestHandler):
    server: StandinProvider

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = self._content_length()
        if length is None:
            self._reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length missing"})
            return
        if length > MAX_BODY_BYTES:
            self._reply(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"}
            )
            return
        body = self.rfile.read(length)
        self.server.request_keep(
            ReceivedRequest(
                path=self.path,
                headers=dict(self.headers.items()),
                body=body.decode("utf-8", errors="replace"),
            )
        )
        self._verification_answer(body)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._reply(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"})

    def _verification_answer(self, body: bytes) -> None:
        if self.path != VERIFICATIONS_PATH:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "unknown path"})
            return
        signature = self.headers.get(SIGNATURE_HEADER, "")
        if not signature_valid(body, signature, api_key=self.server.api_key):
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "invalid signature"})
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"})
            return
        if not isinstance(payload, dict):
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "body is not an object"})
            return
        problems = CONTRACT.problems(payload)
        if problems:
            self._reply(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                {"error": "payload outside the contract", "fields": problems},
            )
            return
        reference = payload["reference"]
        outcome = REJECTED if reference in self.server.rejected_references else VERIFIED
        self._reply(HTTPStatus.OK, {"reference": reference, "outcome": outcome})

    def _content_length(self) -> int | None:
        try:
            return int(self.headers.get("Content-Length", ""))
        except ValueError:
            return None

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        encoded = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line contains the path only, and bodies are never logged.
        logger.info("Stand-in provider: %s", format % args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port (%(default)s)"
    )
    arguments = parser.parse_args(argv)
    api_key = os.environ.get("IDENTITY_VERIFICATION_API_KEY", "")
    if not api_key:
        parser.error(
            "set IDENTITY_VERIFICATION_API_KEY to the key the client signs with"
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    server = StandinProvider((arguments.host, arguments.port), api_key=api_key)
    logger.info("Stand-in provider listening on %s", server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("Stand-in provider stopped")
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
