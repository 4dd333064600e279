"""Dropper and persistence scripts: behavioural analysis (MH-SCRIPT-*).

MH-SCRIPT-001 is the scored verdict of one script; MH-SCRIPT-010..024 are the behaviours
that make it up, attached to the finding as evidence (they never add to its score on their
own: the verdict already weighs them).
"""

from __future__ import annotations

from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- dropper scripts (MH-SCRIPT-*) ------------------------------------------------------
    _c(
        "MH-SCRIPT-001",
        "Dropper script behaviours",
        S.MEDIUM,
        C.MEDIUM,
        K.CONTENT,
        ("T1496", "T1059"),
        "A shell, PowerShell, Python, Perl, batch or VBScript file (or JavaScript or "
        "TypeScript that starts programs, such as an npm install script, read in its decoded "
        "text when an obfuscator hid it) does what cryptojacking "
        "droppers do (MH-SCRIPT-010..024), scored together after deobfuscation: low from "
        "4 points, medium from 7, high from 11, critical from 17. No family name or known "
        "URL is needed.",
    ),
    _c(
        "MH-SCRIPT-002",
        "Wallet address or pool list",
        S.LOW,
        C.LOW,
        K.CONFIG,
        ("T1496",),
        "A small text file whose entries are mostly wallet addresses, stratum URLs, pool "
        "domains or hosts on mining ports: a miner's configuration or a dropper's list. "
        "Medium when it holds a stratum URL, a pool domain or a high-confidence (e.g. "
        "Monero) address, else low.",
    ),
    _c(
        "MH-SCRIPT-010",
        "Script downloads and runs code",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1105", "T1059"),
        "Fetched code is executed: curl/wget/busybox output piped into a shell or "
        "interpreter, a download made executable and started, bash /dev/tcp, Python, "
        "Perl or PHP fetch-and-run, PowerShell IEX cradles, certutil, bitsadmin, mshta, "
        "VBScript XMLHTTP + ADODB.Stream, base64 or hex decoded into a shell.",
    ),
    _c(
        "MH-SCRIPT-011",
        "Script kills competing miners",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1489",),
        "Processes are killed by miner name (intel), by the pool port they hold in "
        "netstat/ss/lsof output, by CPU share, by a /proc scan, or by a temp path.",
    ),
    _c(
        "MH-SCRIPT-012",
        "Script hides processes",
        S.MEDIUM,
        C.MEDIUM,
        K.TAMPERING,
        ("T1014", "T1574.006", "T1564"),
        "ps/top/pstree/netstat are replaced or wrapped, /etc/ld.so.preload is written, "
        "LD_PRELOAD points into a temp path, /proc/PID is bind-mounted over, or a kernel "
        "module is loaded from a temp path.",
    ),
    _c(
        "MH-SCRIPT-013",
        "Script disables security tools",
        S.LOW,
        C.MEDIUM,
        K.TAMPERING,
        ("T1562.001", "T1562.004"),
        "Security and cloud agents (intel list: Aliyun Aegis, Tencent YunJing, ...) are "
        "stopped or uninstalled; SELinux, AppArmor, the firewall (ufw, iptables -F, netsh "
        "advfirewall), auditd or Windows Defender are turned off.",
    ),
    _c(
        "MH-SCRIPT-014",
        "Script clears history or logs",
        S.LOW,
        C.MEDIUM,
        K.TAMPERING,
        ("T1070.003", "T1070.002"),
        "Shell history is cleared or disabled, login and system logs are deleted or "
        "truncated, event logs cleared, or the script deletes itself.",
    ),
    _c(
        "MH-SCRIPT-015",
        "Script locks files with chattr",
        S.LOW,
        C.MEDIUM,
        K.TAMPERING,
        ("T1222.002",),
        "The immutable or append-only attribute is set or cleared (to lock its own "
        "persistence or unlock another campaign's), or chattr itself is renamed.",
    ),
    _c(
        "MH-SCRIPT-016",
        "Script installs persistence",
        S.LOW,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1053.003", "T1543.002", "T1037.004", "T1053.005", "T1547.001"),
        "crontab, /etc/cron*, systemd units, rc.local or init.d scripts, shell profiles "
        "running fetched or hidden programs, schtasks, Run keys or WMI subscriptions are "
        "written.",
    ),
    _c(
        "MH-SCRIPT-017",
        "Script spreads over SSH",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1021.004", "T1552.004", "T1098.004"),
        "Hosts are harvested from known_hosts, .bash_history or .ssh/config, private keys "
        "searched, ssh run unattended with a fetch as remote command, or a key appended "
        "to authorized_keys.",
    ),
    _c(
        "MH-SCRIPT-018",
        "Script tunes huge pages or MSRs",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1496",),
        "vm.nr_hugepages is raised or the msr module loaded and written: RandomX "
        "miners' speed-ups.",
    ),
    _c(
        "MH-SCRIPT-019",
        "Script names a pool, wallet or miner",
        S.LOW,
        C.MEDIUM,
        K.CONTENT,
        ("T1496",),
        "A stratum URL, a pool domain, a wallet address, a host on a mining port, a miner "
        "program name or a miner-only option (all from intel) appears in the script.",
    ),
    _c(
        "MH-SCRIPT-020",
        "Script abuses containers, Redis or cloud credentials",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1610", "T1611", "T1609", "T1552.005"),
        "A privileged container mounting /, nsenter into PID 1, the Docker API on 2375, "
        "kubelet or kubectl abuse, Redis CONFIG SET dir, mass scans of those ports, or "
        "cloud metadata and credential files sent away.",
    ),
    _c(
        "MH-SCRIPT-021",
        "Script picks a download by CPU architecture",
        S.INFO,
        C.LOW,
        K.BEHAVIOUR,
        ("T1105",),
        "uname -m (or equivalent) selects among builds for several architectures to "
        "download. Installers do this too: it only adds to other behaviours.",
    ),
    _c(
        "MH-SCRIPT-022",
        "Script starts a hidden program in the background",
        S.LOW,
        C.MEDIUM,
        K.LOCATION,
        ("T1564.001", "T1564.003"),
        "A program in /tmp, /var/tmp, /dev/shm or a dot-directory is started with nohup, "
        "setsid, screen or '&', or PowerShell runs with a hidden window.",
    ),
    _c(
        "MH-SCRIPT-023",
        "Script hides its commands",
        S.LOW,
        C.MEDIUM,
        K.CONTENT,
        ("T1027", "T1140"),
        "Behaviours were found only after decoding a base64, hex or -EncodedCommand blob, "
        "or command words are split by quotes, escapes, ${IFS} or variables.",
    ),
    _c(
        "MH-SCRIPT-024",
        "Package install hook runs a dropper command",
        S.LOW,
        C.MEDIUM,
        K.CONTENT,
        ("T1195.002",),
        "A package.json preinstall, install or postinstall script itself downloads and runs "
        "code, starts a hidden program or names mining infrastructure: npm runs it on every "
        "install of the package, as compromised packages have done to drop miners. A hook "
        "that only runs a file of the package (node install.js) is not this: that file is "
        "analysed on its own.",
    ),
    # -- end dropper scripts --
)
