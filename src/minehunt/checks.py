"""The registry of checks: every check ID minehunt can report, in one place.

docs/detections.md has one row per check; tests/test_checks.py keeps the two in agreement.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from minehunt import rules
from minehunt.model import CheckId, Confidence, Severity


class Category(enum.StrEnum):
    """Independent kinds of evidence; the correlator trusts agreement across categories."""

    IDENTITY = "identity"  # what the program calls itself or looks like
    CMDLINE = "cmdline"  # what it was told to do
    CONFIG = "config"  # configuration it reads
    LOCATION = "location"  # where it runs from
    BEHAVIOUR = "behaviour"  # what it does (CPU)
    NETWORK = "network"  # whom it talks to
    CONTENT = "content"  # what a file contains
    PERSISTENCE = "persistence"  # how it survives reboots
    TAMPERING = "tampering"  # how the system was changed for or by it
    MEMORY = "memory"  # what its memory holds


@dataclass(frozen=True)
class Check:
    """Metadata of one check."""

    id: CheckId
    """Stable identifier, e.g. MH-PROC-002."""
    title: str
    """Short title, as in docs/detections.md."""
    severity: Severity
    """Severity when this is the only evidence about a target."""
    confidence: Confidence
    """Confidence when this is the only evidence about a target."""
    category: Category
    """Which independent kind of evidence this is."""
    attack: tuple[str, ...]
    """MITRE ATT&CK technique ids."""
    description: str
    """What the check looks for and why it matters."""


def _c(
    id: str,
    title: str,
    severity: Severity,
    confidence: Confidence,
    category: Category,
    attack: tuple[str, ...],
    description: str,
) -> Check:
    return Check(CheckId(id), title, severity, confidence, category, attack, description)


S, C, K = Severity, Confidence, Category
_T1496 = ("T1496",)

CHECKS: dict[str, Check] = {
    c.id: c
    for c in (
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
            "A base64 argument of the command line decodes to mining "
            "options, a pool URL or a wallet.",
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
        # -- files and memory (MH-FILE-*, MH-MEM-*) ---------------------------------------------
        _c(
            "MH-FILE-001",
            "External YARA rule matched",
            S.MEDIUM,
            C.MEDIUM,
            K.CONTENT,
            _T1496,
            "A rule from a rule file given with --rules matched. Its severity and confidence "
            "come from the rule's metadata (severity, confidence), else medium; the rule's "
            "name and file are in the evidence.",
        ),
        _c(
            "MH-MEM-001",
            "Mining code in memory not backed by a file",
            S.HIGH,
            C.HIGH,
            K.MEMORY,
            ("T1496", "T1620"),
            "A miner-family or mining-algorithm rule matched process memory that no file on "
            "disk holds: an anonymous mapping, a memfd or a deleted file. Fileless droppers "
            "load miners this way so that no file scan can find them. A process whose memory "
            "matches the rules of five or more miner families at once holds detection "
            "signatures (another minehunt, a scanner, an editor with the rules open), not a "
            "miner: its memory matches are not used, and the scan lists it as skipped.",
        ),
        # MH-YARA-*: one check per bundled YARA rule, from the rule's metadata (rules.catalog
        # reads it from the .yar text without compiling). Titles and rows in detections.md
        # are generated: python -m minehunt.files.docgen
        *(
            _c(r.id, r.title, r.severity, r.confidence, K(r.category), r.attack, r.description)
            for r in rules.catalog()
        ),
        # -- end files and memory --
        # -- network: captures, live traffic, logs (MH-NET-1xx) ---------------------------------
        _c(
            "MH-NET-101",
            "Mining protocol in network traffic",
            S.HIGH,
            C.HIGH,
            K.CONTENT,
            _T1496,
            "A connection carries a mining protocol (Stratum v1, NiceHash EthereumStratum, "
            "XMRig/Monero JSON-RPC, eth-proxy, getwork, CoinHive/webminerpool over WebSocket, "
            "Stratum V2): logins with wallets, jobs and shares on the wire.",
        ),
        _c(
            "MH-NET-102",
            "DNS lookup of a mining pool",
            S.MEDIUM,
            C.MEDIUM,
            K.NETWORK,
            _T1496,
            "A client asked DNS for a known mining-pool domain (directly or through a CNAME).",
        ),
        _c(
            "MH-NET-103",
            "TLS connection to a mining pool",
            S.HIGH,
            C.HIGH,
            K.NETWORK,
            _T1496,
            "A TLS ClientHello names a mining-pool domain (SNI), or the server's certificate "
            "does (subject CN or SAN, visible up to TLS 1.2): encrypted mining. On port "
            "443 it may be the pool's website, so it counts as medium there.",
        ),
        _c(
            "MH-NET-104",
            "Connection to a pool-resolved address",
            S.MEDIUM,
            C.MEDIUM,
            K.NETWORK,
            _T1496,
            "A connection goes to an address that an earlier DNS answer gave for a mining-pool "
            "domain, whatever its port and payload (encrypted mining included).",
        ),
        _c(
            "MH-NET-105",
            "Unrecognised traffic on a mining port",
            S.LOW,
            C.LOW,
            K.NETWORK,
            _T1496,
            "A connection to a port mining pools use carries TLS or a payload no parser "
            "recognises: possibly encrypted mining.",
        ),
        _c(
            "MH-NET-106",
            "Mining-like rhythm in a long-lived encrypted flow",
            S.LOW,
            C.LOW,
            K.BEHAVIOUR,
            _T1496,
            "A long-lived TLS or unrecognised connection moves few bytes both ways, like a "
            "miner's small share submissions and a pool's job pushes.",
        ),
        _c(
            "MH-NET-107",
            "Cryptocurrency node traffic",
            S.INFO,
            C.HIGH,
            K.NETWORK,
            _T1496,
            "Bitcoin or Monero peer-to-peer protocol (network magic bytes): a full node, not "
            "mining by itself; confirm the node is meant to run here.",
        ),
        _c(
            "MH-NET-108",
            "IDS coin-miner alert",
            S.MEDIUM,
            C.MEDIUM,
            K.CONTENT,
            _T1496,
            "An IDS (Suricata) raised a coin-mining alert on the flow and its payload was not "
            "available to confirm the protocol.",
        ),
        # -- end network --
        # -- websites (MH-WEB-*) ---------------------------------------------------------------
        _c(
            "MH-WEB-001",
            "Browser-miner host or script path",
            S.HIGH,
            C.HIGH,
            K.NETWORK,
            _T1496,
            "A script, iframe, worker, WebSocket or URL in the page points to a browser-miner "
            "host of the pool list (coinhive.com, crypto-loot.com ...) or to a well-known "
            "miner script path (coinhive.min.js, cryptonight.wasm ...). Nothing is fetched "
            "from or resolved for such hosts.",
        ),
        _c(
            "MH-WEB-002",
            "Browser-miner code",
            S.HIGH,
            C.HIGH,
            K.CONTENT,
            ("T1496", "T1059.007"),
            "HTML or JavaScript of the page matches a web rule of the shared YARA-X rule set: "
            "a miner family's embed code, API or pool protocol (CoinHive, CryptoLoot, CoinIMP, "
            "webminerpool ...).",
        ),
        _c(
            "MH-WEB-003",
            "WebAssembly mining module",
            S.HIGH,
            C.HIGH,
            K.CONTENT,
            _T1496,
            "A WebAssembly module the page loads (fetched, inlined as base64, or compiled in "
            "the browser) computes a mining algorithm: the WASM analyser fingerprints "
            "Keccak, AES rounds and the CryptoNight finalists (BLAKE-256, Groestl, JH, Skein), "
            "a 2 MiB scratchpad, or RandomX's Argon2 + AES.",
        ),
        _c(
            "MH-WEB-004",
            "Mining protocol over WebSocket",
            S.HIGH,
            C.HIGH,
            K.NETWORK,
            _T1496,
            "In the browser the page opened a WebSocket whose frames parse as a mining "
            "protocol (CoinHive-style auth/job/submit, webminerpool, Stratum/XMRig JSON-RPC).",
        ),
        _c(
            "MH-WEB-005",
            "WebSocket URL of a mining proxy",
            S.MEDIUM,
            C.MEDIUM,
            K.NETWORK,
            _T1496,
            "The page or a script names a ws:// or wss:// URL on a pool domain, on a mining "
            "port, or carrying a pool in its query (?pool=host:port), the way browser "
            "miners reach their Stratum proxy.",
        ),
        _c(
            "MH-WEB-006",
            "Script injected outside the document",
            S.MEDIUM,
            C.MEDIUM,
            K.TAMPERING,
            ("T1496", "T1557"),
            "A script sits before <!DOCTYPE>/<html> or after </html>: what a compromised "
            "router or proxy (the MikroTik campaigns) or a tampered template injects.",
        ),
        _c(
            "MH-WEB-007",
            "Packed loader evaluates a decoded blob",
            S.INFO,
            C.LOW,
            K.CONTENT,
            ("T1027",),
            "JavaScript decodes a large blob (base64, char codes, a p,a,c,k,e,d packer) and "
            "evaluates it. Common in obfuscated miners; also in many legitimate bundles, so it "
            "is context: what the blob decodes to is analysed and scored on its own.",
        ),
        _c(
            "MH-WEB-008",
            "Inline WebAssembly module",
            S.INFO,
            C.LOW,
            K.CONTENT,
            _T1496,
            "JavaScript carries a WebAssembly module as base64. The module is analysed; "
            "on its own this is context, not a finding.",
        ),
        _c(
            "MH-WEB-009",
            "Heavy CPU use by the page",
            S.INFO,
            C.LOW,
            K.BEHAVIOUR,
            _T1496,
            "In the browser the page kept the CPU busy without any user gesture, measured on "
            "its renderer and worker processes; workers sized to "
            "navigator.hardwareConcurrency or a steady throttled duty cycle raise it to low. "
            "Animations and games do this too, so alone it never reaches medium.",
        ),
        _c(
            "MH-WEB-010",
            "Proof-of-work challenge",
            S.LOW,
            C.MEDIUM,
            K.BEHAVIOUR,
            _T1496,
            "The page computes a proof of work (a PoW captcha such as ALTCHA, Friendly "
            "Captcha or mCaptcha): the visitor's CPU is used briefly, with consent implied. "
            "Reported so that it is known, not as a miner.",
        ),
        _c(
            "MH-WEB-011",
            "Miner site key shared across pages",
            S.INFO,
            C.MEDIUM,
            K.IDENTITY,
            _T1496,
            "The same miner site key (the operator's account at the mining service) appears "
            "on several pages of the scan: one operator, one campaign. Context only.",
        ),
        _c(
            "MH-WEB-012",
            "Site posture: CSP and Subresource Integrity",
            S.INFO,
            C.HIGH,
            K.CONFIG,
            _T1496,
            "Whether the page sends a Content-Security-Policy (script-src, worker-src) and "
            "whether its third-party scripts carry Subresource Integrity hashes: the controls "
            "that stop injected or swapped miner scripts. Context only.",
        ),
        _c(
            "MH-WEB-013",
            "WebAssembly hashing module (benign)",
            S.INFO,
            C.MEDIUM,
            K.CONTENT,
            _T1496,
            "A WebAssembly module implements hash functions but not a mining algorithm "
            "(password hashing with Argon2, file hashing with SHA-2/BLAKE3). Context only.",
        ),
        # -- end websites --
    )
}


def get(check_id: str) -> Check:
    """The metadata of ``check_id``; KeyError for an unknown id is a programming error."""
    return CHECKS[check_id]
