"""minehunt server: run the fleet server; manage its tokens, users and prices."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from minehunt.cli.common import EXIT_USAGE, app, err

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

server_app = typer.Typer(
    help="The fleet server: agents report into it, administrators use its dashboard."
)
token_app = typer.Typer(help="Agent enrolment tokens.")
user_app = typer.Typer(help="Dashboard users.")
prices_app = typer.Typer(help="Coin prices for the trend page.")
app.add_typer(server_app, name="server")
server_app.add_typer(token_app, name="token")
server_app.add_typer(user_app, name="user")
server_app.add_typer(prices_app, name="prices")

DbOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--db",
        envvar="MINEHUNT_DB",
        help="Database URL: sqlite:///PATH or postgresql://USER@HOST/DB "
        "[default: SQLite in the user's data directory].",
    ),
]


def _database(url: str | None):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from minehunt.server.db import Database, default_url

    try:
        return Database(url or default_url())
    except SQLAlchemyError as e:
        err.print(f"[red]error:[/] cannot open the database: {e.__class__.__name__}: {e.args[0]}")
        raise typer.Exit(EXIT_USAGE) from e


@server_app.callback(invoke_without_command=True)
def server_main(
    ctx: typer.Context,
    db: DbOpt = None,
    listen: Annotated[str, typer.Option(help="Address and port to listen on.")] = (
        "127.0.0.1:8765"
    ),
    tls_cert: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--tls-cert", exists=True, dir_okay=False, help="TLS certificate (PEM)."),
    ] = None,
    tls_key: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--tls-key", exists=True, dir_okay=False, help="TLS private key (PEM)."),
    ] = None,
    max_body: Annotated[str, typer.Option(help="Largest request body accepted.")] = "1M",
    agent_rate: Annotated[
        float, typer.Option(min=0.01, help="Requests per second per agent after its burst.")
    ] = 5.0,
    agent_burst: Annotated[int, typer.Option(min=1, help="Requests an agent may burst.")] = 60,
    alerts: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(exists=True, dir_okay=False, help="Alert rules (TOML, see docs/fleet.md)."),
    ] = None,
) -> None:
    """Run the server (API + dashboard) until stopped; migrates the database first."""
    ctx.obj = db
    if ctx.invoked_subcommand is not None:
        return
    from minehunt.cli.common import _size
    from minehunt.server.app import ServerOptions, serve
    from minehunt.server.db import default_url

    if (tls_cert is None) != (tls_key is None):
        err.print("[red]error:[/] --tls-cert and --tls-key go together")
        raise typer.Exit(EXIT_USAGE)
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        err.print(f"[red]error:[/] --listen {listen!r}: expected HOST:PORT")
        raise typer.Exit(EXIT_USAGE)
    opts = ServerOptions(
        db_url=db or default_url(),
        max_body=_size(max_body, "--max-body"),
        agent_rate=agent_rate,
        agent_burst=agent_burst,
        secure_cookies=tls_cert is not None,
        alerts=alerts,
    )
    if alerts is not None:
        from minehunt.server.alerts import AlertConfigError, load_rules

        try:
            load_rules(alerts)
        except AlertConfigError as e:
            err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from e
    _database(opts.db_url).close()  # migrate (and fail on a bad URL) before binding
    from sqlalchemy import make_url

    shown_db = make_url(opts.db_url).render_as_string(hide_password=True)
    scheme = "https" if tls_cert else "http"
    err.print(f"minehunt server on {scheme}://{listen} (database {shown_db})", markup=False)
    serve(opts, host.strip("[]"), int(port), tls_cert, tls_key)


def _db_url(ctx: typer.Context, db: str | None) -> str | None:
    return db or (ctx.parent.parent.obj if ctx.parent and ctx.parent.parent else None)


@contextlib.contextmanager
def _session(ctx: typer.Context, db: str | None) -> Iterator[Session]:
    """A session of the database the command names (or the default), closed after."""
    database = _database(_db_url(ctx, db))
    try:
        with database.session() as s:
            yield s
    finally:
        database.close()


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the token (e.g. the host or group).")],
    expires: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Expire unused after this long: 30m, 12h, 7d [default: never]."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Print a one-time enrolment token for one agent (only this once)."""
    from minehunt.server import auth

    try:
        ttl = auth.parse_duration(expires) if expires else None
    except ValueError as e:
        err.print(f"[red]error:[/] --expires {e}")
        raise typer.Exit(EXIT_USAGE) from e
    try:
        with _session(ctx, db) as s:
            secret = auth.create_token(s, name, ttl)
    except auth.AuthError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e
    typer.echo(secret)
    err.print(f"token {name!r} created; put it in the agent's --token-file", markup=False)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The token's name.")],
    db: DbOpt = None,
) -> None:
    """Revoke a token and every agent credential enrolled with it."""
    from minehunt.server import auth

    try:
        with _session(ctx, db) as s:
            n = auth.revoke_token(s, name)
    except auth.AuthError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e
    err.print(f"token {name!r} revoked with {n} agent credential(s)", markup=False)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer (read) or admin (also triage).")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Add a dashboard user (or reset an existing user's password and role)."""
    from minehunt.server import auth
    from minehunt.server.models import Role

    try:
        r = Role(role)
    except ValueError as e:
        err.print(f"[red]error:[/] --role {role!r}: viewer or admin")
        raise typer.Exit(EXIT_USAGE) from e
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        err.print("[red]error:[/] the password needs at least 8 characters")
        raise typer.Exit(EXIT_USAGE)
    with _session(ctx, db) as s:
        auth.add_user(s, name, password, r)
    err.print(f"user {name!r} ({r.value}) saved", markup=False)


@prices_app.command("import")
def prices_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: date, close.")],
    symbol: Annotated[str, typer.Option(help="What the prices are of.")] = "XMR",
    db: DbOpt = None,
) -> None:
    """Import daily closing prices (CoinGecko, Yahoo, CoinMarketCap or date,close CSV)."""
    from minehunt.server import trend

    try:
        prices = trend.read_prices(file)
    except (trend.PriceFileError, OSError, UnicodeDecodeError) as e:
        err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from e
    with _session(ctx, db) as s:
        n = trend.import_prices(s, symbol, prices)
    first, last = (prices[0][0], prices[-1][0]) if prices else ("-", "-")
    err.print(f"{n} {symbol} price(s) imported, {first} to {last}", markup=False)


policy_app = typer.Typer(help="Standing approvals for response actions agents run.")
server_app.add_typer(policy_app, name="policy")
PolicyName = Annotated[str, typer.Argument(metavar="auto-approve", help="The policy.")]


def _policy_name(name: str) -> None:
    from minehunt.server.responses import AUTO_APPROVE

    if name != AUTO_APPROVE:
        err.print(f"[red]error:[/] no policy {escape(name)!r}; the one policy is {AUTO_APPROVE}")
        raise typer.Exit(EXIT_USAGE)


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    name: PolicyName,
    min_severity: Annotated[
        str, typer.Option("--min-severity", help="Findings at or above this severity.")
    ] = "high",
    checks: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--checks", help="Only these check IDs (globs, repeatable) [default: all]."),
    ] = None,
    action: Annotated[
        str, typer.Option(help="What the agent does: respond, quarantine, kill or suspend.")
    ] = "respond",
    db: DbOpt = None,
) -> None:
    """Approve ACTION in advance for every new finding the policy matches: the host's agent
    runs it at its next contact, without an admin's click."""
    from minehunt.model import Severity
    from minehunt.server import responses
    from minehunt.server.models import ResponseAction

    _policy_name(name)
    try:
        sev, act = Severity(min_severity), ResponseAction(action)
    except ValueError as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        raise typer.Exit(EXIT_USAGE) from e
    globs = [g for c in checks or () for g in c.split(",") if g.strip()]
    with _session(ctx, db) as s:
        responses.set_policy(s, act, sev, globs, _operator())
    which = ", ".join(globs) if globs else "every check"
    err.print(
        f"{name}: {act.value} runs without approval on new findings at or above "
        f"{sev.value} ({which})",
        markup=False,
        soft_wrap=True,
    )


@policy_app.command("clear")
def policy_clear(ctx: typer.Context, name: PolicyName, db: DbOpt = None) -> None:
    """Remove the policy: every response waits for an admin's approval again."""
    from minehunt.server import responses

    _policy_name(name)
    with _session(ctx, db) as s:
        had = responses.clear_policy(s)
    err.print(f"{name} {'cleared' if had else 'was not set'}", markup=False)


@policy_app.command("show")
def policy_show(ctx: typer.Context, db: DbOpt = None) -> None:
    """Print the policy in force (nothing: every response waits for approval)."""
    import json

    from minehunt.server import responses

    with _session(ctx, db) as s:
        p = responses.policy(s)
    if p is None:
        err.print("no policy: every response waits for an admin's approval")
        return
    doc = {
        "name": responses.AUTO_APPROVE,
        "action": p.action.value,
        "min_severity": p.min_severity.value,
        "checks": list(p.checks),
        "set_by": p.updated_by,
    }
    typer.echo(json.dumps(doc))


def _operator() -> str:
    import getpass

    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):
        return "cli"
