"""Benchmark `minehunt scan pcap` against tcpdump and tshark, and Zeek log scanning.

    sudo .venv/bin/python benchmarks/net_pcap.py [--gb 1.0] [--work DIR]

1. Captures real flows inside a private network namespace whose loopback has a 1500-byte
   MTU (so segments look like Ethernet traffic): bulk HTTP downloads, small HTTP requests,
   DNS queries to dnsmasq, TLS sessions, and a Stratum session of the test miner.
2. Replicates those flows with rewritten IPv4 addresses and ports into a >= 1 GB pcap
   (mostly ordinary traffic; one mining flow per 2,000 ordinary ones), and a 100 MB one.
3. Times, in one run: `tcpdump -r F -w /dev/null` (the read limit, best of 3), `tshark -r F`
   with a display filter doing comparable work, and minehunt (best of 3) with the compiled
   reader and once with the libpcap reader (MINEHUNT_PREFILTER=off), reporting MB/s,
   packets/s end to end and within the scan, ratios and peak RSS.
4. The same on a DNS-heavy mix: real look-ups of 2,000 ordinary names answered by dnsmasq
   and UDP/443 datagrams (QUIC-sized) added so that 10 % of the packets are DNS and 5 %
   UDP/443, and reports how many DNS messages the compiled pre-pass handed to Python.
5. Writes a 10 M-row Zeek conn.log and times `minehunt scan logs zeek`.
"""

from __future__ import annotations

# ruff: noqa: E501  (the result table lines read best unwrapped)
import argparse
import compileall
import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NS = "mhbench"
_REC = struct.Struct("<IIII")


def sh(cmd: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=True, check=True, text=True, **kw)  # type: ignore[call-overload, no-any-return]


def capture_base(work: Path) -> Path:
    """Real traffic in a namespace: HTTP bulk + small, DNS, TLS, one Stratum session."""
    out = work / "base.pcap"
    script = work / "traffic.py"
    script.write_text(
        f"""
import http.server, threading, socketserver, urllib.request, ssl, socket, subprocess, sys, time
sys.path.insert(0, {str(REPO)!r})
from tests.net import peers
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n = 2_000_000 if self.path == '/big' else 2000
        self.send_response(200); self.send_header('Content-Length', str(n)); self.end_headers()
        self.wfile.write(b'x' * n)
    def log_message(self, *a): pass
srv = socketserver.ThreadingTCPServer(('127.0.0.1', 8080), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
for i in range(20):
    urllib.request.urlopen('http://127.0.0.1:8080/big').read()
for i in range(200):
    urllib.request.urlopen('http://127.0.0.1:8080/small').read()
sctx, cctx = peers.tls_contexts(__import__('pathlib').Path({str(work)!r}))
for i in range(20):
    peers.tls_ordinary('127.0.0.1', sctx, cctx)
with peers.dnsmasq('127.0.0.1', {{'www.example.org': '127.0.0.9', 'pool.supportxmr.com': '127.0.0.10'}}, __import__('pathlib').Path({str(work)!r})):
    for i in range(100):
        peers.dns_query('127.0.0.1', 'www.example.org', i)
    peers.dns_query('127.0.0.1', 'pool.supportxmr.com', 999)
peers.nicehash_ethstratum('127.0.0.1')
peers.malformed_then_xmrig('127.0.0.1')
"""
    )
    sh(f"ip netns del {NS} 2>/dev/null || true; ip netns add {NS}")
    try:
        sh(
            f"ip netns exec {NS} sh -c 'ip link set lo mtu 1500 gso_max_size 1500 gso_max_segs 1 up; "
            f"tcpdump -i lo -U -w {out} 2>/dev/null & P=$!; sleep 1; "
            f"{sys.executable} {script}; sleep 1; kill $P; wait $P'"
        )
    finally:
        sh(f"ip netns del {NS}")
    return out


def capture_bulk_udp(work: Path, dns: int, quic: int) -> Path:
    """Real DNS look-ups of ordinary names (dnsmasq) and UDP/443 exchanges, in a namespace."""
    out = work / "udp.pcap"
    script = work / "udp.py"
    script.write_text(
        f"""
import socket, sys, threading
from pathlib import Path
sys.path.insert(0, {str(REPO)!r})
from tests.net import peers
names = [f"host{{i}}.cdn{{i % 37}}.example.org" for i in range(2000)]
with peers.dnsmasq('127.0.0.1', {{n: '127.0.0.9' for n in names}}, Path({str(work)!r})):
    for i in range({dns // 2}):
        peers.dns_query('127.0.0.1', names[i % len(names)], i % 65536)
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(('127.0.0.2', 443))
def echo():
    while True:
        data, peer = srv.recvfrom(2048)
        srv.sendto(data[:1200], peer)
threading.Thread(target=echo, daemon=True).start()
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range({quic // 2}):
    c.sendto(bytes([0xC3]) + b'\\x00\\x00\\x00\\x01' + bytes(1195), ('127.0.0.2', 443))
    c.recvfrom(2048)
"""
    )
    sh(f"ip netns del {NS} 2>/dev/null || true; ip netns add {NS}")
    try:
        sh(
            f"ip netns exec {NS} sh -c 'ip link set lo mtu 1500 up; ip addr add 127.0.0.2/8 dev lo 2>/dev/null; "
            f"tcpdump -i lo -U -w {out} udp 2>/dev/null & P=$!; sleep 1; "
            f"{sys.executable} {script}; sleep 1; kill $P; wait $P'"
        )
    finally:
        sh(f"ip netns del {NS}")
    return out


def dns_heavy_base(work: Path, base: Path) -> Path:
    """The base flows plus bulk UDP: 10 % of all packets DNS, 5 % UDP/443."""
    header, packets = read_pcap(base)
    total = round(len(packets) / 0.85)
    udp = capture_bulk_udp(work, total // 10, total // 20)
    _h, extra = read_pcap(udp)
    merged = sorted(packets + extra, key=lambda p: (p[0], p[1]))
    out = work / "base-dns.pcap"
    with open(out, "wb") as fh:
        fh.write(header)
        for sec, usec, frame in merged:
            fh.write(_REC.pack(sec, usec, len(frame), len(frame)) + frame)
    return out


def read_pcap(path: Path) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    data = path.read_bytes()
    header, pos, out = data[:24], 24, []
    while pos + 16 <= len(data):
        sec, usec, caplen, _wire = _REC.unpack_from(data, pos)
        out.append((sec, usec, data[pos + 16 : pos + 16 + caplen]))
        pos += 16 + caplen
    return header, out


def _servers(packets: list[tuple[int, int, bytes]]) -> set[tuple[bytes, int]]:
    """(address, port) of every listening end: SYN targets and DNS servers."""
    out = set()
    for _sec, _usec, f in packets:
        if len(f) < 38 or f[12:14] != b"\x08\x00":
            continue
        ihl = (f[14] & 0x0F) * 4
        sport, dport = struct.unpack_from("!HH", f, 14 + ihl)
        if f[23] == 6 and len(f) > 14 + ihl + 13 and f[14 + ihl + 13] & 0x12 == 0x02:
            out.add((bytes(f[30:34]), dport))
        elif f[23] == 17 and 53 in (sport, dport):
            out.add((bytes(f[30:34]), 53) if dport == 53 else (bytes(f[26:30]), 53))
        elif f[23] == 17 and 443 in (sport, dport):
            out.add((bytes(f[30:34]), 443) if dport == 443 else (bytes(f[26:30]), 443))
    return out


def replicate(base: Path, out: Path, size: int) -> int:
    """Copies of the base flows with rewritten addresses/ports until ``size`` bytes.

    Every copy gets its own client and server address (the listening end of each flow is
    known from its SYN, or port 53), and client ports move, so each copy is new flows."""
    header, packets = read_pcap(base)
    servers = _servers(packets)
    written, n, copy = 24, 0, 0
    t0 = packets[0][0]
    with open(out, "wb") as fh:
        fh.write(header)
        while written < size:
            a, b = 10 + copy % 200, copy // 200 % 250
            client = bytes([10, a, b, 1])
            server = bytes([172, 16, b, a])
            shift = copy * 7 % 20000
            for sec, usec, frame in packets:
                f = bytearray(frame)
                if len(f) >= 38 and f[12:14] == b"\x08\x00":
                    ihl = (f[14] & 0x0F) * 4
                    sp, dp = struct.unpack_from("!HH", f, 14 + ihl)
                    from_server = (bytes(f[26:30]), sp) in servers
                    f[26:30], f[30:34] = (server, client) if from_server else (client, server)
                    if f[23] in (6, 17):
                        sp = sp if from_server else 10000 + (sp + shift) % 50000
                        dp = 10000 + (dp + shift) % 50000 if from_server else dp
                        struct.pack_into("!HH", f, 14 + ihl, sp, dp)
                rec = _REC.pack(sec - t0 + 1_700_000_000 + copy, usec, len(f), len(f)) + f
                fh.write(rec)
                written += len(rec)
                n += 1
            copy += 1
    return n


# Peak RSS of a child: the kernel carries the hiwater mark of the forking process's memory
# across exec, so a child forked from this process (holding the replicated capture) would
# report this process's peak. Children are therefore started by a small launcher process
# started before anything big is allocated.
_LAUNCHER = """
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    t0 = time.perf_counter()
    null = os.open(os.devnull, os.O_WRONLY)
    pid = os.posix_spawnp(job["cmd"][0], job["cmd"], job["env"],
                          file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    _pid, status, usage = os.wait4(pid, 0)
    os.close(null)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([time.perf_counter() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status), cpu]), flush=True)
"""
_launcher: subprocess.Popen[str] | None = None


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS KiB, CPU seconds user + system) of one child process."""
    global _launcher
    if _launcher is None:
        _launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    assert _launcher.stdin is not None and _launcher.stdout is not None
    _launcher.stdin.write(json.dumps({"cmd": cmd, "env": {**os.environ, **(env or {})}}) + "\n")
    _launcher.stdin.flush()
    wall, rss, code, cpu = json.loads(_launcher.stdout.readline())
    if code not in (0, 1):
        raise RuntimeError(f"{cmd} failed")
    return wall, rss, cpu


def minehunt(cap: Path, out: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """One `scan pcap` run: wall time, peak RSS, the scan's own time and what it found."""
    wall, rss, cpu = run(
        [sys.executable, "-m", "minehunt", "scan", "pcap", str(cap), "-f", "json", "-o", str(out)],
        env,
    )
    report = json.loads(out.read_text())
    counters = report["counters"]
    return {
        "wall": wall,
        "cpu": cpu,
        "rss": rss / 1024,
        "scan": counters["seconds"],
        "findings": len(report["findings"]),
        "dns": counters.get("dns_messages", 0),
        "dns_parsed": counters.get("dns_messages_parsed", 0),
    }


def zeek_rows(work: Path, rows: int) -> Path:
    import duckdb

    d = work / "zeek"
    d.mkdir(exist_ok=True)
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
              "duration", "orig_bytes", "resp_bytes", "conn_state", "orig_pkts", "resp_pkts"]  # fmt: skip
    body = work / "body.tsv"
    duckdb.sql(
        f"""COPY (SELECT 1.7e9 + i * 0.001, 'C' || i, '10.0.' || (i % 250) || '.' || (i % 200),
                  10000 + i % 50000, '172.16.' || (i % 97) || '.' || (i % 251),
                  CASE WHEN i % 100000 = 0 THEN 3333 ELSE 443 END, 'tcp', 'ssl', 1.5, 500, 4000,
                  'SF', 10, 12 FROM range({rows}) t(i))
            TO '{body}' (DELIMITER '\t', HEADER false)"""
    )
    head = "#separator \\x09\n#path\tconn\n#fields\t" + "\t".join(fields) + "\n"
    (work / "head.tsv").write_text(head)
    sh(f"cat {work / 'head.tsv'} {body} > {d / 'conn.log'}; rm {body}")
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--zeek-rows", type=int, default=10_000_000)
    ap.add_argument("--skip-small", action="store_true", help="no 100 MB capture, no tshark")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mh-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    run(["true"])  # start the launcher while this process is small
    # Byte-compile minehunt as pip does at install: an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module at every start (~50 ms).
    compileall.compile_dir(REPO / "src" / "minehunt", quiet=1)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.platform()}, Python {platform.python_version()}")  # fmt: skip
    base = capture_base(work)
    print(f"base capture: {base.stat().st_size / 1e6:.1f} MB real traffic")
    py = sys.executable
    tshark_filter = (
        "tcp.flags.syn==1 or dns or tls.handshake.type==1 or json or "
        "tcp.port in {3333,4444,5555,7777,14444}"
    )
    results = {}
    libpcap = {"MINEHUNT_PREFILTER": "off"}
    dns_base = dns_heavy_base(work, base)
    runs = [("100MB", base, 100 * 10**6), ("1GB", base, int(args.gb * 10**9))]
    if args.skip_small:
        runs = runs[1:]
    runs.append(("1GB DNS-heavy", dns_base, int(args.gb * 10**9)))
    for label, source, size in runs:
        cap = work / f"mixed-{label.replace(' ', '-')}.pcap"
        packets = replicate(source, cap, size)
        mb = cap.stat().st_size / 1e6
        sh(f"cat {cap} > /dev/null")  # page cache: every tool reads from memory
        t_dump, _, c_dump = min(
            run(["tcpdump", "-r", str(cap), "-w", "/dev/null"]) for _ in range(3)
        )
        fast = min((minehunt(cap, work / "r.json") for _ in range(3)), key=lambda r: r["wall"])
        slow = minehunt(cap, work / "r2.json", libpcap)
        t_tshark = None
        if label == "1GB" and not args.skip_small:
            t_tshark, _, _ = run(["tshark", "-n", "-r", str(cap), "-Y", tshark_filter])
        results[label] = fast
        print(f"\n{label}: {mb:.0f} MB, {packets:,} packets")
        print(f"  load average                : {os.getloadavg()[0]:.1f}")
        rows = [("tcpdump -r F -w /dev/null", t_dump, None)]
        if t_tshark:
            rows.append(("tshark -n -r F -Y ...", t_tshark, None))
        rows.append(("minehunt (compiled reader)", fast["wall"], fast))
        rows.append(("minehunt (libpcap reader)", slow["wall"], slow))
        for name, t, r in rows:
            line = f"  {name:28s}: {t:6.2f} s {mb / t:7.0f} MB/s {packets / t / 1e6:5.2f} Mpkt/s"
            if r:
                line += (
                    f"  scan {r['scan']:.2f} s = {packets / r['scan'] / 1e6:.2f} Mpkt/s,"
                    f" RSS {r['rss']:.0f} MiB, {r['findings']:.0f} findings"
                )
            print(line)
        print(
            f"  minehunt / tcpdump          : {fast['wall'] / t_dump:.2f}x (libpcap reader {slow['wall'] / t_dump:.2f}x)"
        )
        print(
            f"  CPU user+sys                : tcpdump {c_dump:.2f} s, minehunt {fast['cpu']:.2f} s = {fast['cpu'] / c_dump:.2f}x"
        )
        if t_tshark:
            print(
                f"  speed-up over tshark        : {t_tshark / fast['wall']:.1f}x (libpcap reader {t_tshark / slow['wall']:.1f}x)"
            )
        print(
            f"  DNS messages                : {fast['dns']:,.0f} walked, {fast['dns_parsed']:,.0f} handed to Python"
        )
        cap.unlink()
    if "100MB" in results:
        small, big = results["100MB"], results["1GB"]
        print(f"\npeak RSS 1GB vs 100MB: {big['rss'] / small['rss']:.2f}x")
    zdir = zeek_rows(work, args.zeek_rows)
    t_z, rss_z, _ = run(
        [
            py,
            "-m",
            "minehunt",
            "scan",
            "logs",
            "zeek",
            str(zdir),
            "-f",
            "json",
            "-o",
            str(work / "z.json"),
        ]
    )
    print(
        f"zeek: {args.zeek_rows:,} conn rows in {t_z:.1f} s ({args.zeek_rows / t_z / 1e6:.2f} M rows/s), RSS {rss_z / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
