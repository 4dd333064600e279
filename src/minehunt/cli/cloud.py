"""scan image."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Optional

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
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    _size,
    err,
    scan_app,
)
from minehunt.cli.net import logs_app
from minehunt.model import Finding, Severity
from minehunt.report import Collector


@scan_app.command("image")
def scan_image_cmd(
    refs: Annotated[
        list[str],
        typer.Argument(
            help="OCI layout directory, OCI or docker-archive tar, or a local Podman/Docker "
            "image name."
        ),
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    max_file_size: Annotated[
        str, typer.Option("--max-file-size", help="Skip files in layers larger than this.")
    ] = "256M",
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--jobs", "-j", min=1, help="Scanner processes [default: one per core]."),
    ] = None,
    intel_dir: IntelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Scan container images: every file of every layer, the config and the build history."""
    from minehunt import rules
    from minehunt.cloud.image import ImageError, ImageLimits, scan_image

    intel = _load_intel(intel_dir)
    try:
        ruleset = rules.bundled()
    except rules.RulesError as e:
        sys.stderr.write(f"error: {e}\n")
        raise typer.Exit(EXIT_USAGE) from e
    limits = ImageLimits(max_file_size=_size(max_file_size, "--max-file-size"))

    unreadable: list[str] = []

    def scan(col: Collector) -> Iterator[Finding]:
        for ref in refs:
            try:
                yield from scan_image(ruleset, intel, ref, col, limits, jobs)
            except ImageError as e:
                unreadable.append(f"{ref}: {e}")
                col.skipper("image")(ref, str(e))

    report = _run("scan image", scan, quiet=quiet)
    if len(unreadable) == len(refs):
        for message in unreadable:
            err.print(f"[red]error:[/] {escape(message)}")
        raise typer.Exit(EXIT_USAGE)
    _emit(report, fmt, output, fail_on, min_severity, strict)


def _audit(provider: str, command: str, paths: list[Path], quiet: bool, **emit: Any) -> None:
    from minehunt.cloud.audit import scan_audit

    missing = [p for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]error:[/] {escape(str(missing[0]))}: no such file or directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(emit.pop("intel_dir"))
    report = _run(command, lambda col: scan_audit(intel, provider, paths, col), quiet=quiet)
    _emit(report, **emit)


@logs_app.command("cloudtrail")
def scan_cloudtrail_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="CloudTrail files (.json, .json.gz) or folders of them.")
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    intel_dir: IntelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Scan AWS CloudTrail logs for mining intrusions (GPU bursts, stolen keys ...)."""
    _audit("aws", "scan logs cloudtrail", paths, quiet, fmt=fmt, output=output, fail_on=fail_on,
           min_severity=min_severity, strict=strict, intel_dir=intel_dir)  # fmt: skip


@logs_app.command("gcp-audit")
def scan_gcp_audit_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="Cloud Audit Log exports (JSON, JSON lines, .gz).")
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    intel_dir: IntelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Scan Google Cloud audit logs for mining intrusions."""
    _audit("gcp", "scan logs gcp-audit", paths, quiet, fmt=fmt, output=output, fail_on=fail_on,
           min_severity=min_severity, strict=strict, intel_dir=intel_dir)  # fmt: skip
