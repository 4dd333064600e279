"""minehunt agent: report this host's findings to a fleet server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from minehunt.cli.common import EXIT_USAGE, _send, app, err
from minehunt.model import Severity

agent_app = typer.Typer(help="Report this host's findings to a minehunt server.")
app.add_typer(agent_app, name="agent")

ServerOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(help="Server URL, e.g. https://minehunt.example:8765"),
]
TokenFileOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(exists=True, dir_okay=False, help="File holding the enrolment token."),
]
StateDirOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(help="Credential and offline queue [default: DATA_DIR/agent]."),
]


def _required(server: str | None, token_file: Path | None) -> tuple[str, Path]:
    if server is None or token_file is None:
        err.print("[red]error:[/] --server and --token-file are required")
        raise typer.Exit(EXIT_USAGE)
    if not server.startswith(("http://", "https://")):
        err.print(f"[red]error:[/] --server {server!r}: expected an http:// or https:// URL")
        raise typer.Exit(EXIT_USAGE)
    return server, token_file


@agent_app.callback(invoke_without_command=True)
def agent_main(
    ctx: typer.Context,
    server: ServerOpt = None,
    token_file: TokenFileOpt = None,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between scans.")] = 60.0,
    memory: Annotated[bool, typer.Option(help="Also scan process memory each time.")] = False,
    iface: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Also capture live traffic on this interface (as 'watch iface')."),
    ] = None,
    once: Annotated[bool, typer.Option(help="Scan and send once, then exit.")] = False,
    state_dir: StateDirOpt = None,
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

    server, token_file = _required(server, token_file)
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
        iface=iface,
    )
    raise typer.Exit(run(opts))


@agent_app.command("send")
def agent_send(
    report: Annotated[Path, typer.Argument(help="A report from --format json ('-': stdin).")],
    server: ServerOpt = None,
    token_file: TokenFileOpt = None,
    state_dir: StateDirOpt = None,
    hostname: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Name to enrol under [default: this host's name]."),
    ] = None,
) -> None:
    """Send a one-off scan's JSON report (pcap, logs, url, files ...) to the server:
    minehunt scan pcap x.pcap -f json | minehunt agent send - --server URL --token-file F"""
    import json
    import sys

    from minehunt.model import Report

    server, token_file = _required(server, token_file)
    text = sys.stdin.read() if str(report) == "-" else report.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
        Report.from_dict(doc)  # refuse what the server would refuse, before queueing it
    except (ValueError, KeyError, TypeError) as e:
        err.print(f"[red]error:[/] {report}: not a minehunt JSON report ({e})")
        raise typer.Exit(EXIT_USAGE) from e
    raise typer.Exit(_send(doc, server, token_file, state_dir, hostname))


@agent_app.command("install")
def agent_install(
    server: ServerOpt = None,
    token_file: TokenFileOpt = None,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between scans.")] = 60.0,
    unit_dir: Annotated[Path, typer.Option(help="Where systemd units live.")] = Path(
        "/etc/systemd/system"
    ),
    state_dir: Annotated[Path, typer.Option(help="The agent's state directory.")] = Path(
        "/var/lib/minehunt/agent"
    ),
    memory: Annotated[bool, typer.Option(help="Also scan process memory.")] = False,
    iface: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Also capture live traffic on this interface."),
    ] = None,
    enable: Annotated[
        bool, typer.Option(help="Reload systemd and enable + start the unit now.")
    ] = True,
) -> None:
    """Install (and start) a systemd unit that runs the agent at boot."""
    import shutil
    import subprocess

    from minehunt.agent.install import UNIT_NAME, unit_text, write_unit

    server, token_file = _required(server, token_file)
    extra = (["--memory"] if memory else []) + (["--iface", iface] if iface else [])
    path = write_unit(unit_dir, unit_text(server, token_file, interval, state_dir, extra))
    err.print(f"wrote {path}", markup=False)
    if not enable:
        return
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        err.print("[red]error:[/] no systemctl here; start the agent another way")
        raise typer.Exit(EXIT_USAGE)
    for args in (["daemon-reload"], ["enable", "--now", UNIT_NAME]):
        r = subprocess.run([systemctl, *args], capture_output=True, text=True)
        if r.returncode != 0:
            err.print(f"[red]error:[/] systemctl {' '.join(args)}: {r.stderr.strip()}")
            raise typer.Exit(EXIT_USAGE)
    err.print(f"{UNIT_NAME} enabled and started", markup=False)
