"""The server over TLS with a private certificate: the agent trusts it through --ca-file,
refuses it without, and the dashboard's cookies are Secure."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.agent.test_agent import agent_argv, run_agent
from tests.support.fleet import FleetServer


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minehunt test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_agent_over_tls_with_a_private_ca(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    server = FleetServer(db, tmp_path / "srv", "--tls-cert", str(cert), "--tls-key", str(key))
    server.start()
    try:
        tok = tmp_path / "tok"
        tok.write_text(server.token("tls-host"))
        argv = agent_argv(server.url, tok, tmp_path / "st", "--once")
        assert run_agent(argv, tmp_path / "untrusted.log") == 75  # unknown CA: nothing sent
        assert "CERTIFICATE_VERIFY_FAILED" in (tmp_path / "untrusted.log").read_text()
        assert run_agent([*argv, "--ca-file", str(cert)], tmp_path / "a.log") == 0, (
            tmp_path / "a.log"
        ).read_text()
        with httpx.Client(base_url=server.url, verify=server.verify) as http:
            login = http.get("/login")
            assert re.search(r"mh_login_csrf=[^;]+;.*Secure", login.headers["set-cookie"], re.I)
    finally:
        server.close()
