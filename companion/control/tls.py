"""TLS for the panel: the token and the notes must not cross the clinic's Wi-Fi in clear.

`companion run --panel-tls` makes a self-signed certificate once and keeps it in the user's
config folder (with its key readable only by the user), so a tablet that was told to trust it
goes on trusting it session after session. Nobody vouches for a self-signed certificate: the
therapist compares its SHA-256 fingerprint (printed at start, and shown on the panel) with the
one the tablet's browser shows. `--panel-cert FILE --panel-key FILE` uses the clinic's own.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

CERT_NAME = "panel-cert.pem"
KEY_NAME = "panel-key.pem"
VALID_DAYS = 3650  # a tablet told to trust it once should not have to be told again soon


class TlsError(Exception):
    """The certificate cannot be made, read or used (the message says why)."""


@dataclass(frozen=True)
class Tls:
    context: ssl.SSLContext
    cert: Path
    fingerprint: str  # SHA-256 of the certificate, as browsers show it: 'AB:CD:…'


def config_folder() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("companion"))


def self_signed(folder: Path | None = None, names: tuple[str, ...] = ()) -> Tls:
    """The certificate kept in `folder` (the user's config folder by default), made the first
    time. `names` (host names or addresses the panel is reached by) go into a new one."""
    folder = folder or config_folder()
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if not (cert.is_file() and key.is_file()):
        _make(cert, key, names)
    return load(cert, key)


def load(cert: Path, key: Path) -> Tls:
    """A server context from a certificate and its key (PEM files)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
        pem = cert.read_text(encoding="ascii")
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise TlsError(f"cannot use the certificate {cert} with the key {key}: "
                       f"{getattr(exc, 'strerror', None) or exc}") from None
    return Tls(context, cert, fingerprint(ssl.PEM_cert_to_DER_cert(_first_pem(pem))))


def fingerprint(der: bytes) -> str:
    import hashlib

    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _first_pem(pem: str) -> str:
    end = "-----END CERTIFICATE-----"
    at = pem.find(end)
    return pem[: at + len(end)] + "\n" if at >= 0 else pem


def _make(cert: Path, key: Path, names: tuple[str, ...]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    dns = {"localhost", host, f"{host}.local"} | {n for n in names if not _is_ip(n)}
    ips = {"127.0.0.1", "::1"} | {n for n in names if _is_ip(n)}
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Companion panel on {host}")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in sorted(dns)]
            + [x509.IPAddress(ipaddress.ip_address(n)) for n in sorted(ips)]), critical=False)
        # its own authority, so a browser or curl can be told to trust exactly this one
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(private, hashes.SHA256())
    )
    try:
        cert.parent.mkdir(parents=True, exist_ok=True)
        _write_private(key, private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise TlsError(f"cannot keep the panel's certificate in {cert.parent}: "
                       f"{exc.strerror or exc}") from None


def _write_private(path: Path, data: bytes) -> None:
    """Written readable by the user only, from the first byte (no moment with wider rights)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
