"""PostgreSQL and Redis servers that accept TLS connections only.

The production settings refuse an unencrypted database connection, so the
tests that run them need a PostgreSQL server with TLS on. The machine's own
servers speak plain text, so these helpers start private ones on free ports,
with a certificate authority made for the test run. Each server is stopped
by its own process in a finally block.
"""

import contextlib
import datetime
import glob
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

START_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 120
# PostgreSQL refuses to run as root; Debian's package creates this user.
POSTGRES_SYSTEM_USER = "postgres"


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificates(directory: Path) -> Certificates:
    """Write a new CA and a server certificate for localhost and 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-only CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    certificates = Certificates(
        ca_file=directory / "ca.pem",
        cert_file=directory / "server.pem",
        key_file=directory / "server.key",
    )
    certificates.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(
        server_cert.public_bytes(serialization.Encoding.PEM)
    )
    certificates.key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # PostgreSQL refuses a key file that other users can read.
    certificates.key_file.chmod(0o600)
    return certificates


def postgres_program(name: str) -> str:
    """Find a PostgreSQL server program, on PATH or in Debian's folder."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
        None,
    )
    if found is None:
        msg = f"{name} not found on PATH or in /usr/lib/postgresql/*/bin"
        raise FileNotFoundError(msg)
    return found


def as_server_user(argv: list[str]) -> list[str]:
    """Run ``argv`` as the postgres system user when this process is root."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", POSTGRES_SYSTEM_USER, "--", *argv]


def run_checked(argv: list[str]) -> None:
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS
    )
    if result.returncode != 0:
        msg = f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}"
        raise RuntimeError(msg)


@contextlib.contextmanager
def tls_postgres(certificates: Certificates) -> Iterator[int]:
    """Run a PostgreSQL server that rejects connections without TLS.

    Yields the port on 127.0.0.1. The superuser ``postgres`` connects with
    no password, over TLS only.
    """
    # The server's user must reach its folder, which pytest's tmp_path,
    # private to root, would not allow.
    folder = Path(tempfile.mkdtemp(prefix="tls-postgres-"))
    data = folder / "data"
    for name in ("cert_file", "key_file"):
        shutil.copy(getattr(certificates, name), folder / name)
    if os.geteuid() == 0:
        server_user = pwd.getpwnam(POSTGRES_SYSTEM_USER)
        for path in (folder, folder / "cert_file", folder / "key_file"):
            os.chown(path, server_user.pw_uid, server_user.pw_gid)
    port = free_port()
    try:
        run_checked(
            as_server_user(
                [
                    postgres_program("initdb"),
                    f"--pgdata={data}",
                    "--username=postgres",
                    "--auth=trust",
                    "--no-sync",
                ]
            )
        )
        configure_tls_only(data, folder=folder, port=port)
        run_checked(
            as_server_user(
                [
                    postgres_program("pg_ctl"),
                    f"--pgdata={data}",
                    f"--log={folder / 'server.log'}",
                    "--wait",
                    f"--timeout={START_TIMEOUT_SECONDS}",
                    "start",
                ]
            )
        )
        yield port
    finally:
        if (data / "postmaster.pid").exists():
            run_checked(
                as_server_user(
                    [
                        postgres_program("pg_ctl"),
                        f"--pgdata={data}",
                        "--mode=fast",
                        "--wait",
                        "stop",
                    ]
                )
            )
        shutil.rmtree(folder, ignore_errors=True)


def configure_tls_only(data: Path, *, folder: Path, port: int) -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{folder}'\n"
            "ssl = on\n"
            f"ssl_cert_file = '{folder / 'cert_file'}'\n"
            f"ssl_key_file = '{folder / 'key_file'}'\n"
            "fsync = off\n"
        )
    # hostssl matches TLS connections only; the last line rejects the rest.
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 trust\n"
        "host all all 0.0.0.0/0 reject\n"
    )


@contextlib.contextmanager
def tls_redis(certificates: Certificates, folder: Path) -> Iterator[int]:
    """Run a Redis server that listens with TLS only; yields its port."""
    port = free_port()
    log = folder / "redis.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                "0",
                "--tls-port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--tls-cert-file",
                str(certificates.cert_file),
                "--tls-key-file",
                str(certificates.key_file),
                "--tls-ca-cert-file",
                str(certificates.ca_file),
                "--tls-auth-clients",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=START_TIMEOUT_SECONDS)


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"redis-server exited with code {process.returncode}:\n"
            raise RuntimeError(msg + log.read_text(errors="replace"))
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1),
        ):
            return
        time.sleep(0.1)
    msg = f"redis-server did not listen on port {port} within {START_TIMEOUT_SECONDS} s"
    raise RuntimeError(msg)
