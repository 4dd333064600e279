"""minehunt agent: report this host's findings to a fleet server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt.cli.common import EXIT_USAGE, app, err
from minehunt.model import Severity

agent_app = typer.Typer(help="Report this host's findings to a minehunt server.")
app.add_typer(agent_app, name="agent")


@agent_app.callback(invoke_without_command=True)
def agent_main(
    ctx: typer.Context,
    server: Annotated[str, typer.Option(help="Server URL, e.g. https://minehunt.example:8765")],
    token_file: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, help="File holding the enrolment token."),
    ],
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between scans.")] = 60.0,
    memory: Annotated[bool, typer.Option(help="Also scan process memory each time.")] = False,
    once: Annotated[bool, typer.Option(help="Scan and send once, then exit.")] = False,
    state_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Credential and offline queue [default: DATA_DIR/agent]."),
    ] = None,
    hostname: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Name to enrol under [default: this host's name]."),
    ] = None,
    min_severity: Annotated[
        Severity, typer.Option("--min-severity", help="Send findings at or above this.")
    ] = Severity.LOW,
    max_queue: Annotated[
        int, typer.Option(min=1, help="Reports kept while the server is away.")
    ] = 10_000,
    ca_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(exists=True, dir_okay=False, help="CA bundle for a private server cert."),
    ] = None,
    cpu_window: Annotated[
        float, typer.Option(min=0.0, max=60.0, help="Seconds of CPU sampling per scan.")
    ] = 0.5,
    retry_cap: Annotated[
        float, typer.Option(min=1.0, help="Longest wait between retries, seconds.")
    ] = 300.0,
) -> None:
    """Scan this host every INTERVAL seconds and send new or changed findings to SERVER."""
    if ctx.invoked_subcommand is not None:
        return
    from minehunt.agent import AgentOptions, run
    from minehunt.server.paths import data_dir

    if not server.startswith(("http://", "https://")):
        err.print(f"[red]error:[/] --server {server!r}: expected an http:// or https:// URL")
        raise typer.Exit(EXIT_USAGE)
    opts = AgentOptions(
        server=server,
        token_file=token_file,
        state_dir=state_dir or data_dir() / "agent",
        interval=interval,
        once=once,
        memory=memory,
        hostname=hostname or "",
        min_severity=min_severity,
        max_queue=max_queue,
        ca_file=ca_file,
        retry_cap=retry_cap,
        cpu_window=cpu_window,
    )
    raise typer.Exit(run(opts))
