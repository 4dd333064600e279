"""The generated resolver and proxy files in the real programs: dnsmasq and unbound answer
for every listed name (and its subdomains) while a local zone still resolves; BIND accepts
the RPZ; squid parses the ACL and denies pool hosts and miner-script paths."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.prevent.conftest import free_port, generate, wait_port


def _listed(tmp_path: Path) -> list[str]:
    out, _ = generate("json", tmp_path / "bl.json")
    return [d["ascii"] for d in json.loads(out.read_text())["domains"]]


def _ask(port: int, name: str, rdtype: str = "A") -> dns.message.Message:
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=3)


def _wait_dns(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        assert proc.poll() is None, f"resolver exited with {proc.returncode}"
        try:
            _ask(port, "www.ordinary.test")
            return
        except dns.exception.Timeout:
            continue
    raise AssertionError("resolver never answered")


def test_dnsmasq_answers_zero_for_every_pool(
    intel_dir: Path, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    conf, stderr = generate("dnsmasq", tmp_path / "mining.conf")
    assert "left out 16: URL path patterns" in stderr
    names = _listed(tmp_path)
    assert "xn--mnero-pool-ecb.example" in names and "supportxmr.com" in names
    port = free_port()
    proc = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", f"--port={port}",
         "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
         "--pid-file=", f"--conf-file={conf}",
         "--host-record=www.ordinary.test,192.0.2.10"],
    )  # fmt: skip
    procs.append(proc)
    _wait_dns(port, proc)
    ordinary = _ask(port, "www.ordinary.test")
    assert [r.to_text() for rr in ordinary.answer for r in rr] == ["192.0.2.10"]
    for name in names:
        for host in (name, f"pool-{len(name)}.{name}"):
            ans = _ask(port, host)
            got = [r.to_text() for rr in ans.answer for r in rr]
            assert got == ["0.0.0.0"], (host, got)
    six = _ask(port, "pool.supportxmr.com", "AAAA")
    assert [r.to_text() for rr in six.answer for r in rr] == ["::"]


def test_unbound_answers_nxdomain_for_every_pool(
    intel_dir: Path, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    zones, _ = generate("unbound", tmp_path / "mining.conf")
    names = _listed(tmp_path)
    port = free_port()
    conf = tmp_path / "unbound.conf"
    conf.write_text(
        f"""server:
    interface: 127.0.0.1
    port: {port}
    do-daemonize: no
    chroot: ""
    username: ""
    pidfile: ""
    use-syslog: no
    directory: "{tmp_path}"
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    local-zone: "ordinary.test." static
    local-data: "www.ordinary.test. A 192.0.2.10"
include: "{zones}"
"""
    )
    check = subprocess.run(["unbound-checkconf", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    proc = subprocess.Popen(["unbound", "-d", "-c", str(conf)])
    procs.append(proc)
    _wait_dns(port, proc)
    ordinary = _ask(port, "www.ordinary.test")
    assert [r.to_text() for rr in ordinary.answer for r in rr] == ["192.0.2.10"]
    for name in names:
        for host in (name, f"rig7.{name}"):
            assert _ask(port, host).rcode() == dns.rcode.NXDOMAIN, host


def test_bind_accepts_the_rpz(intel_dir: Path, tmp_path: Path) -> None:
    zone, _ = generate("rpz", tmp_path / "rpz.zone")
    res = subprocess.run(
        ["named-checkzone", "rpz.minehunt", str(zone)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr
    text = zone.read_text()
    assert re.search(r"^supportxmr\.com CNAME \.", text, re.M)
    assert re.search(r"^\*\.supportxmr\.com CNAME \.$", text, re.M)
    # eu.supportxmr.com is covered by supportxmr.com's wildcard: folded, not repeated
    assert "\neu.supportxmr.com" not in text
    assert "xn--mnero-pool-ecb.example CNAME ." in text


class _Origin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_squid_parses_and_enforces_the_acl(
    intel_dir: Path, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    acl, _ = generate("squid", tmp_path / "mining.acl")
    port = free_port(kind=1)
    conf = tmp_path / "squid.conf"
    conf.write_text(
        f"""http_port 127.0.0.1:{port}
include {acl}
http_access allow localhost
http_access deny all
cache deny all
pid_filename none
access_log none
cache_log {tmp_path}/cache.log
coredump_dir {tmp_path}
cache_effective_user proxy
dns_nameservers 127.0.0.1
shutdown_lifetime 0 seconds
"""
    )
    tmp_path.chmod(0o755)
    acl.chmod(0o644)
    parse = subprocess.run(
        ["squid", "-k", "parse", "-f", str(conf)], capture_output=True, text=True
    )
    out = parse.stdout + parse.stderr
    assert parse.returncode == 0, out
    assert not re.search(r"(?i)\b(?:error|fatal|bungled)\b", out.replace("coinerra", "")), out
    origin = HTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    proc = subprocess.Popen(["squid", "-N", "-f", str(conf)])
    procs.append(proc)
    wait_port(port, proc)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"})
    )
    here = f"http://127.0.0.1:{origin.server_port}"

    def status(url: str) -> int:
        try:
            with opener.open(url, timeout=10) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return e.code

    try:
        assert status(f"{here}/index.html") == 200
        assert status(f"{here}/js/app.js?v=3") == 200
        assert status(f"{here}/lib/coinhive.min.js?v=2") == 403
        assert status(f"{here}/static/cryptonight.wasm") == 403
        assert status("http://pool.supportxmr.com/") == 403
        assert status("http://xn--mnero-pool-ecb.example/") == 403
    finally:
        origin.shutdown()


@pytest.mark.parametrize("fmt", ["hosts", "dnsmasq", "unbound", "rpz", "adblock", "squid",
                                 "suricata", "snort", "json"])  # fmt: skip
def test_output_is_deterministic_sorted_with_header(
    intel_dir: Path, tmp_path: Path, fmt: str
) -> None:
    a, _ = generate(fmt, tmp_path / "a")
    b, _ = generate(fmt, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    if fmt == "json":
        doc = json.loads(text)
        assert doc["date"] == "2026-01-01" and doc["domains"]
        ascii_names = [d["ascii"] for d in doc["domains"]]
        assert ascii_names == sorted(ascii_names)
        idn = next(d for d in doc["domains"] if d["ascii"].startswith("xn--"))
        assert idn["source"] == "testlist" and idn["note"].startswith("IDN pool")
        assert idn["unicode"] == "mönero-pool.example"
        return
    comment = {"rpz": ";", "adblock": "!"}.get(fmt, "#")
    assert f"{comment} generated 2026-01-01 by minehunt" in text
    count = int(re.search(rf"{re.escape(comment)} entries: (\d+)", text).group(1))  # type: ignore[union-attr]
    assert count > 200
