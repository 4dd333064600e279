"""intel show, intel update."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt import intel as intel_mod
from minehunt.cli.common import (
    EXIT_USAGE,
    IntelOpt,
    _load_intel,
    err,
    intel_app,
)


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
