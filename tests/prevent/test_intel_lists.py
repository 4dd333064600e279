"""intel update --from reads every common list format, reports what it added and skipped
and why, keeps each entry's source; hostile lists stay bounded; intel subscribe fetches from
a loopback HTTPS server with ETag/Last-Modified caching, size limits and format sniffing."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import run_cli

# Lines as the public lists write them (NoCoin, CoinBlockerLists, MinerBlock, uBlock
# resource-abuse, dnsmasq/unbound/RPZ exports and IP lists), with pools the bundled intel
# does not hold.
MIXED = """\
[Adblock Plus 2.0]
! Title: a mining list
||xmr-pool-one.example^
||webminer-two.example^$third-party,script
||cdn.hoster.example/npm/deepminer/build/deepminer.min.js
*://*.proxy-three.example/*
*://*/*hashing-lib.min.js*
*/lib/webminer-core.min.js
/static/jsminer.js$script,third-party
example.org##+js(abort-current-script, CoinHive)
example.org#%#//scriptlet('abort-on-property-read', 'Miner')
example.org##div.miner-widget
@@||allowed.example^
/coinhive[0-9]+\\.js/$script
0.0.0.0 pool-four.example pool-five.example
127.0.0.1 localhost
address=/dnsmasq-six.example/0.0.0.0
server=/dnsmasq-seven.example/
local-zone: "unbound-eight.example." always_nxdomain
$TTL 300
@ IN SOA localhost. root.localhost. 1 3600 600 86400 60
rpz-nine.example CNAME .
*.rpz-nine.example CNAME .
185.71.65.0/24
45.9.148.7
10.0.0.0/8
plain-ten.example
münero-pool.example
bad_dom@in.example
supportxmr.com
raw.githubusercontent.com
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MINEHUNT_INTEL_DIR": str(tmp_path / "intel")}


def test_update_reads_every_format_and_keeps_sources(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "mining-list.txt"
    src.write_text(MIXED, encoding="utf-8")
    r = run_cli("intel", "update", "--from", str(src), env=env)
    assert r.code == 0, r.stderr
    assert "added 11 domain(s), 4 URL rule(s), 2 network(s)" in r.stdout
    for reason in (
        "skipped 2: uBlock/AdGuard scriptlet",
        "skipped 1: cosmetic (element-hiding)",
        "skipped 1: exception (@@)",
        "skipped 1: regex rule",
        "skipped 1: hosts-file housekeeping",
        "skipped 1: private, loopback or reserved",
        "skipped 1: not a valid host name",
        "not added 1: already in the bundled intel",
        "not added 1: under an allowlisted parent",
        "skipped 1: repeated in the same list",
    ):
        assert reason in r.stderr, (reason, r.stderr)
    shown = run_cli("intel", "show", "pools", env=env).stdout.split()
    for name in ("xmr-pool-one.example", "proxy-three.example", "pool-five.example",
                 "dnsmasq-seven.example", "unbound-eight.example", "rpz-nine.example",
                 "xn--mnero-pool-9db.example"):  # fmt: skip
        assert name in shown, name
    out = tmp_path / "bl.json"
    assert run_cli("blocklist", "-f", "json", "-o", str(out), env=env).code == 0
    doc = json.loads(out.read_text())
    entry = next(d for d in doc["domains"] if d["domain"] == "rpz-nine.example")
    assert entry["source"] == f"file:{src}"
    assert "||cdn.hoster.example/npm/deepminer/build/deepminer.min.js" in doc["url_rules"]
    assert "hashing-lib.min.js" in doc["url_rules"]
    assert {"*/lib/webminer-core.min.js", "/static/jsminer.js"} <= set(doc["url_rules"])
    assert doc["networks"] == ["45.9.148.7/32", "185.71.65.0/24"]
    status = run_cli("intel", "status", env=env).stdout
    assert f"file:{src} (pools): 11" in status and f"file:{src} (networks): 2" in status
    # merging the same list again adds nothing and says why
    again = run_cli("intel", "update", "--from", str(src), env=env)
    assert "added 0 domain(s)" in again.stdout
    assert "not added 17: already in the user intel" in again.stderr


def test_hostile_million_line_list_is_bounded(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "hostile.txt"
    with src.open("w", encoding="utf-8") as f:
        for i in range(1_000_000):
            k = i % 8
            if k == 0:
                f.write(f"node{i}.pool-farm.example\n")
            elif k == 1:
                f.write(f"bad..name{i}.example\n")
            elif k == 2:
                f.write(f"ex{i}<script>.example\n")
            elif k == 3:
                f.write("\x00\x01garbage \xff\xfe ^^^ $$$\n")
            elif k == 4 and i % 1000 == 4:
                f.write("x" * 5000 + "\n")
            elif k == 4:
                f.write("0.0.0.0 localhost\n")
            elif k == 5:
                f.write(f"{ipaddress.IPv4Address(0x2D000000 + i)}/32\n")
            elif k == 6:
                f.write("||dup.pool-farm.example^\n")
            else:
                f.write(f"-leading-hyphen{i}.example\n")
    # The peak RSS of minehunt alone: a launcher whose only child it is (RUSAGE_CHILDREN of
    # the test process would also count every earlier child of the test session).
    launcher = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    r = run_cli("intel", "update", "--from", str(src), env=env, timeout=300, launcher=launcher)
    assert r.code == 0, r.stderr
    peak_mib = int(r.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mib < 600, peak_mib
    assert "1000000 line(s)" in r.stdout
    assert "skipped 1000: line longer than 4096" in r.stderr
    assert "skipped 124000: hosts-file housekeeping" in r.stderr
    assert "skipped 124999: repeated in the same list" in r.stderr
    assert "skipped 375000: not a valid host name" in r.stderr  # 'bad..', '<script>', '-lead'
    assert "skipped 125000: unrecognised line" in r.stderr  # the binary garbage
    # at most 250000 entries are kept: the last network is one too many
    assert "skipped 1: over the 250000 entries kept per list" in r.stderr
    assert "added 125001 domain(s), 0 URL rule(s), 124999 network(s)" in r.stdout


def _cert(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minehunt list server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    c, k = tmp / "cert.pem", tmp / "key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return c, k


class ListServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.log: list[tuple[str, int]] = []


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[ListServer, str, Path]]:
    state = ListServer()
    cert, key = _cert(tmp_path)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                state.log.append((self.path, 404))
                return
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                state.log.append((self.path, 304))
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            state.log.append((self.path, 200))

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield state, f"https://127.0.0.1:{srv.server_port}", cert
    srv.shutdown()


def test_subscribe_fetches_caches_and_verifies(
    https: tuple[ListServer, str, Path], env: dict[str, str]
) -> None:
    server, base, cert = https
    server.files["/coinblocker/list.txt"] = b"# CoinBlocker-style\npool-a.example\npool-b.example\n"
    server.files["/nocoin.txt"] = MIXED.encode()
    server.files["/page.html"] = b"<!DOCTYPE html><html><body>pool-z.example</body></html>"
    server.files["/huge.txt"] = b"pool-h.example\n" * 100_000
    env = {**env, "MINEHUNT_CA_BUNDLE": str(cert)}

    r = run_cli("intel", "subscribe", f"{base}/coinblocker/list.txt", env=env)
    assert r.code == 0, r.stderr
    assert "(changed," in r.stdout and "added 2 domain(s)" in r.stdout
    again = run_cli("intel", "subscribe", f"{base}/coinblocker/list.txt", env=env)
    assert again.code == 0 and "(unchanged," in again.stdout
    assert server.log[-2:] == [("/coinblocker/list.txt", 200), ("/coinblocker/list.txt", 304)]

    web = run_cli("intel", "subscribe", "--kind", "web", f"{base}/nocoin.txt", env=env)
    assert web.code == 0 and "skipped 2: uBlock/AdGuard scriptlet" in web.stderr

    for path, why in (
        ("/page.html", "not a block list"),
        ("/huge.txt", "limit"),
        ("/missing.txt", "HTTP 404"),
    ):
        bad = run_cli("intel", "subscribe", "--max-size", "1M", f"{base}{path}", env=env)
        assert bad.code == 2 and why in bad.stderr, (path, bad.stderr)
    plain = run_cli("intel", "subscribe", base.replace("https", "http") + "/x.txt", env=env)
    assert plain.code == 2 and "nor an https:// URL" in plain.stderr
    untrusted = run_cli(
        "intel", "subscribe", f"{base}/nocoin.txt",
        env={**env, "MINEHUNT_CA_BUNDLE": ""},
    )  # fmt: skip
    assert untrusted.code == 2 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr

    status = run_cli("intel", "status", env=env).stdout
    assert "127.0.0.1_" in status and "2 entries, fetched" in status
    shown = run_cli("intel", "show", "pools", env=env).stdout.split()
    assert {"pool-a.example", "xmr-pool-one.example"} <= set(shown)
    assert "pool-z.example" not in shown and "pool-h.example" not in shown


def test_builtin_lists_are_https_with_licences(env: dict[str, str]) -> None:
    from minehunt.intel.subscribe import KNOWN_LISTS

    assert {"nocoin", "coinblocker", "minerblock"} <= set(KNOWN_LISTS)
    for k in KNOWN_LISTS.values():
        assert k.url.startswith("https://") and k.licence and k.kind in ("pools", "web")
    r = run_cli("intel", "subscribe", "no-such-list", env=env)
    assert r.code == 2 and "nocoin" in r.stderr
