"""Exposure: the doors miners use to get onto a host (MH-EXPO-0xx). Each finding says how to
close the door (evidence attribute ``fix``)."""

from __future__ import annotations

from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    _c(
        "MH-EXPO-001",
        "Docker API on TCP without TLS",
        S.CRITICAL,
        C.HIGH,
        K.CONFIG,
        ("T1190", "T1610"),
        "dockerd is configured (daemon.json, unit file, /etc/default/docker) to serve its API "
        "on tcp:// without --tlsverify: anyone who reaches the port runs containers as root. "
        "Kinsing and TeamTNT scan for exactly this.",
    ),
    _c(
        "MH-EXPO-002",
        "Docker socket writable by everyone",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        ("T1610", "T1611"),
        "docker.sock is world-writable: any local user or compromised service is root.",
    ),
    _c(
        "MH-EXPO-003",
        "Kubernetes anonymous access",
        S.CRITICAL,
        C.HIGH,
        K.CONFIG,
        ("T1190", "T1610"),
        "kubelet allows anonymous requests or AlwaysAllow authorization, or kube-apiserver "
        "runs with --anonymous-auth=true/AlwaysAllow or an insecure port: miners deploy pods.",
    ),
    _c(
        "MH-EXPO-004",
        "Redis reachable beyond loopback without a password",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        ("T1190",),
        "Redis listens on a non-loopback address with no requirepass/ACL and protected mode "
        "off: attackers write cron jobs or SSH keys through it (the classic miner dropper).",
    ),
    _c(
        "MH-EXPO-005",
        "Memcached reachable beyond loopback",
        S.MEDIUM,
        C.MEDIUM,
        K.CONFIG,
        ("T1190",),
        "memcached listens beyond loopback without SASL: unauthenticated read/write cache.",
    ),
    _c(
        "MH-EXPO-006",
        "Elasticsearch reachable beyond loopback without security",
        S.HIGH,
        C.MEDIUM,
        K.CONFIG,
        ("T1190",),
        "Elasticsearch binds a non-loopback address with xpack security disabled.",
    ),
    _c(
        "MH-EXPO-007",
        "SSH accepts passwords",
        S.MEDIUM,
        C.HIGH,
        K.CONFIG,
        ("T1110", "T1133"),
        "sshd's effective PasswordAuthentication is yes (the OpenSSH default when unset): "
        "brute-forcing botnets (Outlaw, 8220 Gang) install miners over it.",
    ),
    _c(
        "MH-EXPO-008",
        "SSH root login allowed",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        ("T1110", "T1133"),
        "sshd's PermitRootLogin is yes: a guessed or leaked root password gives the host.",
    ),
    _c(
        "MH-EXPO-009",
        "Cloud credentials readable by everyone",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        ("T1552.001",),
        "AWS, gcloud or Azure credential files are world-readable: TeamTNT-style scripts "
        "steal them to start miners on the cloud account.",
    ),
    _c(
        "MH-EXPO-010",
        ".env file with secrets readable by everyone",
        S.MEDIUM,
        C.MEDIUM,
        K.CONFIG,
        ("T1552.001",),
        "A world-readable .env file holds keys, tokens or passwords (Androxgh0st-style theft).",
    ),
    _c(
        "MH-EXPO-011",
        "Software version with a miner-delivery CVE",
        S.HIGH,
        C.MEDIUM,
        K.CONFIG,
        ("T1190",),
        "An installed Log4j, Apache ActiveMQ, Confluence, Jenkins or WebLogic reports a "
        "version in the range of a CVE exploited to deliver miners.",
    ),
    _c(
        "MH-EXPO-012",
        "Hadoop YARN ResourceManager without authentication",
        S.HIGH,
        C.MEDIUM,
        K.CONFIG,
        ("T1190",),
        "yarn-site/core-site leave the ResourceManager REST API unauthenticated (simple "
        "auth, no ACLs): anyone can submit an application that runs a miner.",
    ),
    _c(
        "MH-EXPO-013",
        "Site CSP would not stop browser miners",
        S.LOW,
        C.HIGH,
        K.CONFIG,
        ("T1496", "T1189"),
        "scan url --csp: the page's Content-Security-Policy lets at least one way a browser "
        "miner runs through (a script from a miner host, injected inline code, a blob: "
        "worker, a WebSocket to a pool proxy, WebAssembly compilation); info when it stops "
        "them all. The finding carries a suggested policy.",
    ),
    _c(
        "MH-EXPO-014",
        "Kernel settings miners tune are open",
        S.LOW,
        C.MEDIUM,
        K.CONFIG,
        ("T1496",),
        "MSR writes are allowed (msr allow_writes=on, the RandomX MSR boost), huge pages are "
        "reserved or the NMI watchdog is off, now or persistently (modprobe.d, sysctl.d): "
        "the settings XMRig's setup scripts make. The host scan reports them as tampering "
        "(MH-TAMP-002..004); here they are hardening to restore.",
    ),
)
