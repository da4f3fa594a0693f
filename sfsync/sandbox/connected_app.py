"""
The sandbox org's Connected App, for the production login paths (JWT bearer, client
credentials): its consumer key and secret live in the org, and `sandbox serve` writes the
key pair a JWT client signs with into the data directory (`connected-app.key`, mode 0600)
beside the certificate the app holds (`connected-app.crt`), as an admin uploads one.

`verify_assertion` checks a JWT bearer assertion as Salesforce's token endpoint does
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm: iss is the
consumer key, aud the login URL, sub the username, exp, RS256 signed with the app's
certificate) and fails with the `invalid_grant` / `invalid_client_id` answers real orgs give.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_FILE = "connected-app.key"
CERT_FILE = "connected-app.crt"
# Audiences a production org's token endpoint accepts besides its own URL (the sf CLI sends
# this one by default); test.salesforce.com is a sandbox's.
PRODUCTION_AUDIENCE = "https://login.salesforce.com"


@dataclass(frozen=True)
class ConnectedApp:
    """The app's certificate (public key) and where its key pair lives on disk."""

    key_file: Path
    cert_file: Path
    public_key_pem: bytes


class AssertionRejectedError(Exception):
    """Raised for a JWT bearer assertion the org refuses: OAuth `error` and description."""

    def __init__(self, error: str, description: str) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")


def ensure_connected_app(data_dir: Path) -> ConnectedApp:
    """Create the Connected App's key pair and certificate in *data_dir* unless they exist."""
    key_file, cert_file = data_dir / KEY_FILE, data_dir / CERT_FILE
    if not (key_file.is_file() and cert_file.is_file()):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfsync sandbox connected app")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    public = cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return ConnectedApp(key_file, cert_file, public)


def verify_assertion(
    assertion: str,
    *,
    app: ConnectedApp,
    consumer_key: str,
    audiences: set[str],
    now: datetime,
) -> dict[str, Any]:
    """
    The assertion's claims, once it passes Salesforce's checks (the subject is checked by
    the caller, who knows the org's users).

    Raises:
        AssertionRejectedError: with the answer a real org gives. Descriptions as captured
            from real token endpoints: "client identifier invalid" (unknown iss:
            arthurimirzian/salesforce-jwt-bearer-token-flow#4), "invalid assertion" (bad
            signature or shape: frankkessler/salesforce-laravel-oauth2-rest#68), "audience is
            invalid" (salesforce.stackexchange.com/q/184363), "expired authorization code"
            (exp in the past: simple-salesforce/simple-salesforce#491).
    """
    try:
        header = jwt.get_unverified_header(assertion)
        claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AssertionRejectedError("invalid_grant", "invalid assertion") from None
    if claims.get("iss") != consumer_key:
        raise AssertionRejectedError("invalid_client_id", "client identifier invalid")
    if header.get("alg") != "RS256":
        raise AssertionRejectedError("invalid_grant", "invalid assertion")
    try:
        jwt.decode(
            assertion,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                     "verify_nbf": False, "verify_iss": False},
        )  # fmt: skip
    except jwt.PyJWTError:
        raise AssertionRejectedError("invalid_grant", "invalid assertion") from None
    aud = claims.get("aud")
    given = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a.rstrip("/") in audiences for a in given):
        raise AssertionRejectedError("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise AssertionRejectedError("invalid_grant", "invalid assertion")
    # Salesforce documents exp as "within 3 minutes"; what it enforces is that the assertion
    # has not expired: the sf CLI signs `exp: Date.now() + 300` (milliseconds, so centuries
    # ahead; @salesforce/core org/authInfo.js tryJwtAuth) and real orgs accept it.
    if exp < now.timestamp():
        raise AssertionRejectedError("invalid_grant", "expired authorization code")
    return claims
