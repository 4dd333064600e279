"""scan router, router sinkhole."""

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
    SendOpt,
    SendTokenOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    app,
    err,
    scan_app,
)
from minehunt.model import Finding, Severity
from minehunt.report import Collector

router_app = typer.Typer(help="Tools for MikroTik RouterOS admins.", no_args_is_help=True)
app.add_typer(router_app, name="router")


def _usage(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(EXIT_USAGE)


def _hosts(args: list[str], targets: Path | None) -> list[tuple[str, int | None]]:
    """host, host:port, [v6]:port from arguments and a targets file (# comments)."""
    raw = list(args)
    if targets is not None:
        try:
            text = targets.read_text("utf-8")
        except OSError as e:
            raise _usage(f"cannot read --targets {targets}: {e.strerror or e}") from e
        raw += [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    out: list[tuple[str, int | None]] = []
    for item in filter(None, raw):
        host, port = item, None
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port_text = rest.lstrip(":")
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
        else:
            port_text = ""
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise _usage(f"bad port in target {item!r}")
            port = int(port_text)
        out.append((host, port))
    return out


@scan_app.command("router")
def scan_router_cmd(
    hosts: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Devices to read: HOST or HOST:PORT (with --ssh or --api)."),
    ] = None,
    export: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--export", "-e", help="RouterOS /export or /export verbose file."),
    ] = None,
    api: Annotated[bool, typer.Option("--api", help="Read devices over the RouterOS API.")] = False,
    ssh: Annotated[bool, typer.Option("--ssh", help="Read devices over SSH (default).")] = False,
    user: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--user", "-u", help="Login name on the devices."),
    ] = None,
    password_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--password-file", help="File whose first line is the password."),
    ] = None,
    key_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--key-file", help="SSH private key (--ssh)."),
    ] = None,
    port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--port", min=1, max=65535, help="Port [default: 22, 8728, 8729 --tls]."),
    ] = None,
    tls: Annotated[bool, typer.Option("--tls", help="API over TLS (api-ssl).")] = False,
    ca_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ca-file", help="Verify the API-SSL certificate against this CA."),
    ] = None,
    known_hosts: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--known-hosts", help="Verify SSH host keys against this file."),
    ] = None,
    targets: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--targets", help="File with one device per line (HOST or HOST:PORT)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=1.0, max=600.0, help="Seconds for login and each command.")
    ] = 20.0,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Devices read at once.")] = 8,
    expected_user: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--expected-user", help="A user that should exist (repeatable)."),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    intel_dir: IntelOpt = None,
) -> None:
    """Audit MikroTik RouterOS exports or live devices for the cryptojacking campaigns'
    changes and the weak points they used. Read-only: nothing on a device is changed."""
    from minehunt.router.live import Login, Method
    from minehunt.router.scan import scan_devices, scan_exports

    if api and ssh:
        raise _usage("choose one of --api and --ssh")
    devices = _hosts(hosts or [], targets)
    if not devices and not export:
        raise _usage("give --export FILE or a device (HOST with --ssh/--api, or --targets)")
    logins: list[Login] = []
    if devices:
        if not user:
            raise _usage("--user is required to read a device")
        password = ""
        if password_file is not None:
            try:
                lines = password_file.read_text("utf-8").splitlines()
            except OSError as e:
                raise _usage(f"cannot read --password-file: {e.strerror or e}") from e
            password = lines[0] if lines else ""
        method = Method.API if api else Method.SSH
        if method is Method.API and key_file is not None:
            raise _usage("--key-file works with --ssh only")
        if tls and method is not Method.API:
            raise _usage("--tls works with --api only")
        default_port = 22 if method is Method.SSH else (8729 if tls else 8728)
        if method is Method.SSH and known_hosts is None:
            err.print("warning: SSH host keys are not verified (use --known-hosts)")
        if tls and ca_file is None:
            err.print("warning: the API-SSL certificate is not verified (use --ca-file)")
        for host, hport in devices:
            logins.append(
                Login(
                    host=host,
                    user=user,
                    method=method,
                    port=hport or port or default_port,
                    password=password,
                    key_file=str(key_file) if key_file else None,
                    tls=tls,
                    ca_file=str(ca_file) if ca_file else None,
                    known_hosts=str(known_hosts) if known_hosts else None,
                    timeout=timeout,
                )
            )
    intel = _load_intel(intel_dir)
    expected = tuple(expected_user or ())

    def scan(col: Collector) -> list[Finding]:
        found = list(scan_exports([str(p) for p in export or ()], intel, col, expected))
        if logins:
            found += scan_devices(logins, intel, col, expected, concurrency)
        return found

    report = _run("scan router", scan)
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


@router_app.command("sinkhole")
def router_sinkhole_cmd(
    output: OutputOpt = None,
    routeros: Annotated[
        int, typer.Option("--routeros", min=6, max=7, help="RouterOS major version (6 or 7).")
    ] = 7,
    address: Annotated[
        str, typer.Option("--address", help="Address the pool names resolve to.")
    ] = "0.0.0.0",
    intel_dir: IntelOpt = None,
) -> None:
    """Write a RouterOS /ip dns static script that sinks every mining-pool domain."""
    import ipaddress

    from minehunt.router.sinkhole import sinkhole_script

    try:
        ipaddress.ip_address(address)
    except ValueError as e:
        raise _usage(f"--address {address!r} is not an IP address") from e
    text = sinkhole_script(_load_intel(intel_dir), routeros=routeros, address=address)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise _usage(f"cannot write {output}: {e.strerror or e}") from e
    err.print(f"wrote {output}", markup=False)
