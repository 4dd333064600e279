"""blocklist, scan exposure: prevention commands."""

from __future__ import annotations

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
    RootOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    app,
    err,
    scan_app,
)
from minehunt.model import Severity
from minehunt.prevent import BlockFormat, EntryKind, collect, render


def _kinds(text: str) -> list[EntryKind]:
    kinds = []
    for word in (w.strip().lower() for w in text.split(",") if w.strip()):
        word = {"pool": "pools", "campaign": "campaigns"}.get(word, word)
        try:
            kinds.append(EntryKind(word))
        except ValueError as e:
            err.print(f"[red]error:[/] --include {word!r}: one of pools, web, campaigns")
            raise typer.Exit(EXIT_USAGE) from e
    return kinds


@app.command("blocklist")
def blocklist(
    fmt: Annotated[BlockFormat, typer.Option("--format", "-f", help="What to generate.")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write here (a directory for chromium-extension)."),
    ] = None,
    include: Annotated[
        str, typer.Option("--include", help="Comma-separated: pools, web, campaigns.")
    ] = "pools,web,campaigns",
    intel_dir: IntelOpt = None,
) -> None:
    """Generate a blocklist for a resolver, proxy, IDS or browser from the intel."""
    intel = _load_intel(intel_dir)
    blocks = collect(intel, _kinds(include), intel_dir)
    rendered = render(blocks, fmt)
    if fmt is BlockFormat.CHROMIUM_EXTENSION:
        if output is None:
            err.print("[red]error:[/] chromium-extension needs -o DIR")
            raise typer.Exit(EXIT_USAGE)
        try:
            for rel, text in rendered.files.items():
                path = output / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        except OSError as e:
            err.print(f"[red]error:[/] cannot write {output}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
    elif output is None:
        typer.echo(rendered.text, nl=False)
    else:
        try:
            output.write_text(rendered.text, encoding="utf-8")
        except OSError as e:
            err.print(f"[red]error:[/] cannot write {output}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
    where = f" -> {output}" if output else ""
    err.print(f"minehunt blocklist: {rendered.count} {fmt.value} entries{where}", markup=False)
    for reason, n in sorted(rendered.left_out.items()):
        err.print(f"  left out {n}: {reason}", markup=False, soft_wrap=True)
    for reason, n in sorted(rendered.notes.items()):
        err.print(f"  note {n}: {reason}", markup=False, soft_wrap=True)


@scan_app.command("exposure")
def scan_exposure(
    root: RootOpt = Path("/"),
    live: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--live/--no-live",
            help="Also read this host's listening sockets [default: only when --root is /].",
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.INFO,
    strict: StrictOpt = False,
) -> None:
    """The doors miners use on this host (or a mounted disk): exposed APIs, weak SSH,
    readable cloud keys, vulnerable software. Each finding says how to close it."""
    from minehunt.prevent.exposure import audit

    if not root.is_dir():
        err.print(f"[red]error:[/] --root {root}: not a directory")
        raise typer.Exit(EXIT_USAGE)
    use_live = live if live is not None else root.resolve() == Path("/")
    report = _run(
        "scan exposure",
        lambda col: audit(root, use_live, col.skipper("exposure")),
    )
    _emit(report, fmt, output, fail_on, min_severity, strict)
