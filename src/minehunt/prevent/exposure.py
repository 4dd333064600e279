"""The doors miners use to get onto a host: exposed container and cluster APIs, databases
without auth, SSH passwords, readable cloud keys, and software with miner-delivery CVEs.

Reads configuration under ``root`` (a mounted disk works); with ``live`` it also reads this
host's listening sockets and asks a Redis it finds on a non-loopback address for PING.
Every finding carries a ``fix`` attribute saying how to close the door.
"""

from __future__ import annotations

import glob
import ipaddress
import json
import os
import re
import socket
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from minehunt import checks, linear
from minehunt.model import CheckId, Evidence, Finding, Scalar, Severity, Target, TargetKind

__all__ = ["audit"]

Skip = Callable[[str, str], None]
MAX_WALK = 60_000
"""Directory entries looked at per software/.env search root (bounded on huge trees)."""


def _finding(
    cid: str, where: str, summary: str, fix: str, line: int | None = None, **attrs: Scalar
) -> Finding:
    c = checks.get(cid)
    ev = Evidence(CheckId(cid), summary, source=where, line=line, attributes={"fix": fix, **attrs})
    target = Target(TargetKind.FILE, name=os.path.basename(where) or where, path=where, line=line)
    return Finding(
        c.id, c.title, c.severity, c.confidence, target, f"{summary}. Fix: {fix}", (ev,), c.attack
    )


class _Root:
    def __init__(self, root: Path, skip: Skip) -> None:
        self.root, self.skip = root, skip

    def p(self, host_path: str) -> Path:
        return self.root / host_path.lstrip("/")

    def host(self, path: Path) -> str:
        return "/" + str(path.relative_to(self.root)).lstrip("./") if path != self.root else "/"

    def glob(self, pattern: str) -> list[Path]:
        return sorted(Path(p) for p in glob.glob(str(self.p(pattern))))

    def read(self, host_path: str | Path) -> str | None:
        path = host_path if isinstance(host_path, Path) else self.p(host_path)
        try:
            return path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return None
        except OSError as e:
            self.skip(self.host(path), f"cannot read: {e.strerror or e}")
            return None


def _loopback(addr: str) -> bool:
    a = addr.strip("[]").split("%")[0]
    if a in ("localhost", "_local_"):
        return True
    try:
        return ipaddress.ip_address(a).is_loopback
    except ValueError:
        return False


# -- Docker -------------------------------------------------------------------------------
_TCP_HOST = re.compile(r"(?:-H|--host)(?:=|\s+)(tcp://\S+)")
_DOCKER_FIX = (
    "serve the API on the unix socket only (remove tcp:// hosts), or require mutual TLS "
    "(--tlsverify with --tlscacert/--tlscert/--tlskey) and firewall the port"
)


def _docker(r: _Root) -> Iterator[Finding]:
    text = r.read("/etc/docker/daemon.json")
    if text is not None:
        try:
            cfg = json.loads(text)
        except ValueError:
            r.skip("/etc/docker/daemon.json", "not valid JSON")
            cfg = {}
        hosts = cfg.get("hosts", []) if isinstance(cfg, dict) else []
        tls = isinstance(cfg, dict) and cfg.get("tlsverify") is True
        for h in hosts if isinstance(hosts, list) else []:
            if isinstance(h, str) and h.startswith("tcp://") and not tls:
                yield _docker_tcp("/etc/docker/daemon.json", h, None)
    units = [
        *r.glob("/lib/systemd/system/docker.service"),
        *r.glob("/usr/lib/systemd/system/docker.service"),
        *r.glob("/etc/systemd/system/docker.service"),
        *r.glob("/etc/systemd/system/docker.service.d/*.conf"),
        *r.glob("/etc/default/docker"),
        *r.glob("/etc/sysconfig/docker"),
    ]
    for unit in units:
        body = r.read(unit) or ""
        for n, line in enumerate(body.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for m in _TCP_HOST.finditer(line):
                if "--tlsverify" not in line:
                    yield _docker_tcp(r.host(unit), m.group(1), n)
            if re.match(r"\s*SocketMode\s*=\s*0?6[67]6", line):
                yield _finding(
                    "MH-EXPO-002",
                    r.host(unit),
                    "docker.socket unit makes the socket world-writable (SocketMode)",
                    "set SocketMode=0660 and SocketGroup=docker",
                    n,
                )
    for sock in ("/var/run/docker.sock", "/run/docker.sock"):
        try:
            st = r.p(sock).stat()
        except OSError:
            continue
        if stat.S_ISSOCK(st.st_mode) and st.st_mode & 0o002:
            yield _finding(
                "MH-EXPO-002",
                sock,
                f"{sock} has mode {stat.S_IMODE(st.st_mode):o}",
                "chmod 660 the socket and keep it group docker (root-equivalent)",
            )
            break


def _docker_tcp(where: str, url: str, line: int | None) -> Finding:
    host = url.removeprefix("tcp://").rsplit(":", 1)[0] or "0.0.0.0"
    f = _finding(
        "MH-EXPO-001", where, f"dockerd listens on {url} without TLS", _DOCKER_FIX, line, listen=url
    )
    return replace(f, severity=Severity.HIGH) if _loopback(host) else f


# -- Kubernetes -----------------------------------------------------------------------------
_KUBE_FIX = (
    "set authentication.anonymous.enabled: false and authorization.mode: Webhook (kubelet); "
    "--anonymous-auth=false, --authorization-mode=Node,RBAC and no insecure port (apiserver)"
)


def _kube(r: _Root) -> Iterator[Finding]:
    cfg = r.read("/var/lib/kubelet/config.yaml")
    if cfg:
        if re.search(r"(?m)^\s*anonymous:\s*\n\s+enabled:\s*true\b", cfg):
            yield _finding(
                "MH-EXPO-003",
                "/var/lib/kubelet/config.yaml",
                "kubelet accepts anonymous requests",
                _KUBE_FIX,
            )
        if re.search(r"(?m)^authorization:\s*\n\s+mode:\s*AlwaysAllow\b", cfg):
            yield _finding(
                "MH-EXPO-003",
                "/var/lib/kubelet/config.yaml",
                "kubelet authorizes every request (AlwaysAllow)",
                _KUBE_FIX,
            )
    files = [
        *r.glob("/etc/kubernetes/manifests/kube-apiserver.yaml"),
        *r.glob("/etc/systemd/system/kubelet.service.d/*.conf"),
        *r.glob("/etc/default/kubelet"),
    ]
    for path in files:
        text = r.read(path) or ""
        for n, line in enumerate(text.splitlines(), 1):
            m = re.search(
                r"--anonymous-auth=true|--authorization-mode=\S*AlwaysAllow|"
                r"--insecure-port=(?!0\b)\d+",
                line,
            )
            if m and not line.lstrip().startswith("#"):
                yield _finding(
                    "MH-EXPO-003", r.host(path), f"Kubernetes runs with {m.group(0)}", _KUBE_FIX, n
                )


# -- Redis, Memcached, Elasticsearch ----------------------------------------------------------
def _directives(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            out[parts[0].lower()] = parts[1:]
    return out


def _redis(r: _Root) -> Iterator[Finding]:
    for path in [*r.glob("/etc/redis/redis.conf"), *r.glob("/etc/redis.conf")]:
        d = _directives(r.read(path) or "")
        password = bool(d.get("requirepass")) and d["requirepass"][0] not in ('""', "''")
        bind = [a.lstrip("-") for a in d.get("bind", [])]
        protected = (d.get("protected-mode") or ["yes"])[0].lower() != "no"
        wide = [a for a in bind if not _loopback(a)]
        if password or d.get("aclfile"):
            continue
        if wide or (not bind and not protected):
            where = ", ".join(wide) or "every address (no bind)"
            yield _finding(
                "MH-EXPO-004",
                r.host(path),
                f"Redis listens on {where} without a password",
                _REDIS_FIX,
                bind=where,
            )


_REDIS_FIX = "bind 127.0.0.1 -::1, keep protected-mode yes and set requirepass or ACL users"


def _memcached(r: _Root) -> Iterator[Finding]:
    text = r.read("/etc/memcached.conf")
    if text is None:
        return
    listen: list[str] = []
    sasl = False
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"-l\s+(\S+)", line)
        if m:
            listen += m.group(1).split(",")
        sasl = sasl or bool(re.match(r"-S\b", line))
    wide = [a for a in listen if not _loopback(a.rsplit(":", 1)[0] if a.count(":") == 1 else a)]
    if not sasl and (wide or not listen):
        yield _finding(
            "MH-EXPO-005",
            "/etc/memcached.conf",
            f"memcached listens on {', '.join(wide) or 'every address'}",
            "add -l 127.0.0.1 (and -U 0), or -S with SASL",
        )


def _elastic(r: _Root) -> Iterator[Finding]:
    text = r.read("/etc/elasticsearch/elasticsearch.yml")
    if not text:
        return
    host = re.search(r"(?m)^\s*network\.host:\s*\"?([^\s\"#]+)", text)
    sec = re.search(r"(?m)^\s*xpack\.security\.enabled:\s*(\w+)", text)
    if host and not _loopback(host.group(1)) and sec and sec.group(1).lower() == "false":
        yield _finding(
            "MH-EXPO-006",
            "/etc/elasticsearch/elasticsearch.yml",
            f"Elasticsearch binds {host.group(1)} with xpack security disabled",
            "set xpack.security.enabled: true (with TLS) or network.host: _local_",
        )


def _listening(skip: Skip) -> list[tuple[str, int, str]]:
    """(address, port, program) of every listening TCP socket of this host."""
    import psutil

    try:
        conns = psutil.net_connections("tcp")
    except (psutil.AccessDenied, OSError) as e:
        skip("listening sockets", f"cannot list: {e}")
        return []
    out = set()
    for c in conns:
        if c.status != psutil.CONN_LISTEN or not c.laddr:
            continue
        try:
            name = psutil.Process(c.pid).name() if c.pid else ""
        except psutil.Error:
            name = ""
        out.add((c.laddr.ip, c.laddr.port, name))
    return sorted(out)


def _non_loopback_addresses() -> list[str]:
    import psutil

    return sorted(
        a.address
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family == socket.AF_INET and not _loopback(a.address)
    )


def _redis_open(ip: str, port: int) -> bool:
    """Does the Redis on ip:port (this host's own listener) answer PING without auth?"""
    try:
        with socket.create_connection((ip, port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _live(skip: Skip) -> Iterator[Finding]:
    for ip, port, name in _listening(skip):
        if _loopback(ip):
            continue
        where = f"tcp {ip}:{port}"
        if name.startswith("redis") or port == 6379:
            probes = _non_loopback_addresses()[:1] if ip in ("0.0.0.0", "::") else [ip]
            for probe in probes:
                if _redis_open(probe, port):
                    yield _finding(
                        "MH-EXPO-004",
                        where,
                        f"Redis on {ip}:{port} answers PING without a password (asked at {probe})",
                        _REDIS_FIX,
                        listen=f"{ip}:{port}",
                    )
                    break
        elif name.startswith("memcached") or port == 11211:
            yield _finding(
                "MH-EXPO-005",
                where,
                f"memcached listens on {ip}:{port}",
                "bind it to 127.0.0.1 (-l 127.0.0.1) or require SASL (-S)",
            )
        elif name.startswith("dockerd") and port != 2376:
            yield _finding("MH-EXPO-001", where, f"dockerd listens on {ip}:{port}", _DOCKER_FIX)


# -- SSH ------------------------------------------------------------------------------------
def _sshd_options(
    r: _Root, path: Path, seen: set[Path], out: dict[str, tuple[str, str, int]]
) -> None:
    """First value of each keyword wins (sshd_config(5)); Include is expanded in place; the
    global section ends at the first Match."""
    if path in seen or len(seen) > 64:
        return
    seen.add(path)
    for n, line in enumerate((r.read(path) or "").splitlines(), 1):
        parts = line.split("#", 1)[0].split(None, 1)
        if len(parts) < 2:
            continue
        key, value = parts[0].lower(), parts[1].strip()
        if key == "match":
            out.setdefault("match", ("yes", r.host(path), n))
            return
        if key == "include":
            for pat in value.split():
                pat = pat if pat.startswith("/") else f"/etc/ssh/{pat}"
                for inc in r.glob(pat):
                    _sshd_options(r, inc, seen, out)
                    if "match" in out:
                        return
            continue
        out.setdefault(key, (value.lower(), r.host(path), n))


def _ssh(r: _Root) -> Iterator[Finding]:
    main = r.p("/etc/ssh/sshd_config")
    if not main.is_file():
        return
    opts: dict[str, tuple[str, str, int]] = {}
    _sshd_options(r, main, set(), opts)
    value, where, line = opts.get("passwordauthentication", ("yes", "/etc/ssh/sshd_config", 0))
    methods = opts.get("authenticationmethods", ("any", "", 0))[0]
    if value.split()[0] == "yes" and (methods == "any" or "password" in methods):
        how = f"set at line {line}" if line else "unset, and OpenSSH defaults to yes"
        yield _finding(
            "MH-EXPO-007",
            where,
            f"sshd PasswordAuthentication is yes ({how})",
            "set PasswordAuthentication no (and KbdInteractiveAuthentication no), "
            "use keys; rate-limit port 22 (fail2ban)",
            line or None,
        )
    value, where, line = opts.get("permitrootlogin", ("prohibit-password", where, 0))
    if value.split()[0] == "yes":
        yield _finding(
            "MH-EXPO-008",
            where,
            "sshd PermitRootLogin is yes",
            "set PermitRootLogin no (or prohibit-password)",
            line,
        )


# -- credentials --------------------------------------------------------------------------
_CLOUD = (
    ".aws/credentials",
    ".config/gcloud/credentials.db",
    ".config/gcloud/application_default_credentials.json",
    ".config/gcloud/legacy_credentials/*/adc.json",
    ".azure/accessTokens.json",
    ".azure/msal_token_cache.json",
    ".azure/service_principal_entries.json",
)
_SECRET_LINE = linear.compile(
    r"(?m)^\s*(?:export\s+)?([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|"
    r"PRIVATE_KEY)[A-Z0-9_]*)\s*=\s*['\"]?[^\s'\"#]{6,}"
)


def _others_can_read(r: _Root, path: Path) -> bool:
    """World-readable, and every directory above it (inside root) lets others pass."""
    try:
        if not path.stat().st_mode & 0o004:
            return False
        parent = path.parent
        while parent != r.root and r.root in parent.parents:
            if not parent.stat().st_mode & 0o001:
                return False
            parent = parent.parent
    except OSError:
        return False
    return True


def _homes(r: _Root) -> list[Path]:
    return [*r.glob("/root"), *r.glob("/home/*")]


def _credentials(r: _Root) -> Iterator[Finding]:
    for home in _homes(r):
        for rel in _CLOUD:
            for path in sorted(Path(p) for p in glob.glob(str(home / rel))):
                if _others_can_read(r, path):
                    yield _finding(
                        "MH-EXPO-009",
                        r.host(path),
                        f"{r.host(path)} is readable by every local user",
                        f"chmod 600 {r.host(path)} (and 700 its "
                        "directory); rotate the keys if the host may be compromised",
                    )


def _walk(r: _Root, tops: list[str], depth: int) -> Iterator[Path]:
    """Files under each of ``tops`` down to ``depth``, at most MAX_WALK per top."""
    for top in tops:
        base = r.p(top)
        start, seen = len(base.parts), 0
        for dirpath, dirnames, filenames in os.walk(base, onerror=lambda e: None):
            here = Path(dirpath)
            if len(here.parts) - start >= depth:
                dirnames.clear()
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", ".git", ".cache")]
            seen += len(filenames) + len(dirnames)
            if seen > MAX_WALK:
                r.skip(top, f"stopped after {MAX_WALK} entries")
                break
            for f in filenames:
                yield here / f


def _dotenv(r: _Root) -> Iterator[Finding]:
    for path in _walk(r, ["/var/www", "/srv", "/opt", "/home"], 5):
        name = path.name
        if not (
            name == ".env"
            or (name.startswith(".env.") and not re.search(r"example|sample|dist|template", name))
        ):
            continue
        if not _others_can_read(r, path):
            continue
        text = r.read(path) or ""
        keys = sorted({m.group(1) for m in _SECRET_LINE.finditer(text[:200_000])})
        if keys:
            yield _finding(
                "MH-EXPO-010",
                r.host(path),
                f"{r.host(path)} is readable by every local user and sets {', '.join(keys[:5])}",
                "chmod 600 it (owner: the app user), keep it outside the web root, rotate the keys",
                keys=", ".join(keys[:10]),
            )


# -- software versions ----------------------------------------------------------------------
def _v(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:4])


def _log4j(v: tuple[int, ...]) -> bool:
    # CVE-2021-44228/45046: fixed in 2.17.1, 2.12.4 (Java 7) and 2.3.2 (Java 6)
    return (
        (2, 0) <= v < (2, 17, 1)
        and not ((2, 12, 4) <= v < (2, 13))
        and not ((2, 3, 2) <= v < (2, 4))
    )


def _activemq(v: tuple[int, ...]) -> bool:
    # CVE-2023-46604 (OpenWire RCE used by HelloKitty and Kinsing): fixed 5.15.16, 5.16.7,
    # 5.17.6, 5.18.3
    fixed: dict[tuple[int, ...], tuple[int, ...]] = {
        (5, 15): (5, 15, 16),
        (5, 16): (5, 16, 7),
        (5, 17): (5, 17, 6),
        (5, 18): (5, 18, 3),
    }
    return (v[:2] in fixed and v < fixed[v[:2]]) or (5, 0) <= v < (5, 15)


def _confluence(v: tuple[int, ...]) -> bool:
    # CVE-2022-26134 (OGNL injection) and CVE-2023-22527 (template injection)
    fixed: dict[tuple[int, ...], tuple[int, ...]] = {
        (7, 13): (7, 13, 7),
        (7, 14): (7, 14, 3),
        (7, 15): (7, 15, 2),
        (7, 16): (7, 16, 4),
        (7, 17): (7, 17, 4),
        (7, 18): (7, 18, 1),
    }
    if v[:2] in fixed:
        return v < fixed[v[:2]]
    return (1, 3) <= v < (7, 4, 17) or (8, 0) <= v < (8, 5, 4)


def _jenkins(v: tuple[int, ...]) -> bool:
    # CVE-2024-23897 (args4j file read to RCE): fixed in 2.442 and LTS 2.426.3
    return v < (2, 426, 3) or (2, 427) <= v < (2, 442)


def _weblogic(v: tuple[int, ...]) -> bool:
    # CVE-2020-14882/14883 and CVE-2019-2725: these releases, unless the patch is applied
    return v[:4] in {(10, 3, 6, 0), (12, 1, 3, 0), (12, 2, 1, 3), (12, 2, 1, 4), (14, 1, 1, 0)}


_SOFTWARE: tuple[tuple[re.Pattern[str], str, Callable[[tuple[int, ...]], bool], str, str], ...] = (
    (
        re.compile(r"^log4j-core-(\d+\.\d+(?:\.\d+)?)\.jar$"),
        "Log4j",
        _log4j,
        "CVE-2021-44228",
        "upgrade log4j-core to 2.17.1 or later (or remove JndiLookup.class)",
    ),
    (
        re.compile(r"^activemq-(?:client|broker|all|openwire-legacy)-(\d+\.\d+\.\d+)\.jar$"),
        "Apache ActiveMQ",
        _activemq,
        "CVE-2023-46604",
        "upgrade ActiveMQ to 5.15.16/5.16.7/5.17.6/5.18.3 or later; firewall port 61616",
    ),
    (
        re.compile(r"^confluence-(\d+\.\d+\.\d+)\.jar$"),
        "Confluence",
        _confluence,
        "CVE-2022-26134, CVE-2023-22527",
        "upgrade Confluence to a fixed release (8.5.4+)",
    ),
)


def _manifest_version(path: Path, key: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            text = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    m = re.search(rf"(?m)^{re.escape(key)}:\s*(\S+)", text)
    return m.group(1) if m else None


def _software(r: _Root) -> Iterator[Finding]:
    tops = [
        "/opt",
        "/srv",
        "/u01",
        "/var/lib",
        "/home",
        "/usr/share/java",
        "/usr/share/jenkins",
        "/usr/lib/jenkins",
    ]
    for path in _walk(r, tops, 7):
        name = path.name
        for rx, product, bad, cve, fix in _SOFTWARE:
            m = rx.match(name)
            if m and bad(_v(m.group(1))):
                yield _finding(
                    "MH-EXPO-011",
                    r.host(path),
                    f"{product} {m.group(1)} ({cve})",
                    fix,
                    product=product,
                    version=m.group(1),
                    cve=cve,
                )
        if name == "jenkins.war":
            v = _manifest_version(path, "Jenkins-Version")
            if v and _jenkins(_v(v)):
                yield _finding(
                    "MH-EXPO-011",
                    r.host(path),
                    f"Jenkins {v} (CVE-2024-23897)",
                    "upgrade Jenkins to 2.442 / LTS 2.426.3 or later",
                    product="Jenkins",
                    version=v,
                    cve="CVE-2024-23897",
                )
        elif name == "weblogic.jar":
            v = _manifest_version(path, "Implementation-Version")
            if v and _weblogic(_v(v)):
                f = _finding(
                    "MH-EXPO-011",
                    r.host(path),
                    f"WebLogic {v} (CVE-2020-14882, CVE-2019-2725 unless patched)",
                    "apply Oracle's Critical Patch "
                    "Updates; keep the console (7001) off the internet",
                    product="WebLogic",
                    version=v,
                    cve="CVE-2020-14882",
                )
                yield replace(f, severity=Severity.MEDIUM)


def _xml_props(text: str) -> dict[str, str]:
    props = re.findall(
        r"<property>\s*<name>\s*([^<]+?)\s*</name>\s*<value>\s*([^<]*?)\s*</value>", text
    )
    return dict(props)


def _yarn(r: _Root) -> Iterator[Finding]:
    dirs = [*r.glob("/etc/hadoop"), *r.glob("/etc/hadoop/conf"), *r.glob("/opt/hadoop*/etc/hadoop")]
    for d in dirs:
        yarn = d / "yarn-site.xml"
        if not yarn.is_file():
            continue
        core = _xml_props(r.read(d / "core-site.xml") or "")
        props = _xml_props(r.read(yarn) or "")
        auth = core.get("hadoop.security.authentication", "simple").lower()
        acl = props.get("yarn.acl.enable", "false").lower() == "true"
        if auth == "simple" and not acl:
            yield _finding(
                "MH-EXPO-012",
                r.host(yarn),
                "YARN ResourceManager REST API runs with simple authentication and no ACLs",
                "enable Kerberos "
                "(hadoop.security.authentication=kerberos) and yarn.acl.enable=true; "
                "firewall port 8088",
            )


def _kernel(r: _Root) -> Iterator[Finding]:
    fix_msr = "set 'options msr allow_writes=off' (or 'install msr /bin/false') in modprobe.d"
    msr = (r.read("/sys/module/msr/parameters/allow_writes") or "").strip()
    if msr == "on":
        yield _finding(
            "MH-EXPO-014",
            "/sys/module/msr/parameters/allow_writes",
            "MSR writes are allowed now (msr allow_writes=on)",
            fix_msr,
        )
    for path in r.glob("/etc/modprobe.d/*.conf"):
        for n, line in enumerate((r.read(path) or "").splitlines(), 1):
            if re.match(r"\s*options\s+msr\b.*\ballow_writes=on", line):
                yield _finding(
                    "MH-EXPO-014", r.host(path), "modprobe.d allows MSR writes", fix_msr, n
                )
    pages = (r.read("/proc/sys/vm/nr_hugepages") or "").strip()
    if pages.isdigit() and int(pages) > 0:
        yield _finding(
            "MH-EXPO-014",
            "/proc/sys/vm/nr_hugepages",
            f"vm.nr_hugepages = {pages} (huge pages reserved now)",
            "set vm.nr_hugepages=0 unless a database or VM host needs them",
        )
    nmi = (r.read("/proc/sys/kernel/nmi_watchdog") or "").strip()
    if nmi == "0":
        yield _finding(
            "MH-EXPO-014",
            "/proc/sys/kernel/nmi_watchdog",
            "kernel.nmi_watchdog = 0 now",
            "set kernel.nmi_watchdog=1",
        )
    for path in [*r.glob("/etc/sysctl.conf"), *r.glob("/etc/sysctl.d/*.conf")]:
        for n, line in enumerate((r.read(path) or "").splitlines(), 1):
            m = re.match(r"\s*(vm\.nr_hugepages|kernel\.nmi_watchdog)\s*=\s*(\d+)", line)
            if m and ((m.group(1) == "vm.nr_hugepages") == (int(m.group(2)) > 0)):
                yield _finding(
                    "MH-EXPO-014",
                    r.host(path),
                    f"{m.group(1)} = {m.group(2)} set at boot",
                    "remove the line unless a workload needs it",
                    n,
                )


def audit(root: Path, live: bool, skip: Skip) -> Iterator[Finding]:
    """Every open door found under ``root`` (and, with ``live``, on this host's sockets)."""
    r = _Root(root, skip)
    for part in (
        _docker,
        _kube,
        _redis,
        _memcached,
        _elastic,
        _ssh,
        _credentials,
        _dotenv,
        _software,
        _yarn,
        _kernel,
    ):
        yield from part(r)
    if live:
        yield from _live(skip)
