"""TLS for the panel: the token and the notes must not cross the clinic's Wi-Fi in clear.

`companion run --panel-tls` makes a self-signed certificate once and keeps it in the user's
config folder (with its key readable only by the user), so a tablet that was told to trust it
goes on trusting it session after session. It names every host the link was printed with (a
tablet refuses a certificate without the link's name in it): when a run needs a name the kept
one lacks, or it is near its end, or it is one tablets refuse (an older one of Companion's:
valid for ten years, marked as an authority, no server use), a new one is made, with a new
fingerprint (printed) that the tablet must be told to trust again. It is what browsers accept
of a server's certificate: valid for at most 825 days (Apple's limit), for server
authentication, not an authority (Firefox refuses a server certificate that is its own
authority). Nobody vouches for a self-signed certificate: the therapist compares its SHA-256
fingerprint (printed at start, and shown on the panel) with the one the tablet's browser
shows. `--panel-cert FILE --panel-key FILE` uses the clinic's own.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from companion.control.guard import is_ip

CERT_NAME = "panel-cert.pem"
KEY_NAME = "panel-key.pem"
VALID_DAYS = 825  # the longest Apple platforms accept (a tablet told to trust it keeps it)
RENEW_DAYS = 30  # a certificate this close to its end is replaced before a session


class TlsError(Exception):
    """The certificate cannot be made, read or used (the message says why)."""


@dataclass(frozen=True)
class Tls:
    context: ssl.SSLContext
    cert: Path
    fingerprint: str  # SHA-256 of the certificate, as browsers show it: 'AB:CD:…'
    made: str | None = None  # why a new self-signed certificate was made just now, if it was


def config_folder() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("companion"))


def self_signed(folder: Path | None = None, names: tuple[str, ...] = ()) -> Tls:
    """The certificate kept in `folder` (the user's config folder by default), made the first
    time. `names` (host names or addresses the panel is reached by) must be in it: a kept one
    without them (or near its end, or one browsers refuse) is replaced by a new one with its
    names and these; `made` then says why."""
    folder = folder or config_folder()
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    names = tuple(dict.fromkeys(n for n in names if n))
    why: str | None = "none was kept"
    kept: tuple[str, ...] = ()
    if cert.is_file() and key.is_file():
        why, kept = _why_new(cert, names)
    if why is not None:
        _make(cert, key, tuple(dict.fromkeys(kept + names)))
    made = load(cert, key)
    return Tls(made.context, made.cert, made.fingerprint, why)


def _why_new(cert: Path, names: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """Why the kept certificate must be replaced (None: it serves), and the names in it."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        certificate = x509.load_pem_x509_certificate(cert.read_bytes())
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return "the kept one cannot be read", ()
    present = tuple(sans.get_values_for_type(x509.DNSName)) + tuple(
        str(a) for a in sans.get_values_for_type(x509.IPAddress)
    )
    missing = [n for n in names if _normal(n) not in {_normal(p) for p in present}]
    if missing:
        return f"the kept one did not name {', '.join(missing)}", present
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc - now < datetime.timedelta(days=RENEW_DAYS):
        return "the kept one was at its end", present
    if certificate.not_valid_after_utc - certificate.not_valid_before_utc > datetime.timedelta(
        days=VALID_DAYS
    ):
        return f"the kept one was valid for longer than {VALID_DAYS} days", present
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        authority = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return "the kept one was not made for a server", present
    if ExtendedKeyUsageOID.SERVER_AUTH not in usage or authority:
        return "the kept one was not made for a server", present
    return None, present


def _normal(name: str) -> str:
    """A name as compared: addresses in their one written form, host names in lower case."""
    return str(ipaddress.ip_address(name)) if is_ip(name) else name.lower()


def load(cert: Path, key: Path) -> Tls:
    """A server context from a certificate and its key (PEM files)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
        pem = cert.read_text(encoding="ascii")
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise TlsError(
            f"cannot use the certificate {cert} with the key {key}: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    return Tls(context, cert, fingerprint(ssl.PEM_cert_to_DER_cert(_first_pem(pem))))


def fingerprint(der: bytes) -> str:
    import hashlib

    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _first_pem(pem: str) -> str:
    end = "-----END CERTIFICATE-----"
    at = pem.find(end)
    return pem[: at + len(end)] + "\n" if at >= 0 else pem


def _make(cert: Path, key: Path, names: tuple[str, ...]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    dns = {"localhost", host, f"{host}.local"} | {n.lower() for n in names if not is_ip(n)}
    ips = {"127.0.0.1", "::1"} | {_normal(n) for n in names if is_ip(n)}
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Companion panel on {host}")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))  # a tablet's clock a little behind
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS - 1))  # VALID_DAYS in all
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in sorted(dns)]
                + [x509.IPAddress(ipaddress.ip_address(n)) for n in sorted(ips)]
            ),
            critical=False,
        )
        # a server's certificate, trusted as itself (not an authority: Firefox refuses that)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False
        )
        .sign(private, hashes.SHA256())
    )
    try:
        cert.parent.mkdir(parents=True, exist_ok=True)
        _write_private(
            key,
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise TlsError(
            f"cannot keep the panel's certificate in {cert.parent}: {exc.strerror or exc}"
        ) from None


def _write_private(path: Path, data: bytes) -> None:
    """Written readable by the user only, from the first byte (no moment with wider rights)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)
