"""scan exposure: every door on an open host tree is reported with its fix, a hardened tree
gives nothing at medium or above, and a real password-less Redis bound to an address in a
network namespace is found live while one with a password is not."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt.model import Severity
from tests.conftest import run_cli


def _write(root: Path, rel: str, text: str, mode: int = 0o644) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    p.chmod(mode)
    return p


def _war(path: Path, version: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\nJenkins-Version: {version}\n")


def _tree(root: Path, hardened: bool) -> None:
    h = hardened
    _write(root, "etc/docker/daemon.json",
           '{"hosts": ["unix:///var/run/docker.sock"' + ("" if h else ', "tcp://0.0.0.0:2375"')
           + "]}")  # fmt: skip
    _write(root, "etc/systemd/system/docker.service.d/override.conf",
           "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// "
           + ("--tlsverify -H tcp://0.0.0.0:2376\n" if h else "-H tcp://0.0.0.0:2375\n"))  # fmt: skip
    sock = root / "var/run/docker.sock"
    sock.parent.mkdir(parents=True, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock))
    s.close()
    sock.chmod(0o660 if h else 0o666)
    _write(root, "var/lib/kubelet/config.yaml",
           "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n"
           f"    enabled: {'false' if h else 'true'}\nauthorization:\n  mode: Webhook\n")  # fmt: skip
    _write(root, "etc/kubernetes/manifests/kube-apiserver.yaml",
           "spec:\n  containers:\n  - command:\n    - kube-apiserver\n"
           f"    - --anonymous-auth={'false' if h else 'true'}\n"
           "    - --authorization-mode=Node,RBAC\n")  # fmt: skip
    _write(root, "etc/redis/redis.conf",
           ("bind 127.0.0.1 -::1\nprotected-mode yes\n" if h
            else "bind 0.0.0.0\nprotected-mode no\n") + "port 6379\n")  # fmt: skip
    _write(root, "etc/memcached.conf", "-d\n-m 64\n" + ("-l 127.0.0.1\n" if h else "-l 0.0.0.0\n"))
    _write(root, "etc/elasticsearch/elasticsearch.yml",
           "cluster.name: app\nnetwork.host: " + ("_local_\n" if h else "0.0.0.0\n")
           + "xpack.security.enabled: false\n")  # fmt: skip
    _write(root, "etc/ssh/sshd_config",
           "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n"
           "UsePAM yes\nMatch User deploy\n  PasswordAuthentication yes\n")  # fmt: skip
    _write(root, "etc/ssh/sshd_config.d/50-cloud.conf",
           "PasswordAuthentication no\nPermitRootLogin prohibit-password\n" if h
           else "PasswordAuthentication yes\nPermitRootLogin yes\n")  # fmt: skip
    home = root / "home/alice"
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    _write(root, "home/alice/.aws/credentials",
           "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\n"
           "aws_secret_access_key = wJalrXUtnFEMIexampleexampleexampleKEY\n",
           0o600 if h else 0o644)  # fmt: skip
    (home / ".aws").chmod(0o755)
    _write(root, "var/www/shop/.env",
           "APP_ENV=production\nDB_PASSWORD=s3cr3t-pa55\nSTRIPE_SECRET_KEY=sk_live_abcdef123\n",
           0o640 if h else 0o644)  # fmt: skip
    _write(root, "var/www/shop/.env.example", "DB_PASSWORD=changeme-please\n")
    ver = "2.17.2" if h else "2.14.1"
    _write(root, f"opt/app/lib/log4j-core-{ver}.jar", "jar")
    _write(root, f"opt/activemq/lib/activemq-client-{'5.18.3' if h else '5.17.3'}.jar", "jar")
    _war(root / "usr/share/java/jenkins.war", "2.452.1" if h else "2.401.3")
    _write(root, "etc/hadoop/core-site.xml",
           "<configuration><property><name>hadoop.security.authentication</name>"
           f"<value>{'kerberos' if h else 'simple'}</value></property></configuration>")  # fmt: skip
    _write(root, "etc/hadoop/yarn-site.xml",
           "<configuration><property><name>yarn.resourcemanager.hostname</name>"
           "<value>rm</value></property></configuration>")  # fmt: skip
    # what XMRig's setup scripts leave: MSR writes, huge pages, no NMI watchdog
    _write(root, "etc/modprobe.d/msr.conf",
           "blacklist msr\n" if h else "options msr allow_writes=on\n")  # fmt: skip
    _write(root, "etc/sysctl.d/60-miner.conf",
           "vm.swappiness = 10\n" if h else "vm.nr_hugepages = 1280\nkernel.nmi_watchdog = 0\n")  # fmt: skip
    _write(root, "proc/sys/vm/nr_hugepages", "0\n" if h else "1280\n")
    _write(root, "proc/sys/kernel/nmi_watchdog", "1\n" if h else "0\n")


def test_open_host_reports_every_door_with_its_fix(tmp_path: Path) -> None:
    _tree(tmp_path, hardened=False)
    r = run_cli("scan", "exposure", "--root", str(tmp_path), "-f", "json")
    assert r.code == 1, r.stderr
    found: dict[str, list[str]] = {}
    for f in r.report.findings:
        found.setdefault(f.check_id, []).append(f.target.path or "")
        assert "Fix: " in f.summary and f.evidence[0].attributes["fix"]
    assert set(found) == {f"MH-EXPO-{n:03d}" for n in (*range(1, 13), 14)}, found
    assert sorted(found["MH-EXPO-001"]) == [
        "/etc/docker/daemon.json", "/etc/systemd/system/docker.service.d/override.conf"]  # fmt: skip
    assert found["MH-EXPO-002"] == ["/var/run/docker.sock"]
    assert found["MH-EXPO-007"] == ["/etc/ssh/sshd_config.d/50-cloud.conf"]
    assert found["MH-EXPO-009"] == ["/home/alice/.aws/credentials"]
    assert found["MH-EXPO-010"] == ["/var/www/shop/.env"]
    assert sorted(found["MH-EXPO-014"]) == [
        "/etc/modprobe.d/msr.conf", "/etc/sysctl.d/60-miner.conf", "/etc/sysctl.d/60-miner.conf",
        "/proc/sys/kernel/nmi_watchdog", "/proc/sys/vm/nr_hugepages"]  # fmt: skip
    versions = {f.evidence[0].attributes.get("product") for f in r.report.findings
                if f.check_id == "MH-EXPO-011"}  # fmt: skip
    assert versions == {"Log4j", "Apache ActiveMQ", "Jenkins"}


def test_hardened_host_gives_nothing_at_medium_or_above(tmp_path: Path) -> None:
    _tree(tmp_path, hardened=True)
    r = run_cli("scan", "exposure", "--root", str(tmp_path), "-f", "json")
    assert r.code == 0, r.stdout
    assert [f for f in r.report.findings if f.severity >= Severity.MEDIUM] == []
    assert r.report.findings == ()  # this tree closes every door, low ones included


def test_sshd_default_allows_passwords_and_first_value_wins(tmp_path: Path) -> None:
    _write(tmp_path, "etc/ssh/sshd_config", "Port 22\nPasswordAuthentication no\n"
           "PasswordAuthentication yes\n")  # fmt: skip
    r = run_cli("scan", "exposure", "--root", str(tmp_path), "-f", "json")
    assert r.code == 0 and not r.report.findings
    _write(tmp_path, "etc/ssh/sshd_config", "Port 22\n# PasswordAuthentication no\n")
    r = run_cli("scan", "exposure", "--root", str(tmp_path), "-f", "json")
    (f,) = r.report.findings
    assert f.check_id == "MH-EXPO-007" and "OpenSSH defaults to yes" in f.summary
    # keys required by AuthenticationMethods: passwords are never asked for
    _write(tmp_path, "etc/ssh/sshd_config", "AuthenticationMethods publickey\n")
    assert run_cli("scan", "exposure", "--root", str(tmp_path), "-f", "json").report.findings == ()


@pytest.fixture
def netns() -> Iterator[str]:
    if shutil.which("ip") is None or shutil.which("redis-server") is None:
        pytest.fail("ip (iproute2) and redis-server are needed")
    name = f"mh{uuid.uuid4().hex[:8]}"
    cmds = [
        ["ip", "netns", "add", name],
        ["ip", "-n", name, "link", "set", "lo", "up"],
        ["ip", "-n", name, "link", "add", "mh0", "type", "veth", "peer", "name", "mh1"],
        ["ip", "-n", name, "addr", "add", "10.213.7.1/24", "dev", "mh0"],
        ["ip", "-n", name, "link", "set", "mh0", "up"],
        ["ip", "-n", name, "link", "set", "mh1", "up"],
    ]
    try:
        for c in cmds:
            subprocess.run(c, check=True, capture_output=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _redis(ns: str, port: int, tmp: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, "redis-server", "--bind", "10.213.7.1", "--port", str(port),
         "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", str(tmp),
         "--daemonize", "no", *extra],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def test_live_redis_without_password_in_a_namespace(netns: str, tmp_path: Path) -> None:
    empty = tmp_path / "root"
    empty.mkdir()
    procs = [
        _redis(netns, 6379, tmp_path),
        _redis(netns, 6390, tmp_path, "--requirepass", "long-random-password-1"),
    ]
    try:
        for port in (6379, 6390):
            for _ in range(100):
                probe = subprocess.run(
                    ["ip", "netns", "exec", netns, sys.executable, "-c",
                     f"import socket; socket.create_connection(('10.213.7.1', {port}), 1)"],
                    capture_output=True,
                )  # fmt: skip
                if probe.returncode == 0:
                    break
                time.sleep(0.05)
        cmd = ["ip", "netns", "exec", netns, sys.executable, "-m", "minehunt", "scan",
               "exposure", "--root", str(empty), "--live", "-f", "json"]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=os.environ)
        import json

        from minehunt.model import Report

        report = Report.from_dict(json.loads(res.stdout))
        live = [f for f in report.findings if f.check_id == "MH-EXPO-004"]
        assert [f.target.path for f in live] == ["tcp 10.213.7.1:6379"], res.stderr
        assert "answers PING without a password" in live[0].summary
    finally:
        for p in procs:
            p.terminate()
            p.wait(5)
