"""The panel over TLS (issue 16): a self-signed certificate made once and kept, its SHA-256
fingerprint on the page, a `__Host-` Secure cookie; checked with curl (--cacert) and Chromium."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from playwright.sync_api import expect

from companion.control import tls


def test_the_certificate_is_made_once_and_kept(tmp_path):
    first = tls.self_signed(tmp_path, names=("panel.clinic.example", "10.1.2.3"))
    again = tls.self_signed(tmp_path)
    assert first.fingerprint == again.fingerprint and first.cert == again.cert
    assert stat.S_IMODE(os.stat(tmp_path / tls.KEY_NAME).st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(first.cert.read_bytes())
    expected = certificate.fingerprint(hashes.SHA256()).hex().upper()
    assert first.fingerprint.replace(":", "") == expected
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "panel.clinic.example" in names.get_values_for_type(x509.DNSName)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    # the clinic's own certificate and key, given as files, are used as they are
    assert tls.load(first.cert, tmp_path / tls.KEY_NAME).fingerprint == first.fingerprint


def test_the_certificate_is_one_tablets_and_browsers_accept(tmp_path):
    """Apple platforms refuse a server certificate valid for more than 825 days or without
    the serverAuth extended key usage; Firefox refuses a server certificate that is a CA."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    made = tls.self_signed(tmp_path, names=("192.168.1.20",))
    certificate = x509.load_pem_x509_certificate(made.cert.read_bytes())
    lasts = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lasts.days <= 825 and lasts.days >= 800, lasts
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    addresses = certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.IPAddress)
    assert "192.168.1.20" in {str(a) for a in addresses}


def test_a_name_the_kept_certificate_lacks_makes_a_new_one(tmp_path):
    first = tls.self_signed(tmp_path, names=("192.168.1.20",))
    assert first.made == "none was kept"
    same = tls.self_signed(tmp_path, names=("192.168.1.20",))
    assert same.made is None and same.fingerprint == first.fingerprint
    named = tls.self_signed(tmp_path, names=("panel.clinic.example",))
    assert named.fingerprint != first.fingerprint
    assert named.made == "the kept one did not name panel.clinic.example"
    names = (
        x509.load_pem_x509_certificate(named.cert.read_bytes())
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert "panel.clinic.example" in names.get_values_for_type(x509.DNSName)
    assert "192.168.1.20" in {str(a) for a in names.get_values_for_type(x509.IPAddress)}  # kept
    assert tls.self_signed(tmp_path, names=("192.168.1.20",)).made is None  # no back and forth


def test_an_old_certificate_browsers_refuse_is_replaced(tmp_path):
    """One made before this fix: ten years, a CA, no serverAuth."""
    import datetime

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old")])
    now = datetime.datetime.now(datetime.UTC)
    old = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / tls.CERT_NAME).write_bytes(old.public_bytes(serialization.Encoding.PEM))
    (tmp_path / tls.KEY_NAME).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    renewed = tls.self_signed(tmp_path)
    assert renewed.made == "the kept one was valid for longer than 825 days"
    certificate = x509.load_pem_x509_certificate(renewed.cert.read_bytes())
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_a_certificate_that_cannot_be_used_is_a_clear_error(tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    try:
        tls.load(tmp_path / "cert.pem", tmp_path / "missing.pem")
    except tls.TlsError as exc:
        assert "cannot use the certificate" in str(exc)
    else:
        raise AssertionError("no TlsError")


def test_curl_with_the_certificate_trusted(make_session, tmp_path):
    kept = tls.self_signed(tmp_path)
    session = make_session(tls=kept.context, fingerprint=kept.fingerprint)
    server = session.server
    assert server.url.startswith(f"https://127.0.0.1:{server.port}/?token=")
    base = f"https://127.0.0.1:{server.port}"
    trusted = subprocess.run(
        [
            "curl",
            "-sS",
            "--cacert",
            str(kept.cert),
            "-H",
            f"Authorization: Bearer {server.token}",
            f"{base}/api/state",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(trusted.stdout)["title"] == "Panel test session"
    unknown = subprocess.run(
        ["curl", "-sS", f"{base}/api/state"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert unknown.returncode == 60  # curl: the certificate is not trusted (as it should be)
    plain = subprocess.run(
        ["curl", "-sS", f"http://127.0.0.1:{server.port}/api/state"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Panel test session" not in plain.stdout  # no clear-text answers
    # the printed link leads to the page, which sets a __Host- Secure cookie for the whole site
    page = subprocess.run(
        [
            "curl",
            "-sS",
            "-L",
            "-D",
            "-",
            "--cacert",
            str(kept.cert),
            server.url.replace("https://127.0.0.1", "https://localhost"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    cookie = [line for line in page.stdout.splitlines() if line.lower().startswith("set-cookie")]
    assert cookie and cookie[0].split(":", 1)[1].strip().startswith(
        f"__Host-companion_panel_{server.port}="
    )
    assert "Secure" in cookie[0] and "Path=/;" in cookie[0] + ";" and "Domain" not in cookie[0]


def test_chromium_over_tls_shows_the_fingerprint(make_session, open_panel, tmp_path):
    kept = tls.self_signed(tmp_path)
    session = make_session(tls=kept.context, fingerprint=kept.fingerprint)
    page = open_panel(session.server.url, ignore_https_errors=True)
    expect(page.locator("#fingerprint")).to_have_text(
        f"Secure connection. Certificate SHA-256: {kept.fingerprint}"
    )
    page.click("#btn-start")
    session.pump.wait_for(lambda e: e.state.value == "playing")
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == [f"__Host-companion_panel_{session.server.port}"]
    assert cookies[0]["secure"] is True and cookies[0]["path"] == "/"
