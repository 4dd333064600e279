"""What dropper scripts do, as patterns over normalised lines: one Behaviour per check.

Each pattern is a *sub-signal* with its own weight and ATT&CK technique. A behaviour scores
the weight of its strongest sub-signal plus one for every further distinct sub-signal (at
most two): a script that disables three security tools is more telling than one that only
turns SELinux off. Names, ports, pools and wallets come from intel; what is written here is
the shape of the command (a download piped into a shell, a kill of whatever holds a pool
port), never a campaign's exact words.
"""

from __future__ import annotations

import bisect
import enum
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import yara_x

from minehunt import linear, rxshape
from minehunt.intel import Intel

from .normalise import Layer, Line


class Behaviour(enum.StrEnum):
    """The behaviours, each reported under its own check ID."""

    DOWNLOAD_EXEC = "MH-SCRIPT-010"
    KILL_COMPETITORS = "MH-SCRIPT-011"
    HIDE_PROCESSES = "MH-SCRIPT-012"
    DISABLE_SECURITY = "MH-SCRIPT-013"
    CLEAR_TRACES = "MH-SCRIPT-014"
    CHATTR = "MH-SCRIPT-015"
    PERSISTENCE = "MH-SCRIPT-016"
    SSH_SPREAD = "MH-SCRIPT-017"
    MINING_TUNING = "MH-SCRIPT-018"
    MINING_INDICATORS = "MH-SCRIPT-019"
    CONTAINER_ABUSE = "MH-SCRIPT-020"
    ARCH_DOWNLOAD = "MH-SCRIPT-021"
    HIDDEN_LAUNCH = "MH-SCRIPT-022"
    OBFUSCATION = "MH-SCRIPT-023"
    INSTALL_HOOK = "MH-SCRIPT-024"

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {
    Behaviour.DOWNLOAD_EXEC: "downloads and runs code",
    Behaviour.KILL_COMPETITORS: "kills competing miners",
    Behaviour.HIDE_PROCESSES: "hides processes",
    Behaviour.DISABLE_SECURITY: "disables security tools",
    Behaviour.CLEAR_TRACES: "clears history or logs",
    Behaviour.CHATTR: "locks files with chattr",
    Behaviour.PERSISTENCE: "installs persistence",
    Behaviour.SSH_SPREAD: "spreads over SSH keys",
    Behaviour.MINING_TUNING: "tunes huge pages/MSR for mining",
    Behaviour.MINING_INDICATORS: "names a pool, wallet or miner",
    Behaviour.CONTAINER_ABUSE: "abuses Docker/Kubernetes/Redis or cloud credentials",
    Behaviour.ARCH_DOWNLOAD: "picks a download by CPU architecture",
    Behaviour.HIDDEN_LAUNCH: "starts a hidden program in the background",
    Behaviour.OBFUSCATION: "hides its commands",
    Behaviour.INSTALL_HOOK: "does it at every package install",
}


@dataclass(frozen=True)
class Sub:
    """One sub-signal: a way to show a behaviour."""

    behaviour: Behaviour
    key: str
    """Short name of the sub-signal (evidence attribute)."""
    weight: int
    technique: str
    pattern: linear.Pattern | None = None
    """Searched in each variant of each line; None for sub-signals found by code."""


@dataclass(frozen=True)
class Hit:
    """A sub-signal seen on a line of a layer."""

    sub: Sub
    line: int
    text: str
    layer: str
    detail: str = ""


_I = re.IGNORECASE
Rx = re.Pattern[str] | linear.Pattern
"""The behaviour patterns: RE2's where it takes them (linear.Pattern), else re's."""
_FETCH = r"(?:curl|wget|busybox\s+wget|lwp-download|fetch\s+-o|ftpget|tftp)"
_SH = (
    r"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+)?(?:(?:/usr)?(?:/local)?/bin/)?"
    r"(?:(?:ba|da|z|k|a)?sh|python[0-9.]*|perl|php|ruby|node)\b"
)
_TMP = r"(?:/tmp/|/var/tmp/|/dev/shm/|/run/shm/|\$TMPDIR/|/\.\w)"
_CHMOD_X = r"\bchmod\s+(?:-\w+\s+)*(?:[ugoa]*\+[rw]*x|[0-7]?[0-7][0-7][157])\s+"
_CRON_TIMES = (
    "(?:"
    + "|".join(
        r"[ \t]+".join(r"[\d/,-]*\*[\d*/,-]*" if i == star else r"[\d*/,-]+" for i in range(5))
        for star in range(5)
    )
    + ")"
)
"""The five time fields of a crontab line, one of them with a ``*`` (five numbers alone are
too common elsewhere)."""
_PROCTOOLS = r"(?:ps|top|pstree|htop|netstat|ss|lsof|pidof|pgrep)"


def _s(
    b: Behaviour, key: str, weight: int, technique: str, rx: str | None, flags: int = _I | re.M
) -> Sub:
    return Sub(b, key, weight, technique, linear.compile(rx, flags) if rx else None)


B = Behaviour
_TEMP_OR_HIDDEN = ("/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "$tmpdir/", "/.")
NEEDS: dict[str, tuple[str, ...]] = {
    "fetch piped to interpreter": ("curl", "wget", "fetch", "ftpget", "tftp", "lwp-"),
    "fetch run through command substitution": ("curl", "wget", "fetch", "ftpget", "tftp", "lwp-"),
    "decoded text piped to a shell": ("base64", "xxd", "openssl", "rev", "tr "),
    "decoded text run through command substitution": ("base64",),
    "HTTP over bash /dev/tcp": ("/dev/tcp",),
    "reverse shell": ("/dev/tcp", "nc ", "ncat "),
    "PowerShell download cradle": ("iex", "invoke-expression"),
    "PowerShell download and start": ("downloadfile", "outfile", "bitstransfer"),
    "certutil download": ("certutil",),
    "bitsadmin transfer": ("bitsadmin",),
    "script host fetched from the network": ("mshta", "regsvr32"),
    "VBScript download and run": ("xmlhttp", "winhttp"),
    "Python fetch and exec": ("urlopen", "requests.get", "urllib", "http.client", "urlretrieve"),
    "Perl fetch and run": ("lwp::", "http::tiny", "io::socket", "getstore", "get("),
    "PHP fetch and run": ("php",),
    "kill by CPU share": ("awk", "cpu_percent", "cpu -gt", ".cpu -gt"),
    "kill by /proc scan": ("/proc/",),
    "kill of a program in a temp or hidden path": ("pkill", "killall"),
    "all cron jobs wiped": ("crontab",),
    "process tool replaced or wrapped": (
        "bin/ps",
        "bin/top",
        "bin/pstree",
        "bin/htop",
        "bin/netstat",
        "bin/ss",
        "bin/lsof",
        "bin/pidof",
        "bin/pgrep",
        "alias ",
        "ps()",
        "top()",
        "pstree()",
        "htop()",
        "netstat()",
        "ss()",
        "lsof()",
        "pidof()",
        "pgrep()",
        "ps ()",
        "top ()",
        "pstree ()",
        "htop ()",
        "netstat ()",
        "ss ()",
        "lsof ()",
        "pidof ()",
        "pgrep ()",
        "function ps",
        "function top",
        "function pstree",
        "function htop",
        "function netstat",
        "function ss",
        "function lsof",
        "function pidof",
        "function pgrep",
    ),
    "ld.so.preload written": ("ld.so.preload",),
    "LD_PRELOAD from a temp or hidden path": ("ld_preload",),
    "bind mount over /proc/PID": ("mount",),
    "kernel module loaded from a temp path": ("insmod", "modprobe"),
    "security agent uninstaller": ("aegis", "qcloud", "yunjing", "hostguard", "cloudmonitor"),
    "SELinux off": ("setenforce", "selinux"),
    "AppArmor off": ("apparmor", "aa-teardown"),
    "firewall off": ("ufw", "iptables", "firewalld", "netsh"),
    "Defender off": (
        "mppreference",
        "windefend",
        "disableantispyware",
        "disablerealtimemonitoring",
    ),
    "audit off": ("auditctl",),
    "NMI watchdog off": ("nmi_watchdog",),
    "shell history cleared": ("hist", "_history"),
    "system logs wiped": (
        "/var/log",
        "/var/spool/mail",
        "wevtutil",
        "clear-eventlog",
        "journalctl",
    ),
    "script deletes itself": ("$0", "myinvocation"),
    "immutable attribute set or cleared": ("chattr",),
    "chattr itself renamed or restored": ("chattr",),
    # A schedule line (``*/5 * * * * ...``) counts only when it runs a fetch or a temp or
    # hidden program, so its needed literals are those, not the schedule's "*/" (which
    # every CSS comment closes with).
    "crontab written": ("cron", "@reboot", "@hourly", "curl", "wget", *_TEMP_OR_HIDDEN),
    "systemd unit written": ("systemd/system",),
    "start-up entry runs a temp or hidden program": ("execstart=",),
    "executable staged in a hidden path": ("chmod",),
    "rc script written": ("rc.local", "init.d", "update-rc.d"),
    "shell profile runs a fetched or hidden program": ("bashrc", "profile"),
    "scheduled task": ("schtasks", "scheduledtask"),
    "Run key": ("currentversion",),
    "WMI event subscription": ("eventconsumer",),
    "hosts harvested from SSH files or history": ("known_hosts", "bash_history", ".ssh/config"),
    "private keys searched": ("id_rsa", "id_*", "*.pem"),
    "unattended SSH runs a fetch": ("stricthostkeychecking", "batchmode"),
    "key added to authorized_keys": ("authorized_keys",),
    "huge pages raised": ("hugepage",),
    "MSR registers written": ("msr",),
    "privileged container mounting the host": ("docker",),
    "escape into the host's namespaces": ("nsenter",),
    "Docker API over the network": ("2375",),
    "kubelet or Kubernetes API abuse": ("10250", "kubectl"),
    "Redis made to write files": ("config set", "redis-cli"),
    "mass scan of service ports": ("masscan", "zmap", "pnscan", "zgrab"),
    "cloud credentials stolen": ("169.254.169.254", ".aws/", ".docker/config", "credentials"),
    "background start from a temp or hidden path": _TEMP_OR_HIDDEN,
    "hidden PowerShell window": ("hidden", ".run"),
}
"""Literals (lowercase) one of which a text must hold before a sub-signal's pattern is
searched: the patterns are slow, the literals cheap."""

_SHELL_START = (
    r"\bstart\s+(?:/\w+\s+)*(?:[\"'$%]|[\w.\\:~-]+\.(?:exe|com|bat|cmd|ps1|vbs|js|hta|scr)\b)"
)
"""cmd.exe's ``start`` (PowerShell's alias of Start-Process) with what it starts: a quoted
or variable path, or a program file. A bare ``start`` followed by a word is prose or a
variable (``const start = ...`` in JavaScript)."""
_CALL = r"[^&]&\s*[\"'$(]"
"""PowerShell's call operator before a command (``& "$dir\\x.exe"``), not JavaScript's or the
shell's ``&&``."""


STATIC: tuple[Sub, ...] = (
    # -- download and execute -----------------------------------------------------------
    _s(
        B.DOWNLOAD_EXEC,
        "fetch piped to interpreter",
        4,
        "T1105",
        rf"\b{_FETCH}\b[^\n|;]*\|\s*{_SH}",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "fetch run through command substitution",
        4,
        "T1059.004",
        rf"(?:\b(?:ba|da|z)?sh\s+-c|\beval|(?:^|[\s;&(])(?:source|\.)|\b(?:ba|da|z)?sh)\s*[\"']?(?:\$\(|`|<\()\s*{_FETCH}\b",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "decoded text piped to a shell",
        4,
        "T1140",
        rf"(?:base64\s+(?:-d|--decode|-D)|xxd\s+-r|openssl\s+(?:enc|base64)\b[^|\n]*\s-d|\brev\b|\btr\s+['\"]?[a-z\[\]:-]+['\"]?\s+['\"]?[a-z\[\]:-]+)[^|\n]*\|\s*{_SH}",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "decoded text run through command substitution",
        4,
        "T1140",
        r"(?:\b(?:ba|da|z)?sh\s+-c|\beval|\bexec)\s*[\"']?(?:\$\(|`)[^)`\n]*\|\s*base64\s+(?:-d|--decode)",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "HTTP over bash /dev/tcp",
        4,
        "T1105",
        r"/dev/tcp/[^\s/]+/\d+[\s\S]{0,200}(?:GET\s+/|HTTP/1)|(?:GET\s+/|HTTP/1)[\s\S]{0,200}/dev/tcp/[^\s/]+/\d+|exec\s+\d+<>\s*/dev/tcp/",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "reverse shell",
        4,
        "T1059.004",
        r"\b(?:ba)?sh\s+-i\s*[>&]+\s*/dev/tcp/|/dev/tcp/\S+\s+0>&1|\bnc(?:at)?\s+(?:-\S+\s+)*-e\s+/bin/(?:ba)?sh\b",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "PowerShell download cradle",
        5,
        "T1059.001",
        r"(?:\biex\b|invoke-expression|\|\s*&?\s*\(?\s*iex)[^\n]{0,200}(?:downloadstring|downloaddata|net\.webclient|invoke-webrequest|invoke-restmethod|\biwr\b|\birm\b|xmlhttp|http)"
        r"|(?:downloadstring|invoke-restmethod|invoke-webrequest|\biwr\b|\birm\b)[^\n]{0,200}\|\s*(?:iex|invoke-expression)\b",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "PowerShell download and start",
        4,
        "T1105",
        r"(?:downloadfile|invoke-webrequest[^\n]*-outfile|\biwr\b[^\n]*-outfile|start-bitstransfer)[\s\S]{0,400}(?:start-process|\bsaps\b|"
        + _SHELL_START
        + r"|"
        + _CALL
        + r"|cmd(?:\.exe)?\s+/c|invoke-item|\.run\()",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "certutil download",
        4,
        "T1105",
        r"\bcertutil(?:\.exe)?\b[^\n]*-urlcache\b[^\n]*\b(?:https?|ftp)://|\bcertutil(?:\.exe)?\b[^\n]*-decode\b",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "bitsadmin transfer",
        4,
        "T1197",
        r"\bbitsadmin(?:\.exe)?\b[^\n]*/(?:transfer|addfile)\b",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "script host fetched from the network",
        4,
        "T1218",
        r"\b(?:mshta|regsvr32)(?:\.exe)?\b[^\n]*(?:https?://|/i:https?)",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "VBScript download and run",
        4,
        "T1059.005",
        r"(?:msxml2\.(?:server)?xmlhttp|winhttp\.winhttprequest)[\s\S]{0,2000}(?:adodb\.stream|savetofile)[\s\S]{0,2000}(?:\.run\b|\.exec\b|shellexecute)",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "Python fetch and exec",
        4,
        "T1059.006",
        r"(?:\bexec|\beval)\s*\([^\n]{0,80}(?:urlopen|requests\.get|urllib|http\.client|\.read\(\)\.decode)"
        r"|(?:urlopen|urlretrieve|requests\.get)\([^\n]{0,200}\)[\s\S]{0,300}(?:os\.system|subprocess\.|os\.chmod\([^\n]*0o?7|os\.exec|popen)",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "Perl fetch and run",
        4,
        "T1059.006",
        r"(?:lwp::simple|lwp::useragent|http::tiny|io::socket::inet)[\s\S]{0,600}(?:\beval\b|\bsystem\s*\(|\bexec\s*\(|`)"
        r"|(?:\beval|\bsystem)\s*\(?\s*(?:get|getstore|\$ua->get)\s*\(",
    ),
    _s(
        B.DOWNLOAD_EXEC,
        "PHP fetch and run",
        4,
        "T1105",
        r"\bphp\b[^\n]*-r[^\n]*(?:file_get_contents|fopen|curl_exec|copy)\s*\(\s*[\"']?(?:https?|ftp)://",
    ),
    # -- killing competing miners -------------------------------------------------------
    _s(
        B.KILL_COMPETITORS,
        "kill by CPU share",
        5,
        "T1489",
        r"(?:\bps\b[^\n|]*(?:%cpu|pcpu|--sort)[^\n]*|\btop\s+-b[^\n]*)\|[^\n]*awk[^\n]*\$\d+\s*>=?\s*[1-9]\d[^\n]*(?:\bkill\b|xargs)"
        r"|cpu_percent\([\s\S]{0,200}(?:\.kill\(\)|\.terminate\(\)|os\.kill\()"
        r"|\bcpu\s+-gt\s+\d+[^\n]*(?:stop-process|\.kill\(\))"
        r"|\bps\b[^\n]*\|[^\n]*awk[^\n]*\$3\s*>=?\s*[1-9]\d[^\n]*(?:\bkill\b|xargs)",
    ),
    _s(
        B.KILL_COMPETITORS,
        "kill by /proc scan",
        4,
        "T1489",
        r"(?:/proc/\*|/proc/\[0-9\]\*|ls\s+/proc\b|/proc/\$\w+/(?:exe|cmdline))[\s\S]{0,300}(?:\bkill\s+-(?:9|kill|s\s*kill)\b|\bkill\s*\(?\s*(?:9|[\"']?(?:sig)?kill[\"']?)\s*,|os\.kill\(|\.kill\(\))"
        r"|/proc/\*/exe[^\n]*(?:deleted|tmp)[^\n]*(?:\bkill\b|xargs)",
    ),
    _s(
        B.KILL_COMPETITORS,
        "kill of a program in a temp or hidden path",
        4,
        "T1489",
        rf"\b(?:pkill|killall)\b[^\n;|&]*-f[^\n;|&]*{_TMP}",
    ),
    _s(B.KILL_COMPETITORS, "all cron jobs wiped", 2, "T1489", r"\bcrontab\s+-r\b"),
    # -- hiding processes ---------------------------------------------------------------
    _s(
        B.HIDE_PROCESSES,
        "process tool replaced or wrapped",
        6,
        "T1036.005",
        rf"\b(?:mv|cp|ln\s+-sf?|install)\s+(?:-\S+\s+)*/(?:usr/)?s?bin/{_PROCTOOLS}\s"
        rf"|\b(?:mv|cp|cat|echo|printf|tee|ln\s+-sf?)\b[^\n]*(?:>|\s)/(?:usr/)?(?:local/)?s?bin/{_PROCTOOLS}(?:\s*$|\s*[;&|])"
        rf"|\balias\s+{_PROCTOOLS}=|\bfunction\s+{_PROCTOOLS}\s*(?:\(\s*\))?\s*\{{|^\s*{_PROCTOOLS}\s*\(\)\s*\{{",
    ),
    _s(
        B.HIDE_PROCESSES,
        "ld.so.preload written",
        7,
        "T1574.006",
        r"(?:>|\btee\s+(?:-a\s+)?)\s*/etc/ld\.so\.preload\b|\b(?:cp|mv|install)\b[^\n;&|]*\s/etc/ld\.so\.preload\b"
        r"|[\"']/etc/ld\.so\.preload[\"']\s*,\s*[\"'][wa]|(?:set|add|out)-content\b[^\n]*/etc/ld\.so\.preload",
    ),
    _s(
        B.HIDE_PROCESSES,
        "LD_PRELOAD from a temp or hidden path",
        5,
        "T1574.006",
        rf"\bLD_PRELOAD=[\"']?\S*{_TMP}",
    ),
    _s(
        B.HIDE_PROCESSES,
        "bind mount over /proc/PID",
        8,
        "T1564",
        r"\bmount\b[^\n;|&]*(?:-o\s+\S*bind|--bind|-B)\b[^\n;|&]*\s/proc/(?:\d+|\$\w+|\$\{\w+\}|\$\$)",
    ),
    _s(
        B.HIDE_PROCESSES,
        "kernel module loaded from a temp path",
        5,
        "T1014",
        rf"\b(?:insmod|modprobe)\b[^\n;|&]*{_TMP}",
    ),
    # -- disabling security tools -------------------------------------------------------
    _s(
        B.DISABLE_SECURITY,
        "security agent uninstaller",
        6,
        "T1562.001",
        r"(?:aegis|qcloud|yunjing|hostguard|cloudmonitor)\S*(?:uninst|stop|remove|delete)\S*\.sh",
    ),
    _s(
        B.DISABLE_SECURITY,
        "SELinux off",
        3,
        "T1562.001",
        r"\bsetenforce\s+(?:0|permissive)\b|SELINUX=disabled",
    ),
    _s(
        B.DISABLE_SECURITY,
        "AppArmor off",
        3,
        "T1562.001",
        r"\baa-teardown\b|\b(?:systemctl\s+(?:stop|disable|mask)|service)\s+apparmor\b(?:\s+(?:stop|teardown))?|/etc/init\.d/apparmor\s+(?:stop|teardown)",
    ),
    _s(
        B.DISABLE_SECURITY,
        "firewall off",
        3,
        "T1562.004",
        r"\bufw\s+(?:--force\s+)?disable\b|\biptables\s+(?:-t\s+\w+\s+)?(?:-F|--flush)\b|\bsystemctl\s+(?:stop|disable)\s+firewalld\b|\bnetsh\b[^\n]*(?:advfirewall[^\n]*state\s+off|firewall\s+set\s+opmode\s+(?:mode=)?disable)",
    ),
    _s(
        B.DISABLE_SECURITY,
        "Defender off",
        5,
        "T1562.001",
        r"\b(?:set|add)-mppreference\b[^\n]*-(?:disable\w+|exclusion\w+)|\bsc(?:\.exe)?\s+(?:stop|delete|config)\s+windefend\b|DisableAntiSpyware|DisableRealtimeMonitoring",
    ),
    _s(B.DISABLE_SECURITY, "audit off", 3, "T1562.012", r"\bauditctl\s+(?:-D\b|-e\s*0\b)"),
    _s(
        B.DISABLE_SECURITY,
        "NMI watchdog off",
        2,
        "T1562",
        r"echo\s+0\s*>\s*/proc/sys/kernel/nmi_watchdog|kernel\.nmi_watchdog\s*=\s*0",
    ),
    # -- clearing traces ----------------------------------------------------------------
    _s(
        B.CLEAR_TRACES,
        "shell history cleared",
        3,
        "T1070.003",
        r"\bhistory\s+-c\b|\bunset\s+HIST(?:FILE|SIZE|FILESIZE)\b|\bHIST(?:FILE|SIZE|FILESIZE)=(?:/dev/null|0)\b|\bset\s+\+o\s+history\b"
        r"|\b(?:rm|shred|unlink)\b[^\n;|&]*\.(?:bash|zsh|ash|sh|mysql|python)_history\b|>\s*\S*\.bash_history\b|\bln\s+-sf?\s+/dev/null\s+\S*_history\b"
        r"|\bclear-history\b|historysavepath",
    ),
    _s(
        B.CLEAR_TRACES,
        "system logs wiped",
        3,
        "T1070.002",
        r"\b(?:rm|shred|unlink)\b[^\n;|&]*/var/log/(?:wtmp|btmp|lastlog|utmp|secure|auth\.log|messages|syslog|audit)\b"
        r"|\brm\s+(?:-\w+\s+)*/var/log/?\*|(?:^|[;&|]\s*|\becho\s*|\bcat\s+/dev/null\s*)>\s*/var/(?:log/(?:wtmp|btmp|lastlog|utmp|secure|auth\.log|messages|syslog)|spool/mail/root)\b"
        r"|\bwevtutil(?:\.exe)?\s+cl\b|\bclear-eventlog\b|\bjournalctl\b[^\n]*--vacuum-(?:time=\d+s|size=\d+[kK]?)\b",
    ),
    _s(
        B.CLEAR_TRACES,
        "script deletes itself",
        2,
        "T1070.004",
        r"\brm\s+(?:-\w+\s+)*[\"']?\$0\b|Remove-Item\s+\$MyInvocation",
    ),
    # -- chattr -------------------------------------------------------------------------
    _s(
        B.CHATTR,
        "immutable attribute set or cleared",
        3,
        "T1222.002",
        r"\bchattr\s+(?:-R\s+)?[-+=][aiu]*[ia][aiu]*\s",
    ),
    _s(
        B.CHATTR,
        "chattr itself renamed or restored",
        5,
        "T1222.002",
        r"\b(?:mv|cp)\s+(?:-\S+\s+)*\S*/chattr\s|\b(?:mv|cp)\s+\S+\s+\S*/chattr\b|\bchmod\s+[0-7]*\s+\S*/chattr\b",
    ),
    # -- persistence --------------------------------------------------------------------
    _s(
        B.PERSISTENCE,
        "crontab written",
        3,
        "T1053.003",
        r"\|\s*crontab\s+-?\s*(?:$|[;&|)'\"])|\bcrontab\s+(?:-u\s+\S+\s+)?"
        + _TMP
        + r"|>\s*/var/spool/cron/|>\s*/etc/cron(?:tab|\.d/|\.hourly/|\.daily/)"
        + rf"|(?:^|[\s\"'(])(?:@reboot|@hourly|{_CRON_TIMES})"
        r"[ \t]+[^\n]*(?:curl|wget|" + _TMP[3:],
    ),
    _s(
        B.PERSISTENCE,
        "systemd unit written",
        3,
        "T1543.002",
        r">\s*[\"']?/(?:etc|lib|usr/lib)/systemd/system/[^\s\"']+\.(?:service|timer)",
    ),
    _s(
        B.PERSISTENCE,
        "start-up entry runs a temp or hidden program",
        4,
        "T1543.002",
        rf"^\s*ExecStart(?:Pre)?=[\"']?\S*{_TMP}",
    ),
    _s(
        B.HIDDEN_LAUNCH,
        "executable staged in a hidden path",
        2,
        "T1564.001",
        _CHMOD_X + r"[\"']?\S*/\.\w",
    ),
    _s(
        B.PERSISTENCE,
        "rc script written",
        3,
        "T1037.004",
        r">>?\s*/etc/(?:rc\.local|rc\.d/rc\.local|init\.d/\S+)|\bupdate-rc\.d\s+\S+\s+defaults[^\n]*"
        + _TMP,
    ),
    _s(
        B.PERSISTENCE,
        "shell profile runs a fetched or hidden program",
        3,
        "T1546.004",
        r"(?:curl|wget|"
        + _TMP[3:]
        + r"[^\n]*>>\s*\S*(?:\.bashrc|\.profile|\.bash_profile|/etc/profile)",
    ),
    _s(
        B.PERSISTENCE,
        "scheduled task",
        3,
        "T1053.005",
        r"\bschtasks(?:\.exe)?\s+/create\b|\bregister-scheduledtask\b|\bnew-scheduledtaskaction\b",
    ),
    _s(
        B.PERSISTENCE,
        "Run key",
        3,
        "T1547.001",
        r"(?:reg(?:\.exe)?\s+add|new-itemproperty|set-itemproperty|regwrite)[^\n]*\\currentversion\\run",
    ),
    _s(
        B.PERSISTENCE,
        "WMI event subscription",
        4,
        "T1546.003",
        r"__eventfilter[\s\S]{0,800}commandlineeventconsumer|commandlineeventconsumer[\s\S]{0,800}__eventfilter",
    ),
    # -- SSH spreading ------------------------------------------------------------------
    _s(
        B.SSH_SPREAD,
        "hosts harvested from SSH files or history",
        2,
        "T1552.004",
        r"(?:known_hosts|\.bash_history|\.ssh/config)[^\n]*(?:grep|awk|cut|sed)|(?:grep|awk|cut|sed)[^\n]*(?:known_hosts|\.bash_history|\.ssh/config)",
    ),
    _s(
        B.SSH_SPREAD,
        "private keys searched",
        2,
        "T1552.004",
        r"\bfind\b[^\n]*-name\s+[\"']?(?:id_rsa|id_\*|\*\.pem)|(?:/root|/home/\*)/\.ssh/id_\*",
    ),
    _s(
        B.SSH_SPREAD,
        "unattended SSH runs a fetch",
        5,
        "T1021.004",
        r"\bssh\b[^\n]*(?:StrictHostKeyChecking=no|BatchMode=yes)[^\n]*(?:curl|wget|\|\s*(?:ba)?sh|base64)",
    ),
    _s(
        B.SSH_SPREAD,
        "key added to authorized_keys",
        3,
        "T1098.004",
        r"(?:echo|printf|cat)\b[^\n]*>>\s*\S*authorized_keys2?\b",
    ),
    # -- huge pages / MSR ---------------------------------------------------------------
    _s(
        B.MINING_TUNING,
        "huge pages raised",
        2,
        "T1496",
        r"vm\.nr_hugepages\s*=|/proc/sys/vm/nr_hugepages|hugepagesz=1g|sysctl\s+-w\s+vm\.nr_hugepages",
    ),
    _s(
        B.MINING_TUNING,
        "MSR registers written",
        3,
        "T1496",
        r"\bmodprobe\s+msr\b|\bwrmsr\b|/dev/cpu/\S*/msr",
    ),
    # -- containers, orchestration, Redis, cloud credentials -----------------------------
    _s(
        B.CONTAINER_ABUSE,
        "privileged container mounting the host",
        5,
        "T1611",
        r"\bdocker\b[^\n]*\brun\b[^\n]*(?:--privileged[^\n]*-v\s*/:|-v\s*/:[^\n]*--privileged"
        r"|--pid[= ]host[^\n]*chroot|-v\s*/:\S*[^\n]*chroot)",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "escape into the host's namespaces",
        5,
        "T1611",
        r"\bnsenter\s+(?:--target|-t)\s*1\b[^\n]*-m",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "Docker API over the network",
        4,
        "T1610",
        r"(?:curl|wget)[^\n]*:2375/|\bDOCKER_HOST=tcp://|\bdocker\s+-H\s+(?:tcp://)?\S+:2375",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "kubelet or Kubernetes API abuse",
        4,
        "T1609",
        r":10250/(?:run|exec|pods)|\bkubectl\b[^\n]*(?:exec|run|apply|create)\b[^\n]*(?:--privileged|hostPath|curl|wget|\|\s*sh)|\bkubectl\b[^\n]*get\s+secrets?\b[^\n]*(?:-A|--all-namespaces)",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "Redis made to write files",
        5,
        "T1190",
        r"\bconfig\s+set\s+(?:dir|dbfilename)\b|\bredis-cli\b[^\n]*(?:flushall|slaveof|replicaof|module\s+load)",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "mass scan of service ports",
        4,
        "T1046",
        r"\b(?:masscan|zmap|pnscan|zgrab2?)\b[^\n]*(?:2375|2376|6379|10250|8080)",
    ),
    _s(
        B.CONTAINER_ABUSE,
        "cloud credentials stolen",
        4,
        "T1552.005",
        r"169\.254\.169\.254/[^\s\"']*(?:iam|security-credentials|token)|\.aws/credentials[^\n]*(?:curl|wget)|(?:curl|wget)[^\n]*(?:-F|--upload-file|-d\s*@|--data-binary\s*@)[^\n]*(?:\.aws/|\.docker/config|credentials)",
    ),
    # -- hidden background launch -------------------------------------------------------
    _s(
        B.HIDDEN_LAUNCH,
        "background start from a temp or hidden path",
        3,
        "T1564.001",
        rf"(?:\bnohup\s+|\bsetsid\s+|\bscreen\s+-dmS?\s+\S+\s+)[\"']?(?:\S*/)?(?:{_TMP}|\.\w)[^\n]*"
        rf"|(?:^|[;&|]\s*)[\"']?{_TMP}\S*[^\n]*&\s*(?:$|[;#])",
    ),
    _s(
        B.HIDDEN_LAUNCH,
        "hidden PowerShell window",
        3,
        "T1564.003",
        r"\bpowershell(?:\.exe)?\b[^\n]*-w(?:indowstyle)?\s+hidden|start-process\b[^\n]*-windowstyle\s+hidden|\.run\s*\(?[^\n,]*,\s*0\s*(?:,|\))",
    ),
)

_ARCH = linear.compile(
    r"\b(?:x86_64|amd64|i[3-6]86|aarch64|arm64|armv[5-8]l?|mipsel|mips64|mips|ppc64le|s390x)\b", _I
)
_ARCH_PROBE = linear.compile(
    r"\buname\s+-[a-z]*m\b|\$\(arch\)|`arch`|\$HOSTTYPE|PROCESSOR_ARCHITECTURE|platform\.machine\(\)|os\.uname\(\)",
    _I,
)
_FETCH_RX = linear.compile(
    rf"\b{_FETCH}\b|downloadfile|invoke-webrequest|urlopen|urlretrieve|getstore", _I
)
_FETCH_LITERALS = (
    "curl",
    "wget",
    "lwp-download",
    "fetch",
    "ftpget",
    "tftp",
    "downloadfile",
    "invoke-webrequest",
    "urlopen",
    "urlretrieve",
    "getstore",
)
"""What every _FETCH_RX match holds; a text where it matches has a match that starts with
one of them (a busybox wget holds a wget that matches on its own)."""
# Searched over a layer's whole squeezed text, so its spaces are spelt [^\S\n]: no match
# crosses a line (the same matches as line by line, without a search per line).
_SP = r"[^\S\n]"
_FETCH_IN_LINE = _FETCH.replace(r"\s", _SP)
_DL_DEST = linear.compile(
    rf"\b{_FETCH_IN_LINE}\b[^\n;|&]*?"
    rf"(?:{_SP}-[a-z]*o{_SP}*|{_SP}-l{_SP}+|--output(?:-document)?[= ]{_SP}*|{_SP}>{_SP}*)"
    r"[\"']?([^\s\"';&|]+)",
    _I,
)
_FETCH_METHODS = {
    "curl": linear.compile(r"\bcurl\b", _I),
    "wget": linear.compile(r"\bwget\b", _I),
    "tcp": linear.compile(r"/dev/tcp/", _I),
    "python": linear.compile(r"\bpython[0-9.]*\b[^\n]*(?:urllib|urlopen|requests)", _I),
    "perl": linear.compile(r"\bperl\b[^\n]*(?:lwp|http::tiny|io::socket)", _I),
    "tftp": linear.compile(r"\b(?:tftp|ftpget)\b", _I),
    "busybox": linear.compile(r"\bbusybox\s+wget\b", _I),
}
_KILL_WORD = linear.compile(
    r"\b(?:pkill|killall|kill|taskkill|stop-process|xargs\s+(?:-\S+\s+)*kill|docker\s+(?:rm|kill|stop))\b",
    _I,
)
_KILL_LITERALS = ("kill", "stop-process", "docker")
"""What every _KILL_WORD match holds."""
_STOP_WORD = linear.compile(
    r"\b(?:pkill|killall|kill|taskkill|stop-process|stop-service|set-service|systemctl\s+(?:stop|disable|mask)|service\s+\S+\s+stop|chkconfig\s+\S+\s+off|update-rc\.d\s+\S+\s+remove|rm\s+-\w*r|uninstall|sc(?:\.exe)?\s+(?:stop|delete|config)|/etc/init\.d/\S+\s+stop)\b",
    _I,
)
_NEWLINE = re.compile("\n")
ALNUM_RUN = re.compile(r"[A-Za-z0-9]{26,}")
"""Every wallet format holds a run this long; most text has none, and the wallet regexes
are slow."""
_TOKEN = re.compile(r"[\w.-]+")
_NET_LIST = re.compile(r"\b(?:netstat|ss|lsof)\b", _I)
_FILTER = re.compile(r"\bgrep\b|\bawk\b|\bfindstr\b|\bwhere\b", _I)
_PS_LIST = re.compile(r"\b(?:ps|pgrep|pidof|tasklist|get-process)\b", _I)
_EXEC_PREFIX = r"(?:^|[;&|(`]\s*|\b(?:nohup|setsid|exec|sh|bash|sudo|timeout\s+\d+\w?)\s+)"


@dataclass(frozen=True)
class IntelPatterns:
    """Patterns built from intel once per Intel object."""

    miner_name: re.Pattern[str] | None
    miner_words: frozenset[str]
    agent: re.Pattern[str] | None
    agent_words: frozenset[str]
    port: re.Pattern[str] | None
    option: re.Pattern[str] | None
    odd_pools: bool
    """Some pool domain is not ASCII: no word test can rule pools out."""
    scheme_urls: tuple[str, ...]
    """Every stratum scheme followed by "://" (what a stratum URL holds), lower case."""


_CACHE: dict[int, tuple[Intel, IntelPatterns]] = {}


def _patterns(intel: Intel) -> IntelPatterns:
    """The intel patterns of ``intel`` (an Intel holds dicts, so it is cached by identity)."""
    held = _CACHE.get(id(intel))
    if held is not None and held[0] is intel:
        return held[1]
    if len(_CACHE) > 8:
        _CACHE.clear()
    built = _build_patterns(intel)
    _CACHE[id(intel)] = (intel, built)
    return built


def _build_patterns(intel: Intel) -> IntelPatterns:
    def words(names: Iterable[str]) -> re.Pattern[str] | None:
        alts = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n)
        return re.compile(rf"(?<![\w.-])(?:{alts})(?![\w-])", _I) if alts else None

    campaign_names: set[str] = set()
    for c in intel.campaigns:
        campaign_names.update(c.processes)
        campaign_names.update(f for f in c.files if "." not in f.lstrip("."))
    ports = sorted(intel.mining_ports | intel.tls_ports)
    port_alts = "|".join(str(p) for p in ports)
    # Each option's first character, then the lookbehind (not a word's or option's tail):
    # re skips to that character instead of trying the lookbehind at every position.
    by_first: dict[str, list[str]] = {}
    for o in sorted(intel.options, key=len, reverse=True):
        if o:
            by_first.setdefault(o[0], []).append(re.escape(o[1:]))
    opts = "|".join(
        rf"{re.escape(c)}(?<![\w-]{re.escape(c)})(?:{'|'.join(rests)})"
        for c, rests in by_first.items()
    )
    return IntelPatterns(
        miner_name=words(intel.miner_names | intel.disguised_names | campaign_names),
        miner_words=frozenset(
            n.lower() for n in intel.miner_names | intel.disguised_names | campaign_names
        ),
        agent=words(intel.security_agents),
        agent_words=frozenset(intel.security_agents),
        port=re.compile(rf"(?<![\w.])(?:{port_alts})(?!\d)") if port_alts else None,
        option=re.compile(rf"(?:{opts})(?=[=\s\"']|$)") if opts else None,
        odd_pools=any(not d.isascii() for d in intel.pool_domains),
        scheme_urls=tuple(f"{s.lower()}://" for s in intel.schemes),
    )


EXCERPT = 160
"""Characters of a line an observation quotes."""


def _hit(sub: Sub, ln: Line, layer: Layer, detail: str = "", focus: str = "") -> Hit:
    return Hit(sub, ln.no, excerpt(ln.plain.strip(), focus or detail), layer.origin, detail)


def excerpt(text: str, focus: str = "") -> str:
    """``text`` cut to EXCERPT characters around the first ``focus`` in it, or from its
    start: a minified or decoded script is one long line, whose start says nothing."""
    if len(text) <= EXCERPT:
        return text
    at = text.find(focus) if focus else -1
    if at < 0 or at + len(focus) <= EXCERPT - 3:
        return text[: EXCERPT - 3] + "..."
    start = min(max(0, at - EXCERPT // 3), len(text) - (EXCERPT - 6))
    tail = "..." if start + EXCERPT - 6 < len(text) else ""
    return "..." + text[start : start + EXCERPT - 6] + tail


def _code_sub(b: Behaviour, key: str, weight: int, technique: str) -> Sub:
    return Sub(b, key, weight, technique)


KILL_BY_NAME = _code_sub(B.KILL_COMPETITORS, "kill of known miner names", 5, "T1489")
KILL_BY_LIST = _code_sub(
    B.KILL_COMPETITORS, "list of miner names where processes are killed", 5, "T1489"
)
SSH_HARVESTED = _code_sub(
    B.SSH_SPREAD, "unattended SSH to hosts from known_hosts or history", 5, "T1021.004"
)
_HARVEST = re.compile(r"known_hosts|\.bash_history|\.ssh/config")
_UNATTENDED = linear.compile(r"stricthostkeychecking[\s=\"',]*no|batchmode[\s=\"',]*yes", _I)
KILL_BY_PORT = _code_sub(B.KILL_COMPETITORS, "kill of whoever holds a pool port", 5, "T1489")
AGENT_STOPPED = _code_sub(B.DISABLE_SECURITY, "security or cloud agent stopped", 5, "T1562.001")
DOWNLOAD_RUN = _code_sub(B.DOWNLOAD_EXEC, "download made executable and run", 4, "T1105")
FALLBACKS = _code_sub(B.DOWNLOAD_EXEC, "downloader with fallbacks", 2, "T1105")
STRATUM = _code_sub(B.MINING_INDICATORS, "stratum URL", 6, "T1496")
WALLET = _code_sub(B.MINING_INDICATORS, "wallet address", 6, "T1496")
WEAK_WALLET = _code_sub(B.MINING_INDICATORS, "possible wallet address", 3, "T1496")
POOL = _code_sub(B.MINING_INDICATORS, "pool domain", 5, "T1496")
POOL_PORT = _code_sub(B.MINING_INDICATORS, "host on a mining port", 2, "T1496")
MINER = _code_sub(B.MINING_INDICATORS, "miner program name", 3, "T1496")
MINER_OPTION = _code_sub(B.MINING_INDICATORS, "miner command-line option", 3, "T1496")
ARCH = _code_sub(B.ARCH_DOWNLOAD, "download chosen by CPU architecture", 1, "T1105")
DECODED = _code_sub(B.OBFUSCATION, "behaviour inside an encoded blob", 2, "T1140")
# As strong as a download that is run: a package whose install hook itself fetches and runs
# code or starts a hidden program does so on every machine that installs it.
INSTALL_HOOK = _code_sub(
    B.INSTALL_HOOK, "npm lifecycle script (preinstall, install, postinstall)", 4, "T1195.002"
)
SPLIT = _code_sub(B.OBFUSCATION, "command words split by quotes, escapes or variables", 2, "T1027")

_WALLET_CONTEXT = re.compile(
    r"(?:-u\s+|--user[= ]|wallet|\buser\b|\baddr|\bwal\b|\bxmr\b)[^\n]{0,12}$", _I
)
_HOST_PORT = linear.compile(
    r"(?:[a-z0-9-]+\.)+[a-z]{2,}:(\d{2,5})\b|\b(?:\d{1,3}\.){3}\d{1,3}:(\d{2,5})\b", _I
)
_PORT_TAIL = re.compile(r":\d{2,5}\b")
"""What every _HOST_PORT match ends with: found by its literal ``:``, where _HOST_PORT is
tried at every position (2 s over a few hundred ordinary CSS and TypeScript files)."""


MAX_ANCHORS = 4096
"""Occurrences of a pattern's literals beyond which its whole text is searched."""


def _on_re2(rx: Rx) -> bool:
    """Is ``rx`` searched by RE2, which reads a whole text faster than ``re`` the lines
    around a pattern's literals?"""
    return isinstance(rx, linear.Pattern) and rx.linear


@functools.cache
def _reach(rx: Rx) -> tuple[int, int] | None:
    r"""How far from one of its literals a match of ``rx`` can extend, as (characters, whole
    lines more): (0, 0) when it cannot cross a line (the literal's line holds it); (0, 1)
    when only whitespace (``\s*``) can cross one, so the lines before and after the
    literal's are searched too, as a pipe or a continuation spans; (n, 1) when a bounded
    any-character run does (``[\s\S]{0,300}``), n its longest match beside whitespace
    runs. A match whose whitespace runs over more lines than that is not looked for. None:
    search the whole text."""
    if not rxshape.can_consume(rx, "\n"):
        return 0, 0
    if rxshape.newline_by_space_only(rx):
        return 0, 1
    longest = rxshape.width_beside_space_runs(rx)
    return (longest, 1) if longest is not None and longest <= 4096 else None


_LITERALS = frozenset((*(n for v in NEEDS.values() for n in v), *_KILL_LITERALS, *_FETCH_LITERALS))
"""Every literal the YARA-X pass finds: NEEDS and the gates' literals."""
_LITERAL_NAMES = tuple(sorted(_LITERALS))
"""_LITERALS in the order of the pass' pattern identifiers ($l0, $l1 ...)."""


@functools.cache
def _literal_rules() -> yara_x.Rules:
    strings = "\n".join(
        f'$l{i} = "{n.encode("unicode_escape").decode().replace(chr(34), chr(92) + chr(34))}"'
        for i, n in enumerate(_LITERAL_NAMES)
    )
    return yara_x.compile(f"rule literals {{ strings: {strings} condition: any of them }}")


def _find_literals(data: bytes) -> dict[str, list[int]]:
    """Offsets of every literal of _LITERALS in ``data`` (lower-case ASCII), from one
    YARA-X pass: checking a hundred and seventy literals with ``in`` one by one read the
    text as many times. A literal seen more than MAX_ANCHORS times keeps MAX_ANCHORS + 1."""
    scanner = yara_x.Scanner(_literal_rules())
    scanner.max_matches_per_pattern(MAX_ANCHORS + 1)
    found: dict[str, list[int]] = {}
    for rule in scanner.scan(data).matching_rules:
        for pattern in rule.patterns:
            if pattern.matches:
                found[_LITERAL_NAMES[int(pattern.identifier[2:])]] = sorted(
                    m.offset for m in pattern.matches
                )
    return found


_NOT_TOKEN = {c: " " for c in range(128) if not re.fullmatch(r"[\w.-]", chr(c))}
"""The ASCII characters no _TOKEN holds, each turned into a space."""


def _words(text: str) -> set[str]:
    """The _TOKEN matches of ``text``: in ASCII text, its words once every character no
    token holds is a space (str.translate and str.split read it at C speed)."""
    if text.isascii():
        return set(text.translate(_NOT_TOKEN).split())
    return set(_TOKEN.findall(text))


def _line_starts(lines: list[str]) -> list[int]:
    """The offset of each line in the lines joined by newlines."""
    return list(itertools.accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))


class _Index:
    """Offsets of a layer's joined text mapped back to its lines."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.texts = (layer.text, layer.squeezed)
        self.lowered = (self.texts[0] + "\n" + self.texts[1]).lower()
        plain = _line_starts(layer.plain_lines)
        same = layer.squeezed == layer.text
        self.starts = [plain, plain if same else _line_starts(layer.squeezed_lines)]
        # Lower-casing kept every offset (it does, but for a few non-ASCII letters): the
        # literals found in ``lowered`` point into the texts.
        self._aligned = len(self.lowered) == len(self.texts[0]) + 1 + len(self.texts[1])
        self._tokens: set[str] | None = None
        # One YARA-X pass tells which literals occur; its byte offsets are characters' only
        # in ASCII text (elsewhere the offsets are found with str.find).
        self._found = _find_literals(self.lowered.encode("utf-8", "surrogatepass"))
        self._offsets = self._aligned and self.lowered.isascii()

    @property
    def tokens(self) -> set[str]:
        """The words of the lower-cased texts, dotted ones also split at their dots."""
        if self._tokens is None:
            if self._aligned:
                # No token crosses a line: the plain text's, and the squeezed lines' that
                # differ from their plain ones.
                layer = self.layer
                tokens = _words(self.lowered[: len(self.texts[0])])
                tokens |= _words("\n".join(layer.squeezed_lines[i] for i in layer.changed).lower())
            else:
                tokens = _words(self.lowered)
            tokens.update(part for t in list(tokens) if "." in t for part in t.split("."))
            self._tokens = tokens
        return self._tokens

    def has(self, *literals: str) -> bool:
        """Does either text hold one of these lower-case literals, in any case?"""
        if _LITERALS.issuperset(literals):
            return not self._found.keys().isdisjoint(literals)
        return any(n in self.lowered for n in literals)

    def present(self, literals: Iterable[str]) -> list[str]:
        """Those of the lower-case literals either text holds, in any case."""
        found = self._found
        return [n for n in literals if n in found or (n not in _LITERALS and n in self.lowered)]

    def _spots(self, which: int, needs: Iterable[str]) -> list[int] | None:
        """Offsets in text ``which`` of the lower-case literals; None past MAX_ANCHORS or
        when lower-casing moved offsets."""
        if not self._aligned:
            return None
        base = 0 if which == 0 else len(self.texts[0]) + 1
        end = base + len(self.texts[which])
        spots: list[int] = []
        found = self._found
        if self._offsets and all(n in _LITERALS for n in needs):
            for n in needs:
                at = found.get(n, [])
                if len(at) > MAX_ANCHORS:
                    return None
                spots += [
                    i - base for i in at[bisect.bisect_left(at, base) : bisect.bisect_left(at, end)]
                ]
            return spots if len(spots) <= MAX_ANCHORS else None
        for n in needs:
            i = self.lowered.find(n, base, end)
            while i >= 0:
                spots.append(i - base)
                if len(spots) > MAX_ANCHORS:
                    return None
                i = self.lowered.find(n, i + 1, end)
        return spots

    def starts_at(self, which: int, rx: Rx, literals: Iterable[str]) -> bool:
        """Does ``rx`` match in text ``which``, given that where it matches, it matches also
        starting at one of these lower-case literals? Tried only there in ASCII text (where
        lower-casing and re.IGNORECASE agree), searched everywhere otherwise, and by RE2."""
        text = self.texts[which]
        near = self._offsets and not _on_re2(rx)
        spots = self._spots(which, self.present(literals)) if near else None
        if spots is None:
            return rx.search(text) is not None
        return any(rx.match(text, p) for p in spots)

    def finditer(self, which: int, rx: Rx, spots: list[int] | None) -> Iterator[linear.Match]:
        """``rx.finditer`` over text ``which``, searching only around ``spots`` (offsets of
        something every match holds; None: everywhere)."""
        text = self.texts[which]
        for w in self._searched(text, rx, spots):
            yield from rx.finditer(text, w.start, w.stop)

    def _per_line(self, which: int, rx: Rx, spots: list[int] | None) -> Iterator[linear.Match]:
        """The first match of ``rx`` on each line that has one, in text ``which`` around
        ``spots``: a line repeating a pattern's words thousands of times costs one search,
        and the lines after it are still reached."""
        text = self.texts[which]
        for w in self._searched(text, rx, spots):
            pos = w.start
            while (m := rx.search(text, pos, w.stop)) is not None:
                yield m
                eol = text.find("\n", m.start(), w.stop)
                if eol < 0:
                    break
                pos = max(m.end(), eol + 1)

    @classmethod
    def _searched(cls, text: str, rx: Rx, spots: list[int] | None) -> list[slice]:
        """Where to search ``rx``: around ``spots``, or everywhere (RE2 reads the whole
        text faster than ``re`` the windows)."""
        if spots is None or _on_re2(rx):
            return [slice(0, len(text))]
        return cls._windows(text, rx, spots)

    @staticmethod
    def _windows(text: str, rx: Rx, spots: list[int]) -> list[slice]:
        """Where in ``text`` matches of ``rx`` holding one of ``spots`` can be; the whole
        text when that is not narrower."""
        whole = [slice(0, len(text))]
        reach = _reach(rx)
        if reach is None:
            return whole
        chars, more = reach
        out: list[slice] = []
        for p in sorted(spots):
            lo = text.rfind("\n", 0, max(0, p - chars))
            hi = text.find("\n", p + chars)
            for _ in range(more):
                lo = -1 if lo < 0 else text.rfind("\n", 0, lo)
                hi = -1 if hi < 0 else text.find("\n", hi + 1)
            lo += 1
            hi = len(text) if hi < 0 else hi
            if out and lo <= out[-1].stop + 1:
                out[-1] = slice(out[-1].start, max(hi, out[-1].stop))
            else:
                out.append(slice(lo, hi))
        if sum(w.stop - w.start for w in out) * 2 > len(text):
            return whole
        return out

    def line(self, which: int, offset: int) -> Line:
        i = bisect.bisect_right(self.starts[which], offset) - 1
        return self.layer.line(min(i, len(self.layer.numbers) - 1))

    def matches(
        self, rx: Rx, limit: int = 4, needs: Iterable[str] | None = None
    ) -> Iterator[tuple[Line, linear.Match]]:
        """Matches of ``rx`` in the plain then the squeezed text, one per line. ``needs``:
        lower-case literals every match holds; only the lines around them are searched."""
        seen: set[int] = set()
        for which in range(len(self.texts)):
            if which and self.texts[1] == self.texts[0]:
                break
            found = self._per_line(which, rx, None if needs is None else self._spots(which, needs))
            for n, m in enumerate(found):
                if n >= 64:
                    break
                ln = self.line(which, m.start())
                if ln.no not in seen:
                    seen.add(ln.no)
                    yield ln, m
                    if len(seen) >= limit:
                        return


def static_hits(idx: _Index) -> Iterator[Hit]:
    for sub in STATIC:
        assert sub.pattern is not None
        needs = idx.present(NEEDS[sub.key])
        if not needs:
            continue
        for ln, m in idx.matches(sub.pattern, needs=needs):
            yield _hit(sub, ln, idx.layer, focus=m.group(0)[:40])


def intel_hits(idx: _Index, intel: Intel) -> Iterator[Hit]:
    p = _patterns(intel)
    layer = idx.layer
    kills = idx.has(*_KILL_LITERALS) and _KILL_WORD.search(layer.squeezed) is not None
    tokens = idx.tokens
    # A pool host holds its pool-list entry's first label as a word; a stratum URL its
    # scheme and "://"; every host:port a ":" and digits. Ordinary text has none of these,
    # and the searches for them are tried at every position of the text.
    pools = p.odd_pools or bool(tokens & intel.pool_labels)
    stratum = idx.has(*p.scheme_urls)
    if p.miner_name and tokens & p.miner_words:
        for ln, _m in idx.matches(p.miner_name, limit=16):
            for v in ln.variants():
                names = ", ".join(dict.fromkeys(n.lower() for n in p.miner_name.findall(v)))
                if _KILL_WORD.search(v) or (kills and _PS_LIST.search(v)):
                    yield _hit(KILL_BY_NAME, ln, layer, names)
                    break
                m = _compiled(rf"{_EXEC_PREFIX}[\"']?(?:\S*/)?({p.miner_name.pattern})", _I).search(
                    v
                )
                if m:
                    yield _hit(MINER, ln, layer, m.group(1))
                    break
    if p.port and kills:
        for ln, _m in idx.matches(_NET_LIST, limit=16):
            for v in ln.variants():
                if _FILTER.search(v) and (ports := p.port.findall(v)):
                    yield _hit(KILL_BY_PORT, ln, layer, ", ".join(dict.fromkeys(ports)))
                    break
    if p.agent and tokens & p.agent_words:
        for ln, _m in idx.matches(p.agent, limit=16):
            for v in ln.variants():
                agents = p.agent.findall(v)
                if agents and _STOP_WORD.search(v):
                    yield _hit(
                        AGENT_STOPPED,
                        ln,
                        layer,
                        ", ".join(dict.fromkeys(a.lower() for a in agents)),
                    )
                    break
    for which, text in enumerate(idx.texts):
        if which and idx.texts[1] == idx.texts[0]:
            break
        for url in (intel.find_stratum_urls(text) if stratum else [])[:4]:
            yield _hit(STRATUM, idx.line(which, text.find(url)), layer, url)
        lowered = text.lower()
        for pool in (_pool_domains(intel, text, lowered, tokens) if pools else [])[:4]:
            yield _hit(POOL, idx.line(which, lowered.find(pool)), layer, pool)
        wallets = intel.find_wallets(text) if ALNUM_RUN.search(text) else []
        for pat, addr in wallets[:8]:
            at = text.find(addr)
            ln = idx.line(which, at)
            if pat.confidence == "high":
                yield _hit(WALLET, ln, layer, f"{pat.coin} {addr}")
            elif _WALLET_CONTEXT.search(text[max(0, at - 40) : at]):
                yield _hit(WEAK_WALLET, ln, layer, f"{pat.coin} {addr}")
        if p.port and (tails := [m.start() for m in _PORT_TAIL.finditer(text)]):
            spots = tails if len(tails) <= MAX_ANCHORS else None
            for n, m in enumerate(idx.finditer(which, _HOST_PORT, spots)):
                if n > 256:
                    break
                port = m.group(1) or m.group(2)
                if p.port.fullmatch(port):
                    yield _hit(POOL_PORT, idx.line(which, m.start()), layer, port)
                    break
        if p.option and (m := p.option.search(text)):
            yield _hit(MINER_OPTION, idx.line(which, m.start()), layer, m.group(0))


def _pool_domains(intel: Intel, text: str, lowered: str, tokens: set[str]) -> list[str]:
    """``intel.find_pool_domains(text)``, read in the lines that hold the first label of a
    pool domain among ``tokens`` (a host that is a pool domain holds its entry's first
    label as a word; no host crosses a line)."""
    if _patterns(intel).odd_pools:
        return intel.find_pool_domains(text)
    labels = tokens & intel.pool_labels
    pairs = zip(text.split("\n"), lowered.split("\n"), strict=True)
    held = [line for line, low in pairs if any(label in low for label in labels)]
    return intel.find_pool_domains("\n".join(held))


def structural_hits(idx: _Index) -> Iterator[Hit]:
    """Behaviours seen across lines: a download later made executable and run, fallbacks,
    architecture-dependent downloads, SSH to harvested hosts."""
    layer = idx.layer
    text = layer.squeezed
    if not idx.has(*_FETCH_LITERALS) or not idx.starts_at(1, _FETCH_RX, _FETCH_LITERALS):
        return
    yield from _download_run(idx)
    methods = {k for k, rx in _FETCH_METHODS.items() if rx.search(text)}
    if len(methods) >= 3:
        ln = layer.line(0)
        yield Hit(
            FALLBACKS, ln.no, ", ".join(sorted(methods)), layer.origin, ", ".join(sorted(methods))
        )
    if _ARCH_PROBE.search(text):
        arches = {a.lower() for a in _ARCH.findall(text)}
        if len(arches) >= 2:
            ln = layer.line(0)
            yield Hit(
                ARCH, ln.no, ", ".join(sorted(arches)), layer.origin, ", ".join(sorted(arches))
            )


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str, flags: int) -> linear.Pattern:
    """A pattern built from what a text holds (a downloaded file's name), compiled once."""
    return linear.compile(pattern, flags)


def _download_run(idx: _Index) -> Iterator[Hit]:
    """A file downloaded to a path, then made executable and run, or run by a shell. The
    downloads are found in the layer's whole squeezed text at once (no match crosses a
    line): a search per line cost seconds on text padded with many short lines."""
    text = idx.texts[1]
    for m in _DL_DEST.finditer(text):
        # A command in a code string ends where the string did: squeezed, `+ d)` or `+ d,`.
        dest = m.group(1).rstrip("),")
        base = dest.rsplit("/", 1)[-1]
        if not base or base in ("-", "null") or len(base) < 2:
            continue
        b = re.escape(base)
        chmod = _compiled(_CHMOD_X + rf"[^\n]*{b}\b", _I).search(text)
        shell = _compiled(rf"\b(?:ba)?sh\s+[\"']?\S*{b}\b", _I).search(text)
        # A path held in a variable runs as it is (``$F``); a bare word would be looked
        # up in PATH, not run from where it was downloaded.
        where = "(?:\\./|\\S*/)?" if dest.startswith("$") else "(?:\\./|\\S*/)"
        run_rx = rf"{_EXEC_PREFIX}[\"']?{where}{b}(?:[\s\"';&|),]|$)"
        run = _compiled(run_rx, _I | re.M).search(text)
        if shell or (run and chmod):
            yield _hit(DOWNLOAD_RUN, idx.line(1, m.start()), idx.layer, dest)
            return


def _names_and_ssh(idx: _Index, intel: Intel) -> Iterator[Hit]:
    """Miner names listed together where something is killed; SSH to harvested hosts."""
    p = _patterns(intel)
    layer = idx.layer
    tokens = idx.tokens
    if p.miner_name and tokens & p.miner_words and _KILL_WORD.search(layer.squeezed):
        for ln, _m in idx.matches(p.miner_name, limit=32):
            names = {n.lower() for n in p.miner_name.findall(ln.squeezed)}
            if len(names) >= 3:
                yield _hit(KILL_BY_LIST, ln, layer, ", ".join(sorted(names)))
                break
    harvest = NEEDS["hosts harvested from SSH files or history"]
    if idx.has(*harvest) and _HARVEST.search(idx.lowered):
        for ln, _m in idx.matches(_UNATTENDED, limit=1):
            yield _hit(SSH_HARVESTED, ln, layer)


_TELLS = re.compile(
    rf"\b(?:{_FETCH}|chmod|nohup|crontab|base64|iex|invoke-expression|downloadstring|net\.webclient|pkill|chattr)\b",
    _I,
)
_TELL_LITERALS = (
    *("curl", "wget", "lwp-download", "fetch", "ftpget", "tftp", "chmod", "nohup", "crontab"),
    *("base64", "iex", "invoke-expression", "downloadstring", "net.webclient", "pkill", "chattr"),
)
"""What every _TELLS match holds, lower case (in ASCII text: re.IGNORECASE also matches
the Kelvin sign and the long s to k and s)."""


def split_words(layer: Layer) -> Iterator[Hit]:
    """A command word that only appears once quotes, escapes or variables are resolved."""
    squeezed = "\n".join(layer.squeezed_lines[i] for i in layer.changed).lower()
    if squeezed.isascii() and not any(w in squeezed for w in _TELL_LITERALS):
        return
    for i in layer.changed:
        new = {w.lower() for w in _TELLS.findall(layer.squeezed_lines[i])} - {
            w.lower() for w in _TELLS.findall(layer.plain_lines[i])
        }
        if new:
            yield _hit(SPLIT, layer.line(i), layer, ", ".join(sorted(new)))
            return


def all_hits(layer: Layer, intel: Intel) -> list[Hit]:
    out: list[Hit] = []
    idx = _Index(layer)
    producers: tuple[Callable[[], Iterable[Hit]], ...] = (
        lambda: static_hits(idx),
        lambda: intel_hits(idx, intel),
        lambda: structural_hits(idx),
        lambda: _names_and_ssh(idx, intel),
        lambda: split_words(layer),
    )
    for produce in producers:
        out.extend(produce())
    return out


def prepare() -> None:
    """Compile every behaviour pattern now (in a file worker starting up), not when the
    first script is analysed."""
    patterns = [*(s.pattern for s in STATIC), *_FETCH_METHODS.values()]
    patterns += [v for v in globals().values() if isinstance(v, linear.Pattern)]
    for rx in patterns:
        if rx is not None:
            _ = rx.linear
