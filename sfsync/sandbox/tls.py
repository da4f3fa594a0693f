"""
The sandbox's TLS material: a local CA made with trustme and a server certificate for
127.0.0.1/localhost/::1, kept in the data directory so that restarts keep the same CA.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_FILE = "server.pem"


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA certificate (for clients) and the server key + chain live."""

    ca_file: Path
    server_file: Path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def ensure_certificates(data_dir: Path) -> TlsFiles:
    """Create the CA and server certificate in *data_dir* unless they already exist."""
    ca_file, ca_key, server = data_dir / CA_FILE, data_dir / CA_KEY_FILE, data_dir / SERVER_FILE
    if ca_file.is_file() and ca_key.is_file():
        if server.is_file():
            return TlsFiles(ca_file, server)
        ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="sfsync sandbox org")
        ca_file.write_bytes(ca.cert_pem.bytes())
        _write_private(ca_key, ca.private_key_pem.bytes())
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    _write_private(server, cert.private_key_and_cert_chain_pem.bytes())
    return TlsFiles(ca_file, server)


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """An SSL context for the server side."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(files.server_file))
    return context
