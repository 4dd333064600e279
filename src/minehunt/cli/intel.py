"""intel show, intel update, intel subscribe, intel status."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt import intel as intel_mod
from minehunt.cli.common import (
    EXIT_INCOMPLETE,
    EXIT_USAGE,
    IntelOpt,
    _load_intel,
    _size,
    err,
    intel_app,
)
from minehunt.intel.lists import ListResult, parse_list
from minehunt.intel.store import MergeReport, merge, read_tagged
from minehunt.intel.subscribe import (
    KNOWN_LISTS,
    FetchError,
    Subscription,
    fetch,
    load_state,
    save_state,
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


def _report_list(label: str, result: ListResult, rep: MergeReport) -> None:
    """One summary line on stdout, then why entries were skipped or not added (stderr)."""
    typer.echo(
        f"{label}: {result.lines} line(s); added {rep.added['domains']} domain(s), "
        f"{rep.added['url rules']} URL rule(s), {rep.added['networks']} network(s)"
    )
    for reason, n in sorted(rep.known.items()):
        if n:
            err.print(f"  not added {n}: {reason}", markup=False, soft_wrap=True)
    for skip, n in sorted(result.skipped.items(), key=lambda kv: kv[0].value):
        err.print(f"  skipped {n}: {skip.value}", markup=False, soft_wrap=True)


KindOpt = Annotated[
    str, typer.Option("--kind", help="What the list's domains are: pools, web or campaigns.")
]


def _check_kind(kind: str) -> str:
    if kind not in ("pools", "web", "campaigns"):
        err.print(f"[red]error:[/] --kind {kind!r}: one of pools, web, campaigns")
        raise typer.Exit(EXIT_USAGE)
    return kind


@intel_app.command("update")
def intel_update(
    source: Annotated[
        list[Path],
        typer.Option(
            "--from",
            help="A local list: hosts, plain domains, adblock, dnsmasq, unbound, RPZ or IP/CIDR.",
        ),
    ],
    kind: KindOpt = "pools",
) -> None:
    """Merge local block lists into the user intel directory (no network is used)."""
    _check_kind(kind)
    target = _user_dir()
    bundled = intel_mod.load(use_user_dir=False)
    total = 0
    for path in source:
        try:
            with path.open(encoding="utf-8", errors="replace") as f:
                result = parse_list(f)
        except OSError as e:
            err.print(f"[red]error:[/] cannot read {path}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
        if result.entries == 0:
            _report_list(str(path), result, MergeReport())
            err.print(f"[red]error:[/] {path}: no domains, URL rules or networks found")
            raise typer.Exit(EXIT_USAGE)
        rep = merge(result, f"file:{path.resolve()}", kind, bundled, target)
        _report_list(str(path), result, rep)
        total += rep.added["domains"]
    typer.echo(f"added {total} domain(s) in total; user intel in {target}")


@intel_app.command("subscribe")
def intel_subscribe(
    lists: Annotated[
        list[str],
        typer.Argument(help=f"Built-in list names ({', '.join(KNOWN_LISTS)}) or https:// URLs."),
    ],
    kind: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--kind", help="For a URL: pools, web or campaigns [default: pools]."),
    ] = None,
    ca_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ca-file", help="Trust this CA bundle (else $MINEHUNT_CA_BUNDLE/system)."),
    ] = None,
    max_size: Annotated[str, typer.Option("--max-size", help="Largest list accepted.")] = "32M",
) -> None:
    """Fetch public mining block lists over HTTPS now and merge them (cached, verified)."""
    target = _user_dir()
    state = load_state(target)
    limit = _size(max_size, "--max-size")
    ca = str(ca_file) if ca_file else os.environ.get("MINEHUNT_CA_BUNDLE")
    bundled = intel_mod.load(use_user_dir=False)
    failed = 0
    for item in lists:
        known = KNOWN_LISTS.get(item)
        if known:
            sub = state.get(known.name) or Subscription(
                known.name, known.url, known.kind, known.licence
            )
        elif item.startswith("https://"):
            name = re.sub(r"[^A-Za-z0-9.-]+", "_", item.split("://", 1)[1]).strip("_")[:80]
            sub = state.get(name) or Subscription(name, item, _check_kind(kind or "pools"))
        else:
            err.print(
                f"[red]error:[/] {item!r}: not a built-in list ({', '.join(KNOWN_LISTS)}) "
                "nor an https:// URL"
            )
            raise typer.Exit(EXIT_USAGE)
        try:
            result, changed = fetch(sub, target / "cache" / f"{sub.name}.txt", ca_file=ca,
                                    max_bytes=limit)  # fmt: skip
        except FetchError as e:
            err.print(f"[red]error:[/] {sub.name}: {e}", soft_wrap=True)
            failed += 1
            continue
        rep = merge(result, sub.name, sub.kind, bundled, target)
        sub.entries, sub.skipped = result.entries, sum(result.skipped.values())
        state[sub.name] = sub
        how = "changed" if changed else "unchanged"
        _report_list(f"{sub.name} ({how}, {sub.licence or 'licence unknown'})", result, rep)
    save_state(target, state)
    if failed:
        raise typer.Exit(EXIT_USAGE if failed == len(lists) else EXIT_INCOMPLETE)


def _age(ts: float) -> str:
    if not ts:
        return "never"
    secs = max(0.0, time.time() - ts)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{int(secs // size)}{unit} ago"
    return f"{int(secs)}s ago"


_NO_HOME = "no home directory to keep it in: set MINEHUNT_INTEL_DIR"


def _user_dir() -> Path:
    """The user intel directory, or a usage error where there is none."""
    target = intel_mod.user_dir()
    if target is None:
        err.print(f"[red]error:[/] user intel: {_NO_HOME}", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    return target


@intel_app.command("status")
def intel_status() -> None:
    """Where the intel comes from: bundled, merged lists and subscriptions, counts, ages."""
    bundled = intel_mod.load(use_user_dir=False)
    typer.echo(f"bundled: {len(bundled.pool_domains)} pool/miner domain(s)")
    target = intel_mod.user_dir()
    if target is None:
        typer.echo(f"user intel: none ({_NO_HOME})")
        return
    typer.echo(f"user intel: {target}")
    per_source: Counter[str] = Counter()
    for fname in ("pools.txt", "urls.txt", "networks.txt"):
        for source in read_tagged(target / fname).values():
            per_source[f"{source} ({fname.removesuffix('.txt')})"] += 1
    for label, n in sorted(per_source.items()):
        typer.echo(f"  {label}: {n}")
    state = load_state(target)
    if state:
        typer.echo("subscriptions:")
    for sub in state.values():
        typer.echo(
            f"  {sub.name}: {sub.entries} entries, fetched {_age(sub.fetched)}, "
            f"changed {_age(sub.changed)}, {sub.licence or 'licence unknown'}, {sub.url}"
        )
    if not per_source and not state:
        typer.echo("  (nothing merged: minehunt intel update --from FILE | intel subscribe NAME)")
