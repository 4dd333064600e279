"""Command-line wiring only: no detection logic lives here."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from minehunt import __version__
from minehunt import intel as intel_mod
from minehunt.formats import OutputFormat, render
from minehunt.model import Finding, Report, Severity
from minehunt.report import Collector

# Exit codes (docs/ARCHITECTURE.md)
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

log = logging.getLogger("minehunt")
err = Console(stderr=True, highlight=False)

app = typer.Typer(
    name="minehunt",
    help="Find, stop and prevent cryptojacking. 'minehunt scan' checks this host.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scan_app = typer.Typer(help="Scan something for mining. Without a subcommand: this host.")
watch_app = typer.Typer(help="Scan continuously and report new or changed findings.")
intel_app = typer.Typer(help="Show or extend the threat intel minehunt matches against.")
app.add_typer(scan_app, name="scan")
app.add_typer(watch_app, name="watch")
app.add_typer(intel_app, name="intel")

FormatOpt = Annotated[
    Optional[OutputFormat],  # noqa: UP045 - typer needs Optional at runtime on 3.11
    typer.Option("--format", "-f", help="Output format [default: table on a terminal, else json]"),
]
OutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
]
FailOnOpt = Annotated[
    Severity, typer.Option("--fail-on", help="Exit 1 if a finding is at or above this severity.")
]
MinSevOpt = Annotated[
    Severity, typer.Option("--min-severity", help="Leave out findings below this severity.")
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Exit 3 if some input could not be scanned.")
]
RootOpt = Annotated[
    Path,
    typer.Option("--root", help="Filesystem root to audit (a mounted disk); '/' is this host."),
]
CpuWindowOpt = Annotated[
    float, typer.Option("--cpu-window", min=0.0, max=60.0, help="Seconds of CPU sampling.")
]
IntelOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--intel", help="Extra intel directory (pools.txt, intel.toml)."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minehunt {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logging.")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)


def _load_intel(extra: Path | None) -> intel_mod.Intel:
    try:
        if extra is None:
            return intel_mod.default()
        return intel_mod.load(extra)
    except intel_mod.IntelError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e


def _emit(
    report: Report,
    fmt: OutputFormat | None,
    output: Path | None,
    fail_on: Severity,
    min_severity: Severity,
    strict: bool,
) -> None:
    """Write the report, print a summary on stderr, and exit with the documented code."""
    shown = Report(
        findings=tuple(f for f in report.findings if f.severity >= min_severity),
        skipped=report.skipped,
        counters=report.counters,
        command=report.command,
        started=report.started,
        tool_version=report.tool_version,
    )
    to_tty = output is None and sys.stdout.isatty()
    fmt = fmt or (OutputFormat.TABLE if to_tty else OutputFormat.JSON)
    width = os.get_terminal_size().columns if to_tty else 120
    text = render(shown, fmt, color=to_tty, width=max(width, 80))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8")  # opened only now, when writing
        except OSError as e:
            err.print(f"[red]error:[/] cannot write {output}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
    failing = report.at_or_above(fail_on)
    hidden = len(report.findings) - len(shown.findings)
    secs = report.counters.get("seconds", 0)
    summary = f"{len(shown.findings)} finding(s)"
    if hidden:
        summary += f" (+{hidden} below {min_severity.value})"
    summary += f", {len(failing)} at or above {fail_on.value}"
    if report.skipped:
        summary += f", {len(report.skipped)} input(s) skipped"
    err.print(f"minehunt {report.command}: {summary} in {secs:.2f}s", markup=False)
    if failing:
        raise typer.Exit(EXIT_FINDINGS)
    if strict and report.skipped:
        raise typer.Exit(EXIT_INCOMPLETE)
    raise typer.Exit(EXIT_CLEAN)


def _run(command: str, scan: Callable[[Collector], Iterable[Finding]]) -> Report:
    col = Collector(command)
    findings: list[Finding] = []
    with err.status(f"minehunt {command} …", spinner="dots") if err.is_terminal else _Null():
        findings.extend(scan(col))
    return col.report(findings)


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _host_scan(
    root: Path, cpu_window: float, intel_dir: Path | None, memory: MemoryOptions | None = None
) -> Callable[[Collector], Iterable[Finding]]:
    from minehunt.host import HostScanOptions, scan_host

    if not root.is_dir():
        err.print(f"[red]error:[/] --root {root} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    opts = HostScanOptions(root=root, cpu_window=cpu_window, memory=memory)
    return lambda col: scan_host(intel, opts, col)


@scan_app.callback(invoke_without_command=True)
def scan_default(
    ctx: typer.Context,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    cpu_window: CpuWindowOpt = 0.5,
    intel_dir: IntelOpt = None,
    memory: MemoryOpt = False,
) -> None:
    """Scan this host (processes, sockets, tampering, persistence, drop directories)."""
    if ctx.invoked_subcommand is not None:
        return
    mem = _memory_options(memory, None, None, None)
    report = _run("scan", _host_scan(Path("/"), cpu_window, intel_dir, mem))
    _emit(report, fmt, output, fail_on, min_severity, strict)


@scan_app.command("host")
def scan_host_cmd(
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    root: RootOpt = Path("/"),
    cpu_window: CpuWindowOpt = 0.5,
    intel_dir: IntelOpt = None,
    memory: MemoryOpt = False,
    memory_pid: MemoryPidOpt = None,
    memory_max_mb: MemoryMaxOpt = None,
    memory_seconds: MemorySecondsOpt = None,
) -> None:
    """Scan this host, or with --root the system of a mounted disk (files only)."""
    mem = _memory_options(memory, memory_pid, memory_max_mb, memory_seconds)
    report = _run("scan host", _host_scan(root, cpu_window, intel_dir, mem))
    _emit(report, fmt, output, fail_on, min_severity, strict)


# -- scan subcommands: files and memory --
if TYPE_CHECKING:
    from minehunt.host.memory import MemoryOptions

RulesOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--rules", help="Extra YARA rule file or directory of .yar/.yara files."),
]
MaxSizeOpt = Annotated[
    str,
    typer.Option("--max-file-size", help="Skip files (and archive members) larger than this."),
]
JobsOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--jobs", "-j", min=1, help="Scanner processes [default: one per core]."),
]
FollowOpt = Annotated[
    bool,
    typer.Option("--follow-symlinks", help="Follow symlinks, also out of the scanned trees."),
]
MemoryOpt = Annotated[
    bool, typer.Option("--memory", help="Also scan process memory with the YARA rules.")
]
MemoryPidOpt = Annotated[
    Optional[list[int]],  # noqa: UP045
    typer.Option("--memory-pid", help="Scan the memory of only this process (repeatable)."),
]
MemoryMaxOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--memory-max", help="Bytes of memory read per process [default: 4G]."),
]
MemorySecondsOpt = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--memory-seconds", min=0.1, help="Seconds per process [default: 20]."),
]
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _size(text: str, option: str) -> int:
    """'256M', '1g', '4096' -> bytes; a usage error otherwise."""
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    try:
        value = float(t[: len(t) - len(unit)]) * _UNITS[unit]
    except ValueError:
        value = -1
    if value <= 0:
        err.print(f"[red]error:[/] {option} {text!r}: expected a size such as 256M or 2G")
        raise typer.Exit(EXIT_USAGE)
    return int(value)


def _memory_options(
    memory: bool, pids: list[int] | None, max_bytes: str | None, seconds: float | None
) -> MemoryOptions | None:
    if not (memory or pids):
        return None
    from dataclasses import replace

    from minehunt.host.memory import MemoryOptions

    opts = MemoryOptions(pids=frozenset(pids) if pids else None)
    if max_bytes is not None:
        opts = replace(opts, max_bytes=_size(max_bytes, "--memory-max"))
    if seconds is not None:
        opts = replace(opts, max_seconds=seconds)
    return opts


@scan_app.command("files")
def scan_files_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files and directories to scan.")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    rules_dirs: RulesOpt = None,
    max_file_size: MaxSizeOpt = "256M",
    jobs: JobsOpt = None,
    follow_symlinks: FollowOpt = False,
) -> None:
    """Scan files, directory trees and the archives in them with the YARA rules."""
    from dataclasses import replace

    from minehunt import rules
    from minehunt.files import FileScanOptions, scan_files

    for p in paths:
        if not os.path.lexists(p):
            err.print(f"[red]error:[/] {p}: no such file or directory")
            raise typer.Exit(EXIT_USAGE)
    try:
        ruleset = rules.load(rules_dirs or ()) if rules_dirs else rules.bundled()
    except rules.RulesError as e:
        sys.stderr.write(f"error: {e}\n")  # as is: yara-x's caret diagnostics need no wrapping
        raise typer.Exit(EXIT_USAGE) from e
    opts = FileScanOptions(
        max_file_size=_size(max_file_size, "--max-file-size"),
        follow_symlinks=follow_symlinks,
    )
    if jobs is not None:
        opts = replace(opts, jobs=jobs)
    roots = [str(p) for p in paths]
    report = _run("scan files", lambda col: scan_files(ruleset, roots, opts, col))
    _emit(report, fmt, output, fail_on, min_severity, strict)


# -- end files and memory --
# -- scan/watch subcommands: network --
logs_app = typer.Typer(help="Scan IDS logs (Zeek, Suricata) for mining traffic.")
scan_app.add_typer(logs_app, name="logs")
FramesOpt = Annotated[
    bool,
    typer.Option(
        "--frames/--no-frames",
        help="Frame numbers behind findings (free with the compiled reader; without it, a "
        "second pass over the file).",
    ),
]


@scan_app.command("pcap")
def scan_pcap_cmd(
    files: Annotated[list[Path], typer.Argument(help="pcap or pcapng files (.gz too).")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    frames: FramesOpt = True,
    intel_dir: IntelOpt = None,
) -> None:
    """Scan capture files: mining protocols, pool DNS/TLS names, encrypted mining."""
    from minehunt.net.scan import scan_pcaps

    intel = _load_intel(intel_dir)
    report = _run("scan pcap", lambda col: scan_pcaps(files, intel, col, frames=frames))
    _emit(report, fmt, output, fail_on, min_severity, strict)


@logs_app.command("zeek")
def scan_zeek_cmd(
    directory: Annotated[Path, typer.Argument(help="Zeek log directory (conn, dns, ssl, http).")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    intel_dir: IntelOpt = None,
) -> None:
    """Scan Zeek logs (TSV or JSON, gzipped and rotated files too)."""
    from minehunt.net.zeek import scan_zeek

    if not directory.is_dir():
        err.print(f"[red]error:[/] {directory} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    report = _run("scan logs zeek", lambda col: scan_zeek(directory, intel, col))
    _emit(report, fmt, output, fail_on, min_severity, strict)


@logs_app.command("suricata")
def scan_suricata_cmd(
    eve: Annotated[list[Path], typer.Argument(help="Suricata EVE JSON files (.gz too).")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    intel_dir: IntelOpt = None,
) -> None:
    """Scan Suricata EVE logs (dns, tls, flow, http and alert events)."""
    from minehunt.net.suricata import scan_eve

    intel = _load_intel(intel_dir)
    report = _run("scan logs suricata", lambda col: scan_eve(eve, intel, col))
    _emit(report, fmt, output, fail_on, min_severity, strict)


@watch_app.command("iface")
def watch_iface_cmd(
    iface: Annotated[str, typer.Argument(help="Network interface to capture on (needs root).")],
    output: OutputOpt = None,
    min_severity: MinSevOpt = Severity.LOW,
    duration: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(min=0.1, help="Stop after this many seconds [default: until stopped]."),
    ] = None,
    count: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Stop after this many captured packets."),
    ] = None,
    intel_dir: IntelOpt = None,
) -> None:
    """Capture live traffic; print new or changed findings as JSON lines."""
    from minehunt.net.live import CaptureDenied, watch_interface

    intel = _load_intel(intel_dir)
    try:
        _stream_changes(
            output,
            watch_interface(
                iface, intel, min_severity=min_severity, duration=duration, count=count
            ),
        )
    except CaptureDenied as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e


# -- end network --
# -- scan subcommands: websites --
@scan_app.command("url")
def scan_url_cmd(
    urls: Annotated[list[str], typer.Argument(help="http:// or https:// page URLs to scan.")],
    browser: Annotated[
        bool, typer.Option("--browser", help="Also run each page in headless Chromium.")
    ] = False,
    depth: Annotated[int, typer.Option(min=0, max=10, help="Link levels to follow.")] = 0,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages to scan at most.")] = 50,
    window: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="Seconds each page runs (--browser).")
    ] = 10.0,
    respect_robots: Annotated[
        bool, typer.Option("--respect-robots", help="Skip pages robots.txt disallows.")
    ] = False,
    allow_host: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--allow-host", help="Also fetch from this host (repeatable)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Parallel fetches.")] = 8,
    timeout: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="Seconds per fetched resource.")
    ] = 10.0,
    max_bytes: Annotated[
        int, typer.Option(min=1, max=1024, help="MiB read of one resource at most.")
    ] = 5,
    chromium: Annotated[
        str, typer.Option("--chromium", help="Chromium executable for --browser.")
    ] = "/usr/bin/chromium",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    intel_dir: IntelOpt = None,
) -> None:
    """Scan web pages for browser miners (static; with --browser also in Chromium)."""
    from minehunt.web.browser import BrowserError, BrowserOptions
    from minehunt.web.crawl import CrawlOptions
    from minehunt.web.fetch import FetchLimits, UrlError, check_url
    from minehunt.web.scan import WebScanOptions, scan_urls

    for u in urls:
        try:
            check_url(u)
        except UrlError as e:
            err.print(f"[red]error:[/] {e}")
            raise typer.Exit(EXIT_USAGE) from e
    intel = _load_intel(intel_dir)
    options = WebScanOptions(
        crawl=CrawlOptions(
            depth=depth,
            max_pages=max_pages,
            concurrency=concurrency,
            respect_robots=respect_robots,
        ),
        limits=FetchLimits(max_bytes=max_bytes * 1024 * 1024, timeout=timeout),
        browser=BrowserOptions(window=window, executable=chromium) if browser else None,
        allow_hosts=tuple(allow_host or ()),
    )
    try:
        report = _run("scan url", lambda col: scan_urls(urls, options, intel, col))
    except BrowserError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e
    _emit(report, fmt, output, fail_on, min_severity, strict)


# -- end websites --


@watch_app.command("host")
def watch_host_cmd(
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between scans.")] = 10.0,
    output: OutputOpt = None,
    min_severity: MinSevOpt = Severity.LOW,
    root: RootOpt = Path("/"),
    iterations: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Stop after this many scans [default: run until stopped]."),
    ] = None,
    intel_dir: IntelOpt = None,
) -> None:
    """Scan this host every INTERVAL seconds; print new or changed findings as JSON lines."""
    from minehunt.host import HostScanOptions
    from minehunt.host.persistence import FileCache
    from minehunt.host.processes import CpuHistory
    from minehunt.watch import changes

    intel = _load_intel(intel_dir)
    # Only a process's first scan uses a short window; after that CPU is measured over the
    # whole interval from the readings the previous scan kept.
    opts = HostScanOptions(
        root=root,
        cpu_window=min(0.5, interval / 10),
        history=CpuHistory(),
        file_cache=FileCache(),
    )
    _stream_changes(
        output,
        changes(intel, opts, interval=interval, min_severity=min_severity, iterations=iterations),
    )


def _stream_changes(output: Path | None, found: Iterable[tuple[str, Finding]]) -> None:
    """Write ('new'|'changed', finding) pairs as JSON lines the moment they come, appended
    to ``output`` or to stdout; Ctrl-C ends the watch quietly."""
    from minehunt.watch import as_line

    sink = open(output, "a", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for change, finding in found:
            sink.write(as_line(change, finding) + "\n")
            sink.flush()
    except KeyboardInterrupt:
        pass
    finally:
        if output:
            sink.close()


@intel_app.command("show")
def intel_show(
    section: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="pools | miners | ports | wallets | campaigns | schemes"),
    ] = None,
    intel_dir: IntelOpt = None,
) -> None:
    """Show what the intel holds: counts, or the entries of one section."""
    i = _load_intel(intel_dir)
    sections: dict[str, list[str]] = {
        "pools": sorted(i.pool_domains),
        "miners": sorted(i.miner_names | i.disguised_names),
        "legit": sorted(i.legit_names),
        "ports": [str(p) for p in sorted(i.mining_ports)]
        + [f"{p} (tls)" for p in sorted(i.tls_ports)],
        "options": sorted(i.options | i.algo_options),
        "algorithms": sorted(i.algorithms),
        "schemes": sorted(i.schemes),
        "wallets": [f"{w.name} ({w.coin}, {w.confidence}): {w.regex.pattern}" for w in i.wallets],
        "campaigns": [c.name for c in i.campaigns],
        "web": [*i.web_script_paths, *i.pow_markers],
    }
    if section is None:
        typer.echo(f"sources: {', '.join(i.sources)}")
        for name, entries in sections.items():
            typer.echo(f"{name:12} {len(entries)}")
        return
    if section not in sections:
        err.print(f"[red]error:[/] unknown section {section!r}; one of {', '.join(sections)}")
        raise typer.Exit(EXIT_USAGE)
    for entry in sections[section]:
        typer.echo(entry)


@intel_app.command("update")
def intel_update(
    source: Annotated[
        list[Path],
        typer.Option("--from", help="A local list: hosts file, plain domains or adblock ||d^."),
    ],
) -> None:
    """Merge local pool lists into the user intel directory (no network is used)."""
    target = intel_mod.user_dir()
    existing = set()
    pools_file = target / "pools.txt"
    if pools_file.is_file():
        existing = set(intel_mod.read_domain_list(pools_file.read_text("utf-8")))
    bundled = intel_mod.load(use_user_dir=False).pool_domains
    added: set[str] = set()
    for path in source:
        try:
            text = path.read_text("utf-8", "replace")
        except OSError as e:
            err.print(f"[red]error:[/] cannot read {path}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
        domains = intel_mod.read_domain_list(text)
        if not domains:
            err.print(f"[red]error:[/] {path}: no domains found (hosts, plain or adblock list)")
            raise typer.Exit(EXIT_USAGE)
        added.update(d for d in domains if d not in existing and d not in bundled)
    target.mkdir(parents=True, exist_ok=True)
    merged = sorted(existing | added)
    pools_file.write_text("".join(d + "\n" for d in merged), encoding="utf-8")
    typer.echo(f"added {len(added)} domain(s); {len(merged)} local entries in {pools_file}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
