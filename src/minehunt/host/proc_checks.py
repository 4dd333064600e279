"""Process checks: each turns what one process shows into signals (MH-PROC-*)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from minehunt.correlate import Signal
from minehunt.indicators import TextHits, decoded_blobs, endpoint_of, scan_text
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Scalar, Severity, Target, TargetKind

from .processes import CpuSample, ProcessInfo

TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")
# Names the kernel gives its own threads; a user-space process wearing one is disguised.
_KTHREAD_RE = re.compile(
    r"^(kworker|ksoftirqd|kswapd\d*|kthreadd|migration|cpuhp|rcu_\w+|khugepaged|kcompactd\d*"
    r"|kblockd|jbd2|kdevtmpfs|kauditd|kintegrityd|watchdog|irq|writeback|kthrotld|ksmd)(/|$)"
)
CONFIG_MAX_BYTES = 512 * 1024
HIGH_CPU_WINDOW = 50.0  # percent of one core used over the sampling window,
HIGH_CPU_DEMAND = 80.0  # or wanted (ran + waited to run): a busy process on a loaded host
HIGH_CPU_LIFETIME = 20.0  # and used on average since start: "sustained", not a spike


@dataclass
class PoolRefs:
    """Pool endpoints a process was told to use (command line or configuration)."""

    endpoints: set[tuple[str, int | None]] = field(default_factory=set)

    def add_url(self, url: str) -> None:
        ep = endpoint_of(url)
        if ep:
            self.endpoints.add(ep)

    def matches(self, ip: str, port: int) -> bool:
        return any(h == ip and (p is None or p == port) for h, p in self.endpoints)


def process_target(p: ProcessInfo) -> Target:
    return Target(
        kind=TargetKind.PROCESS,
        name=p.name,
        pid=p.pid,
        ppid=p.ppid,
        started=p.started,
        exe=p.exe,
        cmdline=p.cmdline,
        user=p.user,
    )


def _ev(check: str, summary: str, source: str, **attrs: Scalar) -> Evidence:
    return Evidence(CheckId(check), summary, source=source, attributes=attrs)


def identity(intel: Intel, p: ProcessInfo, t: Target) -> Iterator[Signal]:
    """MH-PROC-001/011: miner names in exe, comm or argv[0]; MH-PROC-008: kernel disguise."""
    argv0 = p.cmdline[0] if p.cmdline else ""
    names = {
        "exe": os.path.basename(p.exe_path or ""),
        "comm": p.name,
        "argv[0]": os.path.basename(argv0.split()[0]) if argv0.strip() else "",
    }
    hits = {where: intel.miner_name(n) for where, n in names.items() if n}
    hits = {k: v for k, v in hits.items() if v}
    if hits:
        where, miner = next(iter(hits.items()))
        renamed = len({n for n in names.values() if n}) > 1 and len(hits) < 3
        summary = f"{where} is the miner '{miner}'"
        if renamed:
            others = ", ".join(f"{k}={v!r}" for k, v in names.items() if v and k not in hits)
            summary += f" under another name ({others})"
        yield Signal(t, _ev("MH-PROC-001", summary, where, miner=miner, renamed=renamed))
    else:
        legit = next(
            (intel.legit_miner(n) for n in names.values() if n and intel.legit_miner(n)), None
        )
        if legit:
            yield Signal(
                t, _ev("MH-PROC-011", f"'{legit}' is mining-capable software", "exe", program=legit)
            )
    bracketed = argv0.startswith("[") and argv0.rstrip().endswith("]")
    if (bracketed or _KTHREAD_RE.match(p.name)) and not p.is_kernel_thread:
        why = f"exe {p.exe}" if p.exe else f"parent pid {p.ppid}"
        shown = argv0 if bracketed else p.name
        yield Signal(
            t,
            _ev(
                "MH-PROC-008",
                f"calls itself '{shown}' like a kernel thread but has {why}",
                "cmdline" if bracketed else "comm",
                shown=shown,
            ),
        )


def location(intel: Intel, p: ProcessInfo, t: Target) -> Iterator[Signal]:
    """MH-PROC-006/007: executable in temp/shm/memfd, or deleted."""
    exe = p.exe
    if not exe:
        return
    if exe.startswith("/memfd:"):
        name = exe[len("/memfd:") :].removesuffix(" (deleted)")
        if not any(name.startswith(a) for a in intel.allow_memfd):
            yield Signal(
                t,
                _ev(
                    "MH-PROC-006",
                    f"runs from an anonymous memory file ({exe})",
                    "exe",
                    location="memfd",
                ),
            )
        return
    path = p.exe_path or ""
    if path.startswith(TEMP_DIRS):
        where = next(d for d in TEMP_DIRS if path.startswith(d))
        yield Signal(t, _ev("MH-PROC-006", f"runs from {where}: {path}", "exe", location=where))
    if exe.endswith(" (deleted)"):
        yield Signal(t, _ev("MH-PROC-007", f"executable {path} was deleted", "exe"))


def _known_option(intel: Intel, opt: str) -> str | None:
    """The intel option ``opt`` names, also as an unambiguous getopt_long abbreviation
    (XMRig and cpuminer accept ``--donate-l 1`` for ``--donate-level 1``)."""
    if opt in intel.options:
        return opt
    if opt.startswith("--") and len(opt) >= 8:
        full = [o for o in intel.options if o.startswith(opt)]
        if len(full) == 1:
            return full[0]
    return None


def option_hits(intel: Intel, args: tuple[str, ...] | list[str]) -> list[str]:
    hits: list[str] = []
    for i, a in enumerate(args):
        opt, eq, val = a.partition("=")
        known = _known_option(intel, opt)
        if known and known not in intel.algo_options and known not in hits:
            hits.append(known if known == opt else f"{opt} (= {known})")
        if (known or opt) in intel.algo_options:
            value = val if eq else (args[i + 1] if i + 1 < len(args) else "")
            if value.lower() in intel.algorithms:
                hits.append(f"{opt} {value}")
    return hits


def _text_signals(
    intel: Intel, hits: TextHits, t: Target, source: str, refs: PoolRefs, *, check_url: str
) -> Iterator[Signal]:
    for url in hits.urls:
        refs.add_url(url)
    for pool in hits.pools:
        refs.endpoints.add((pool, None))
    if hits.urls or hits.pools:
        pool = (hits.urls or hits.pools)[0]
        yield Signal(t, _ev(check_url, f"mining pool {pool}", source, pool=pool))
    for name, conf, wallet in hits.wallets[:3]:
        yield Signal(
            t,
            _ev("MH-PROC-004", f"{name} wallet {wallet[:12]}…", source, wallet=wallet, coin=name),
            severity=Severity.LOW if conf == "low" else None,
        )


def cmdline(intel: Intel, p: ProcessInfo, t: Target, refs: PoolRefs) -> Iterator[Signal]:
    """MH-PROC-002/003/004/005: pool URLs, miner options, wallets, base64-wrapped variants."""
    if not p.cmdline:
        return
    text = " ".join(p.cmdline)
    hits = scan_text(intel, text, names=False)
    yield from _text_signals(intel, hits, t, "cmdline", refs, check_url="MH-PROC-002")
    opts = option_hits(intel, p.cmdline)
    if opts:
        yield Signal(
            t,
            _ev(
                "MH-PROC-003",
                "miner options " + " ".join(opts[:5]),
                "cmdline",
                options=" ".join(opts),
            ),
            severity=Severity.LOW if len(opts) == 1 and not hits else None,
        )
    for decoded in decoded_blobs(text):
        inner = scan_text(intel, decoded)
        inner_opts = option_hits(intel, decoded.split())
        if inner or inner_opts:
            what = (
                inner.urls
                or inner.pools
                or inner.miners
                or tuple(inner_opts)
                or tuple(w for _, _, w in inner.wallets)
            )[0]
            for url in inner.urls:
                refs.add_url(url)
            yield Signal(
                t,
                _ev(
                    "MH-PROC-005",
                    f"base64 argument decodes to mining command ({what})",
                    "cmdline",
                    decoded=decoded[:200],
                ),
            )


def _config_paths(p: ProcessInfo) -> list[str]:
    paths: list[str] = []
    args = list(p.cmdline)
    for i, a in enumerate(args):
        if a in ("-c", "--config") and i + 1 < len(args):
            paths.append(args[i + 1])
        elif a.startswith("--config="):
            paths.append(a.split("=", 1)[1])
    dirs = []
    if p.exe_path and not p.exe_path.startswith("/memfd:"):
        dirs.append(os.path.dirname(p.exe_path))
    cwd = f"/proc/{p.pid}/cwd"
    dirs.append(cwd)
    paths.extend(os.path.join(d, "config.json") for d in dirs)
    if paths and not os.path.isabs(paths[0]):
        paths[0] = os.path.join(cwd, paths[0])
    return list(dict.fromkeys(paths))


def config(intel: Intel, p: ProcessInfo, t: Target, refs: PoolRefs) -> Iterator[Signal]:
    """MH-PROC-010: XMRig-style config.json (exe dir, cwd) or a -c/--config file with pools."""
    for path in _config_paths(p):
        try:
            with open(path, "rb") as fh:
                raw = fh.read(CONFIG_MAX_BYTES)
        except OSError:
            continue
        text = raw.decode("utf-8", "replace")
        pools = _xmrig_pools(text)
        hits = scan_text(intel, text, names=False)
        shown = path.replace(f"/proc/{p.pid}/cwd", "<cwd>")
        if pools or hits.urls or (hits.pools and hits.wallets):
            for url in pools:
                refs.add_url(url)
            for url in hits.urls:
                refs.add_url(url)
            pool = (pools or list(hits.urls) or list(hits.pools))[0]
            yield Signal(
                t,
                _ev(
                    "MH-PROC-010",
                    f"miner config {shown} names pool {pool}",
                    shown,
                    pool=pool,
                    config=shown,
                ),
            )
            for name, conf, wallet in hits.wallets[:1]:
                yield Signal(
                    t,
                    _ev(
                        "MH-PROC-004",
                        f"{name} wallet {wallet[:12]}… in {shown}",
                        shown,
                        wallet=wallet,
                        coin=name,
                    ),
                    severity=Severity.LOW if conf == "low" else None,
                )
            return


def _xmrig_pools(text: str) -> list[str]:
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("pools"), list):
        return []
    return [str(e["url"]) for e in doc["pools"] if isinstance(e, dict) and e.get("url")]


def cpu(p: ProcessInfo, t: Target, s: CpuSample | None) -> Iterator[Signal]:
    """MH-PROC-009: busy (or wanting to be) over the window, and over the process lifetime."""
    if s is None or s.lifetime_percent < HIGH_CPU_LIFETIME:
        return
    demand = s.demand_percent or 0.0
    if s.window_percent < HIGH_CPU_WINDOW and demand < HIGH_CPU_DEMAND:
        return
    wanted = f" (wanted {demand:.0f}%)" if demand > s.window_percent + 10 else ""
    yield Signal(
        t,
        _ev(
            "MH-PROC-009",
            f"{s.window_percent:.0f}% CPU now{wanted}, {s.lifetime_percent:.0f}% since start, "
            f"{p.threads} threads",
            "cpu",
            cpu_percent=round(s.window_percent, 1),
            demand_percent=round(demand, 1),
            lifetime_cpu_percent=round(s.lifetime_percent, 1),
            threads=p.threads,
        ),
    )
