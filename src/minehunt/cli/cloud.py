"""scan image."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Annotated, Optional

import typer
from rich.markup import escape

from minehunt.cli.common import (
    EXIT_USAGE,
    FailOnOpt,
    FormatOpt,
    IntelOpt,
    MinSevOpt,
    OutputOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    _size,
    err,
    scan_app,
)
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

    report = _run("scan image", scan)
    if len(unreadable) == len(refs):
        for message in unreadable:
            err.print(f"[red]error:[/] {escape(message)}")
        raise typer.Exit(EXIT_USAGE)
    _emit(report, fmt, output, fail_on, min_severity, strict)
