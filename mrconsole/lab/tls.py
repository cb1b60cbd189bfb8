"""The lab's certificates: a CA of its own, and one certificate per component signed by it.

Real clouds serve every endpoint over HTTPS with a private CA that clouds.yaml names (`cacert`); the
production profile does the same, so the console, the CLI and Heat's own calls (to Keystone, to the other
regions' Heat) verify what they talk to. Keys are 2048-bit RSA (the fastest handshake that any client
accepts), the certificates name 127.0.0.1 and localhost, and everything is 0600 in DIR/tls.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

CA, CA_KEY = "ca.pem", "ca.key"
LIFETIME = datetime.timedelta(days=825)


def _key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def make_ca(directory: Path, name: str = "mrconsole lab CA") -> Path:
    """A CA in `directory` (made once; an existing one is kept). Returns its certificate's path."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    cert_path = directory / CA
    if cert_path.exists() and (directory / CA_KEY).exists():
        return cert_path
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(directory / CA_KEY, _pem_key(key))
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path


def issue(directory: Path, name: str) -> tuple[Path, Path]:
    """A server certificate for `name` signed by the CA in `directory` (made once). Returns (cert, key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    ca_cert = x509.load_pem_x509_certificate((directory / CA).read_bytes())
    ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    key = _key()
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    _write(key_path, _pem_key(key))
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def client_context(cafile: Path | str | None):
    """An ssl context that trusts `cafile` (the lab's own readiness checks and tests)."""
    import ssl

    return ssl.create_default_context(cafile=str(cafile)) if cafile else None
