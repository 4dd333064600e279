"""scan files."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt.cli.common import (
    EXIT_USAGE,
    FailOnOpt,
    FormatOpt,
    MinSevOpt,
    OutputOpt,
    QuietOpt,
    SendOpt,
    SendTokenOpt,
    StrictOpt,
    _emit,
    _run,
    _size,
    err,
    scan_app,
)
from minehunt.model import Severity

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


@scan_app.command("files")
def scan_files_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files and directories to scan.")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    rules_dirs: RulesOpt = None,
    max_file_size: MaxSizeOpt = "256M",
    jobs: JobsOpt = None,
    follow_symlinks: FollowOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Scan files, directory trees and the archives in them with the YARA rules."""
    from dataclasses import replace

    from minehunt import rules
    from minehunt.files import FileScanOptions, scan_files

    for p in paths:
        if not os.path.lexists(p):
            err.print(f"[red]error:[/] {p}: no such file or directory")
            raise typer.Exit(EXIT_USAGE)

    def ruleset() -> rules.RuleSet:  # compiled while the worker processes start
        return rules.load(rules_dirs or ()) if rules_dirs else rules.bundled()

    opts = FileScanOptions(
        max_file_size=_size(max_file_size, "--max-file-size"),
        follow_symlinks=follow_symlinks,
    )
    if jobs is not None:
        opts = replace(opts, jobs=jobs)
    roots = [str(p) for p in paths]
    try:
        report = _run("scan files", lambda col: scan_files(ruleset, roots, opts, col), quiet=quiet)
    except rules.RulesError as e:
        sys.stderr.write(f"error: {e}\n")  # as is: yara-x's caret diagnostics need no wrapping
        raise typer.Exit(EXIT_USAGE) from e
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)
