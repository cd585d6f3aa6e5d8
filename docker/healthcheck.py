"""Exit 0 when an HTTP GET of the URL in argv[1] returns status 200.

The slim Python image has neither curl nor wget, so the compose health check
of the web service runs this script with the image's own Python. Only the
status code is reported, because a response body may contain personal data.
"""

import http.client
import sys
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 5


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("Usage: healthcheck.py http://host:port/path\n")
        return 2
    url = urlsplit(sys.argv[1])
    if url.scheme != "http" or not url.hostname:
        sys.stderr.write(f"Invalid URL {sys.argv[1]!r}: expected http://host:port/\n")
        return 2
    connection = http.client.HTTPConnection(
        url.hostname, url.port or 80, timeout=TIMEOUT_SECONDS
    )
    try:
        connection.request("GET", url.path or "/")
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        sys.stderr.write(f"GET {url.geturl()} failed: {error}\n")
        return 1
    finally:
        connection.close()
    if status != 200:
        sys.stderr.write(f"GET {url.geturl()} returned status {status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
