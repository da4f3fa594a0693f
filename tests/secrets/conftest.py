"""
Known secret values, an org that uses them, and the scan that proves none of them leaks.

The sandbox org is given a known access token and client secret; the tests add a known
password, security token, wrong token and an RSA private key. `Leaks.scan` looks for every
one of them (and any 16-character piece of one, URL-encoded or in an HTTP Basic header) in
text and in file bytes: any 16 consecutive characters of a token, secret or password (23
of the private key) count as a leak.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.reliability.orgkit import copy_org, seed_template

TOKEN = "00D000000000000AAA!AQ4Kn0wnTokenValue.7f3a9c1e5b2d8f4a6c0e9b1d"
CLIENT_SECRET = "KN0WNCLIENTSECRET4B1D9E7F3A2C6B8D0E5F1A3C7E9B"
PASSWORD = "Kn0wn-Passw0rd/with+symbols=&%"
SECURITY_TOKEN = "KnownSecurityTokenZ9Y8X7"
WRONG_TOKEN = "00D000000000000AAA!AQWr0ngTokenValue.aa11bb22cc33dd44ee55ff66"
WINDOW = 16


def _private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class Leaks:
    """Every secret value a test knows, and where to look for them."""

    values: set[str] = field(default_factory=set)

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)

    def needles(self) -> Iterator[tuple[str, str]]:
        """(what, text to look for): whole values, encodings, and 16-character pieces."""
        for value in sorted(self.values):
            name = value[:6] + "…"
            yield name, value
            yield name + " (url-encoded)", quote_plus(value)
            for pad in range(3):  # in an HTTP Basic header after any client id
                encoded = base64.b64encode(("x" * pad + value).encode()).decode()
                yield f"{name} (base64/{pad})", encoded[4:20]
            body = "".join(
                line for line in value.splitlines() if line and not line.startswith("-----")
            )
            # A session id starts with the (public) org Id: only what follows the ! is secret.
            body = re.sub(r"^00D[A-Za-z0-9]{12,15}!", "", body)
            # Every 16-character piece of a password or token; of a private key, enough
            # pieces that any 23 characters of it are caught.
            step = 1 if len(body) < 200 else WINDOW // 2
            for start in range(0, max(1, len(body) - WINDOW + 1), step):
                piece = body[start : start + WINDOW]
                if len(piece) == WINDOW:
                    yield f"{name} [{start}:{start + WINDOW}]", piece

    def found_in(self, text: str) -> list[str]:
        """Which secrets (or pieces) occur in *text*."""
        return [what for what, needle in self.needles() if needle and needle in text]

    def found_in_files(self, paths: Iterable[Path]) -> list[str]:
        """Which secrets occur in the bytes of *paths* (UTF-8, as SQLite stores text)."""
        hits = []
        for path in paths:
            data = path.read_bytes()
            for what, needle in self.needles():
                if needle.encode() in data:
                    hits.append(f"{path.name}: {what}")
        return hits


@dataclass
class Org:
    """The running org, its known credentials, and a private key file for JWT."""

    sandbox: RunningSandbox
    key_file: Path
    bad_key_file: Path
    leaks: Leaks

    @property
    def username(self) -> str:
        return self.sandbox.org.integration_username()

    def restart(self) -> None:
        """Restart the org with the known credentials (after a fault expired every session)."""
        data_dir = self.sandbox.data_dir
        self.sandbox.stop()
        set_credentials(data_dir, token=TOKEN, client_secret=CLIENT_SECRET)
        self.sandbox = start_sandbox(data_dir)


def set_credentials(data_dir: Path, *, token: str, client_secret: str) -> None:
    """Give a (stopped) sandbox org known credentials (its org Id is the token's prefix)."""
    conn = sqlite3.connect(data_dir / "org.sqlite3")
    with conn:
        conn.executemany(
            "INSERT INTO _sandbox_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [("access_token", token), ("client_secret", client_secret),
             ("org_id", token.split("!", maxsplit=1)[0])],
        )  # fmt: skip
    conn.close()


@pytest.fixture(name="org", scope="package")
def _org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    template = seed_template(tmp_path_factory.mktemp("secrets-template"), leads=30)
    data_dir = copy_org(template, tmp_path_factory.mktemp("secrets") / "org")
    set_credentials(data_dir, token=TOKEN, client_secret=CLIENT_SECRET)
    keys = tmp_path_factory.mktemp("keys")
    pem = _private_key_pem()
    key_file = keys / "server.key"
    key_file.write_bytes(pem)
    lines = pem.decode().splitlines()
    # A PEM whose body is damaged in the middle: the signer rejects it; the message must not
    # quote it.
    lines[5] = lines[5][:10] + "!!!!" + lines[5][14:]
    bad_key_file = keys / "damaged.key"
    bad_key_file.write_text("\n".join(lines) + "\n")
    leaks = Leaks()
    leaks.add(TOKEN, CLIENT_SECRET, PASSWORD, SECURITY_TOKEN, WRONG_TOKEN, pem.decode())
    org = Org(start_sandbox(data_dir), key_file, bad_key_file, leaks)
    try:
        assert org.sandbox.token == TOKEN
        assert org.sandbox.org.client_secret == CLIENT_SECRET
        yield org
    finally:
        org.sandbox.stop()
