"""scan pcap, scan logs zeek|suricata, watch iface."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from minehunt.cli.common import (
    EXIT_USAGE,
    FailOnOpt,
    FormatOpt,
    IntelOpt,
    MinSevOpt,
    OutputOpt,
    QuietOpt,
    SendOpt,
    SendTokenOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    _stream_changes,
    err,
    scan_app,
    watch_app,
)
from minehunt.formats import OutputFormat, render
from minehunt.model import Finding, Report, Severity, Skipped
from minehunt.net.logs.engine import EngineName
from minehunt.report import Collector

if TYPE_CHECKING:
    from minehunt.net.logs.engine import Engine

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
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
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
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


EngineOpt = Annotated[
    EngineName,
    typer.Option("--engine", help="SQL engine: DuckDB on this machine, or Apache Spark."),
]
SparkMasterOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--spark-master",
        help="Spark master URL (local[4], spark://host:7077, yarn, k8s://...) [default: "
        "spark-submit's, else local[*]].",
    ),
]
OutputDirOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--output-dir",
        help="Also write the candidate rows (Parquet) and the findings (JSON) here; with "
        "Spark any URL it writes to (hdfs://, s3a://).",
    ),
]


def _scan_logs(
    command: str,
    engine: EngineName,
    master: str | None,
    output_dir: str | None,
    scan: Callable[[Engine, Collector], Iterable[Finding]],
    quiet: bool = False,
) -> Report:
    """Run a log scan on the chosen engine; a missing PySpark or Java is a usage error."""
    from minehunt.net.logs.engine import EngineUnavailable, open_engine

    if master and engine is not EngineName.SPARK:
        err.print("[red]error:[/] --spark-master needs --engine spark")
        raise typer.Exit(EXIT_USAGE)
    try:
        eng = open_engine(engine, master)
    except EngineUnavailable as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        raise typer.Exit(EXIT_USAGE) from e
    if output_dir is not None and "://" not in output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    try:
        report = _run(command, lambda col: scan(eng, col), quiet=quiet)
    finally:
        eng.close()
    if output_dir is not None:
        text = render(report, OutputFormat.JSON)
        if "://" in output_dir:
            from minehunt.net.logs.spark import write_text

            write_text(output_dir.rstrip("/") + "/findings.json", text)
        else:
            (Path(output_dir) / "findings.json").write_text(text)
    return report


@logs_app.command("zeek")
def scan_zeek_cmd(
    directory: Annotated[
        str,
        typer.Argument(
            help="Zeek log directory or glob (conn, dns, ssl, x509, http); Spark: any URL."
        ),
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    intel_dir: IntelOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = EngineName.DUCKDB,
    spark_master: SparkMasterOpt = None,
    output_dir: OutputDirOpt = None,
) -> None:
    """Scan Zeek logs (TSV, JSON or Parquet; gzipped and rotated files too)."""
    from minehunt.net.logs.engine import is_pattern, local_path
    from minehunt.net.logs.zeek import is_remote, scan_zeek

    if is_remote(directory) and engine is not EngineName.SPARK:
        err.print(f"[red]error:[/] {directory}: URLs need --engine spark")
        raise typer.Exit(EXIT_USAGE)
    local = local_path(directory)
    if local is not None and not is_pattern(directory) and not local.is_dir():
        err.print(f"[red]error:[/] {directory} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    report = _scan_logs(
        "scan logs zeek", engine, spark_master, output_dir,
        lambda eng, col: scan_zeek(directory, intel, col, eng, output_dir),
        quiet,
    )  # fmt: skip
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


@logs_app.command("suricata")
def scan_suricata_cmd(
    eve: Annotated[
        list[str], typer.Argument(help="Suricata EVE JSON files (.gz too); Spark: any URL.")
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    intel_dir: IntelOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = EngineName.DUCKDB,
    spark_master: SparkMasterOpt = None,
    output_dir: OutputDirOpt = None,
) -> None:
    """Scan Suricata EVE logs (dns, tls, flow, http and alert events)."""
    from minehunt.net.logs.suricata import scan_eve
    from minehunt.net.logs.zeek import is_remote

    if any(is_remote(p) for p in eve) and engine is not EngineName.SPARK:
        err.print("[red]error:[/] URLs need --engine spark")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    report = _scan_logs(
        "scan logs suricata", engine, spark_master, output_dir,
        lambda eng, col: scan_eve(eve, intel, col, eng, output_dir),
        quiet,
    )  # fmt: skip
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


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
