"""A stand-in Sentry ingest endpoint: a real HTTP server on 127.0.0.1.

It accepts what the SDK posts to /api/<project>/envelope/, keeps each
envelope's decompressed bytes, and answers 200.
"""

import gzip
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SentryIngest(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.envelopes: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def dsn(self) -> str:
        host, port = self.server_address[:2]
        return f"http://public-key@{host}:{port}/1"

    def received(self) -> bytes:
        with self.lock:
            return b"\n".join(self.envelopes)


class _EnvelopeHandler(BaseHTTPRequestHandler):
    server: SentryIngest

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding:
            self.send_error(415, "Unsupported Content-Encoding")
            return
        with self.server.lock:
            self.server.envelopes.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        # The SDK's requests are the test's business, not stderr's.
        pass


@contextmanager
def running_sentry_ingest() -> Iterator[SentryIngest]:
    server = SentryIngest()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
