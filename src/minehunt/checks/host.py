"""Host checks: processes, sockets, tampering, persistence, drop directories."""

from __future__ import annotations

from minehunt.checks.base import T1496 as _T1496
from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- processes -------------------------------------------------------------------------
    _c(
        "MH-PROC-001",
        "Known miner program",
        S.MEDIUM,
        C.MEDIUM,
        K.IDENTITY,
        _T1496,
        "The executable, kernel name (comm) or argv[0] is the name of mining software "
        "(xmrig, xmr-stak, cpuminer, t-rex ...), including renamed copies where only one "
        "of the three still carries the name.",
    ),
    _c(
        "MH-PROC-002",
        "Mining pool URL in command line",
        S.HIGH,
        C.HIGH,
        K.CMDLINE,
        _T1496,
        "The command line holds a mining-protocol URL (stratum+tcp://, stratum+ssl:// ...) "
        "or a known mining-pool domain.",
    ),
    _c(
        "MH-PROC-003",
        "Miner command-line options",
        S.MEDIUM,
        C.MEDIUM,
        K.CMDLINE,
        _T1496,
        "Options only miners take: --donate-level, --randomx-1gb-pages, "
        "--cpu-max-threads-hint, --nicehash, --coin, or -a/--algo with a mining algorithm.",
    ),
    _c(
        "MH-PROC-004",
        "Wallet address in command line or configuration",
        S.MEDIUM,
        C.MEDIUM,
        K.CMDLINE,
        _T1496,
        "The command line or configuration carries a cryptocurrency wallet address "
        "(Monero, Bitcoin, Ethereum ...), the usual pool login.",
    ),
    _c(
        "MH-PROC-005",
        "Encoded mining command line",
        S.HIGH,
        C.HIGH,
        K.CMDLINE,
        ("T1496", "T1027"),
        "A base64 argument of the command line decodes to mining options, a pool URL or a wallet.",
    ),
    _c(
        "MH-PROC-006",
        "Executable in a temporary or memory-only location",
        S.LOW,
        C.LOW,
        K.LOCATION,
        ("T1496", "T1036"),
        "The process runs from /tmp, /var/tmp, /dev/shm or "
        "an anonymous memfd: where droppers put miners.",
    ),
    _c(
        "MH-PROC-007",
        "Executable deleted from disk",
        S.INFO,
        C.LOW,
        K.LOCATION,
        ("T1496", "T1070.004"),
        "The running executable was deleted after start. Package "
        "upgrades do this to daemons too, so alone it is informational.",
    ),
    _c(
        "MH-PROC-008",
        "Process disguised as a kernel thread",
        S.MEDIUM,
        C.MEDIUM,
        K.IDENTITY,
        ("T1496", "T1036.004"),
        "A user-space process (it has an executable, or "
        "a parent other than kthreadd) calls itself like a kernel thread: [kworker/0:1].",
    ),
    _c(
        "MH-PROC-009",
        "Sustained high CPU",
        S.INFO,
        C.LOW,
        K.BEHAVIOUR,
        _T1496,
        "The process kept one or more cores busy over the sampling window and over its "
        "lifetime. Alone this is informational: builds and databases do it too.",
    ),
    _c(
        "MH-PROC-010",
        "Miner configuration beside the process",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        _T1496,
        "A miner configuration (XMRig-style config.json with pools, or a file passed "
        "with -c/--config) sits in the process's directory or working directory.",
    ),
    _c(
        "MH-PROC-011",
        "Legitimate mining software running",
        S.LOW,
        C.HIGH,
        K.IDENTITY,
        _T1496,
        "Mining-capable software such as a Monero node or p2pool is running. It may "
        "be intended; confirm that this host is meant to mine.",
    ),
    # -- network ---------------------------------------------------------------------------
    _c(
        "MH-NET-001",
        "Connection to a mining port",
        S.LOW,
        C.LOW,
        K.NETWORK,
        _T1496,
        "An established TCP connection to a port that mining pools use (3333, 4444, 14444 "
        "...), mapped to its process.",
    ),
    _c(
        "MH-NET-002",
        "Connection to a configured or known pool",
        S.HIGH,
        C.HIGH,
        K.NETWORK,
        _T1496,
        "An established TCP connection to the pool endpoint named in the process's "
        "command line or configuration, or to an address the host maps to a pool domain "
        "(/etc/hosts). minehunt never resolves pool names itself.",
    ),
    # -- tampering -------------------------------------------------------------------------
    _c(
        "MH-TAMP-001",
        "Library preloading configured",
        S.MEDIUM,
        C.MEDIUM,
        K.TAMPERING,
        ("T1574.006",),
        "/etc/ld.so.preload is not empty: every program loads these "
        "libraries, the usual way rootkits hide miners from ps and top.",
    ),
    _c(
        "MH-TAMP-002",
        "MSR writes allowed",
        S.MEDIUM,
        C.MEDIUM,
        K.TAMPERING,
        _T1496,
        "The msr kernel module is loaded with allow_writes=on, which XMRig's RandomX "
        "'MSR mod' needs to gain hashrate.",
    ),
    _c(
        "MH-TAMP-003",
        "Huge pages reserved",
        S.INFO,
        C.LOW,
        K.TAMPERING,
        _T1496,
        "vm.nr_hugepages is raised; miners reserve huge pages for RandomX. Databases do "
        "too, so alone it is informational.",
    ),
    _c(
        "MH-TAMP-004",
        "NMI watchdog disabled",
        S.INFO,
        C.LOW,
        K.TAMPERING,
        _T1496,
        "kernel.nmi_watchdog is 0; campaigns switch it off to avoid lock-up reports under "
        "full load. Many virtual machines run without it, so alone it is informational.",
    ),
    _c(
        "MH-TAMP-005",
        "Hidden process",
        S.HIGH,
        C.HIGH,
        K.TAMPERING,
        ("T1496", "T1014"),
        "A process answers at /proc/PID but is missing from the /proc listing: a rootkit "
        "(often an LD_PRELOAD library) hides it.",
    ),
    # -- persistence -----------------------------------------------------------------------
    _c(
        "MH-PERS-001",
        "Download-and-run in a start-up file",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1496", "T1105"),
        "A crontab, systemd unit, rc script or shell "
        "profile downloads and runs code (curl|wget ... | sh, base64 -d | bash).",
    ),
    _c(
        "MH-PERS-002",
        "Miner or pool in a start-up file",
        S.HIGH,
        C.HIGH,
        K.PERSISTENCE,
        _T1496,
        "A crontab, systemd unit, rc script or shell profile names a miner program, "
        "a mining pool, a stratum URL or a wallet address.",
    ),
    _c(
        "MH-PERS-003",
        "Campaign artefact",
        S.HIGH,
        C.HIGH,
        K.PERSISTENCE,
        _T1496,
        "A file, path, service or SSH key comment that a known cryptojacking campaign "
        "(Kinsing, TeamTNT, 8220, Outlaw, WatchDog, RedTail, Skidmap ...) leaves behind.",
    ),
    _c(
        "MH-PERS-004",
        "Immutable authorized_keys",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1098.004", "T1222.002"),
        "An authorized_keys file carries the immutable "
        "attribute (chattr +i), the way campaigns keep their SSH key in place.",
    ),
    _c(
        "MH-PERS-005",
        "Security tooling disabled in a start-up file",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1562.001",),
        "A start-up file kills competing miners or disables "
        "security agents, firewalls or SELinux, or wipes logs and history.",
    ),
    # -- drop directories ------------------------------------------------------------------
    _c(
        "MH-DROP-001",
        "Executable in a drop directory",
        S.LOW,
        C.LOW,
        K.LOCATION,
        ("T1496", "T1105"),
        "An executable file in /tmp, /var/tmp or /dev/shm. Hidden (dot) "
        "names and native programs raise it.",
    ),
    _c(
        "MH-DROP-002",
        "File hidden in an X11/ICE socket directory",
        S.MEDIUM,
        C.MEDIUM,
        K.LOCATION,
        ("T1496", "T1564.001"),
        "A regular file or directory inside "
        "/tmp/.X11-unix or /tmp/.ICE-unix, which hold only sockets; a known hiding place.",
    ),
)
