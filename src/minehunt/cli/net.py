"""scan pcap, scan logs zeek|suricata, watch iface."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt.cli.common import (
    EXIT_USAGE,
    FailOnOpt,
    FormatOpt,
    IntelOpt,
    MinSevOpt,
    OutputOpt,
    QuietOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    _stream_changes,
    err,
    scan_app,
    watch_app,
)
from minehunt.model import Severity, Skipped

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
    quiet: QuietOpt = False,
) -> None:
    """Scan capture files: mining protocols, pool DNS/TLS names, encrypted mining."""
    from minehunt.net.capture.scan import scan_pcaps

    intel = _load_intel(intel_dir)
    report = _run(
        "scan pcap", lambda col: scan_pcaps(files, intel, col, frames=frames), quiet=quiet
    )
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
    quiet: QuietOpt = False,
) -> None:
    """Scan Zeek logs (TSV or JSON, gzipped and rotated files too)."""
    from minehunt.net.logs.zeek import scan_zeek

    if not directory.is_dir():
        err.print(f"[red]error:[/] {directory} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    report = _run("scan logs zeek", lambda col: scan_zeek(directory, intel, col), quiet=quiet)
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
    quiet: QuietOpt = False,
) -> None:
    """Scan Suricata EVE logs (dns, tls, flow, http and alert events)."""
    from minehunt.net.logs.suricata import scan_eve

    intel = _load_intel(intel_dir)
    report = _run("scan logs suricata", lambda col: scan_eve(eve, intel, col), quiet=quiet)
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
    buffer_size: Annotated[
        int,
        typer.Option(
            "--buffer-size", min=1, help="Kernel capture buffer in MiB (drops are reported)."
        ),
    ] = 32,
    intel_dir: IntelOpt = None,
) -> None:
    """Capture live traffic; print new or changed findings as JSON lines.

    "capturing on IFACE" on stderr says the capture is live; packets the kernel drops are
    reported as `{"type": "skipped", ...}` lines and on stderr.
    """
    from minehunt.net.capture.live import CaptureDenied, watch_interface

    intel = _load_intel(intel_dir)

    def ready() -> None:
        err.print(f"minehunt watch iface: capturing on {iface}")

    def skipped(s: Skipped) -> None:
        err.print(f"[yellow]skipped[/] {s.target}: {s.reason}")
        line = json.dumps({"type": "skipped", **dataclasses.asdict(s)}, separators=(",", ":"))
        if output:
            with open(output, "a", encoding="utf-8") as sink:
                sink.write(line + "\n")
        else:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    try:
        _stream_changes(
            output,
            watch_interface(
                iface,
                intel,
                min_severity=min_severity,
                duration=duration,
                count=count,
                buffer_bytes=buffer_size << 20,
                on_ready=ready,
                on_skip=skipped,
            ),
        )
    except CaptureDenied as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e
