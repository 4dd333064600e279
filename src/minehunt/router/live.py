"""Reading a live RouterOS device, read-only: SSH (``/export verbose`` plus ``print``
commands, through asyncssh) or the RouterOS API (``print`` of each audited menu, through
librouteros). Neither path ever sends a command that changes the device.

Credentials stay in the :class:`Login` object: they are never logged, never part of an
error message and never written to a report.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from minehunt.router.model import Action, Entry, Note, RouterConfig, menu_name
from minehunt.router.parse import build_config, parse_export, parse_print

__all__ = ["DeviceError", "Login", "Method", "fetch"]

log = logging.getLogger("minehunt.router")
# librouteros logs every API word, the login password included, at DEBUG: keep it quiet
# whatever logging the embedding program configures.
logging.getLogger("librouteros").setLevel(logging.WARNING)
logging.getLogger("asyncssh").setLevel(logging.WARNING)


class Method(enum.StrEnum):
    """How to reach the device."""

    SSH = "ssh"
    API = "api"


class DeviceError(Exception):
    """The device could not be read; the message is safe to show (no credentials)."""


@dataclass(frozen=True)
class Login:
    """Where and as whom to log in. ``repr`` hides the secrets."""

    host: str
    user: str
    method: Method
    port: int
    password: str = field(default="", repr=False)
    key_file: str | None = None
    tls: bool = False
    ca_file: str | None = None
    known_hosts: str | None = None
    timeout: float = 20.0

    @property
    def url(self) -> str:
        scheme = "api-ssl" if self.method is Method.API and self.tls else self.method.value
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


# Read-only commands for SSH, and the menu each answers for.
SSH_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/system resource print", "/system resource"),
    ("/user print detail without-paging", "/user"),
    ("/user active print detail without-paging", "/user active"),
    ("/file print detail without-paging", "/file"),
    ("/ip dns cache print detail without-paging", "/ip dns cache"),
)
EXPORT_COMMAND = "/export verbose"

# Menus the API path prints (the API has no /export that leaves the device untouched).
API_MENUS: tuple[str, ...] = (
    "/system/resource",
    "/ip/proxy",
    "/ip/proxy/access",
    "/ip/socks",
    "/ip/socks/access",
    "/ip/firewall/nat",
    "/ip/firewall/filter",
    "/system/scheduler",
    "/system/script",
    "/ip/dns",
    "/ip/dns/static",
    "/ip/dns/cache",
    "/user",
    "/user/group",
    "/user/active",
    "/file",
    "/ip/service",
    "/interface/list/member",
    "/ip/dhcp-client",
    "/interface/pppoe-client",
)


def fetch(
    login: Login,
    keep: Callable[[str], bool],
    on_entry: Callable[[Entry], None] | None = None,
) -> RouterConfig:
    """Read the device; DeviceError (with a safe message) if it cannot be read at all."""
    if login.method is Method.SSH:
        return asyncio.run(_ssh(login, keep, on_entry))
    return _api(login, keep, on_entry)


# -- SSH ---------------------------------------------------------------------------------
async def _ssh(
    login: Login, keep: Callable[[str], bool], on_entry: Callable[[Entry], None] | None
) -> RouterConfig:
    import asyncssh

    where = login.url
    try:
        conn = await asyncssh.connect(
            login.host,
            port=login.port,
            username=login.user,
            # No key: send the password even when empty (RouterOS ships admin without one).
            password=login.password if login.password or not login.key_file else None,
            client_keys=[login.key_file] if login.key_file else None,
            known_hosts=login.known_hosts,
            connect_timeout=login.timeout,
            login_timeout=login.timeout,
            agent_path=None,
            config=None,
            preferred_auth=("publickey", "password") if login.key_file else ("password",),
        )
    except asyncssh.PermissionDenied as e:
        raise DeviceError(f"{where}: login refused for user {login.user!r}") from e
    except asyncssh.HostKeyNotVerifiable as e:
        raise DeviceError(f"{where}: host key not in {login.known_hosts}") from e
    except TimeoutError as e:
        raise DeviceError(f"{where}: timed out after {login.timeout:g}s connecting") from e
    except (OSError, asyncssh.Error) as e:
        raise DeviceError(f"{where}: cannot connect: {_reason(e)}") from e
    notes: list[Note] = []
    items: list[Entry | Note] = []
    async with conn:
        export = await _run(conn, login, EXPORT_COMMAND)
        items.extend(parse_export(export.splitlines()))
        for command, menu in SSH_COMMANDS:
            try:
                text = await _run(conn, login, command)
            except DeviceError as e:
                notes.append(Note(None, reason=str(e).removeprefix(f"{where}: ")))
                continue
            if menu == "/system resource":
                resource = _key_colon_value(text)
                if resource:
                    items.append(Entry(menu, Action.SET, resource, None, None, ""))
            elif _looks_like_error(text):
                notes.append(Note(None, reason=f"{menu} print: {text.strip()[:120]}"))
            elif menu == "/file":
                items.extend(await _with_contents(conn, login, parse_print(text, menu), notes))
            else:
                items.extend(parse_print(text, menu))
    config = build_config(where, items, keep, on_entry, live=True)
    return _with_notes(config, notes)


_PAGE = re.compile(r"(?i)^(?:flash/)?(?:webproxy|hotspot)/.*\.(?:html?|js)$")
MAX_PAGES = 32


async def _with_contents(
    conn: object, login: Login, rows: Iterable[Entry | Note], notes: list[Note]
) -> list[Entry | Note]:
    """RouterOS 7 no longer prints file contents: read the pages a proxy or hotspot serves
    (webproxy/, hotspot/) with ``:put [/file get ... contents]``, which changes nothing."""
    out: list[Entry | Note] = []
    asked = 0
    for row in rows:
        if (
            isinstance(row, Entry)
            and "contents" not in row.props
            and _PAGE.match(row.name)
            and asked < MAX_PAGES
        ):
            asked += 1
            name = row.name.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
            command = f':put [/file get [find name="{name}"] contents]'
            try:
                text = await _run(conn, login, command)
            except DeviceError as e:
                notes.append(Note(None, reason=str(e).removeprefix(f"{login.url}: ")))
            else:
                if not _looks_like_error(text):
                    row = replace(row, props={**row.props, "contents": text})
        out.append(row)
    return out


async def _run(conn: object, login: Login, command: str) -> str:
    import asyncssh

    assert isinstance(conn, asyncssh.SSHClientConnection)
    where = login.url
    try:
        result = await asyncio.wait_for(conn.run(command, check=False), timeout=login.timeout)
    except TimeoutError as e:
        raise DeviceError(f"{where}: {command!r} timed out after {login.timeout:g}s") from e
    except (OSError, asyncssh.Error) as e:
        raise DeviceError(f"{where}: connection lost during {command!r}: {_reason(e)}") from e
    if result.exit_status is None and result.exit_signal is None:
        raise DeviceError(f"{where}: the device closed the connection during {command!r}")
    if result.exit_signal is not None:
        raise DeviceError(f"{where}: {command!r} was killed ({result.exit_signal[0]})")
    out = result.stdout
    text = out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out or "")
    if result.exit_status:
        err = result.stderr
        msg = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err or "")
        raise DeviceError(
            f"{where}: {command!r} failed (exit {result.exit_status}): "
            f"{(msg or text).strip()[:160]}"
        )
    return text


def _key_colon_value(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            out[key.strip().lower()] = value.strip()
    return out


def _looks_like_error(text: str) -> bool:
    t = text.strip().lower()
    return t.startswith(("bad command", "syntax error", "expected ", "no such command", "failure"))


def _reason(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text.splitlines()[0][:160]


def _with_notes(config: RouterConfig, notes: list[Note]) -> RouterConfig:
    if not notes:
        return config
    return replace(config, skipped=(*config.skipped, *notes))


# -- API ---------------------------------------------------------------------------------
def _api(
    login: Login, keep: Callable[[str], bool], on_entry: Callable[[Entry], None] | None
) -> RouterConfig:
    import librouteros
    from librouteros.exceptions import ConnectionClosed, LibRouterosError, TrapError

    where = login.url
    wrapper = None
    if login.tls:
        ctx = ssl.create_default_context(cafile=login.ca_file)
        if login.ca_file is None:
            # RouterOS API-SSL certificates are usually self-signed; without --ca-file the
            # channel is encrypted but the device is not authenticated (said on stderr).
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        host = login.host

        def wrap(sock: socket.socket) -> socket.socket:
            return ctx.wrap_socket(sock, server_hostname=host)

        wrapper = wrap
    try:
        api = librouteros.connect(
            login.host,
            login.user,
            login.password,
            port=login.port,
            timeout=login.timeout,
            ssl_wrapper=wrapper,
            encoding="utf-8",
            login_method=_api_login,
        )
    except TrapError as e:
        raise DeviceError(f"{where}: login refused for user {login.user!r}: {e}") from e
    except TimeoutError as e:
        raise DeviceError(f"{where}: timed out after {login.timeout:g}s logging in") from e
    except ssl.SSLError as e:
        raise DeviceError(f"{where}: TLS failed: {_reason(e)}") from e
    except ConnectionClosed as e:
        raise DeviceError(f"{where}: the device closed the connection during login") from e
    except (OSError, LibRouterosError) as e:
        raise DeviceError(f"{where}: cannot connect: {_reason(e)}") from e
    notes: list[Note] = []
    items: list[Entry | Note] = []
    try:
        for path in API_MENUS:
            try:
                rows = list(api.path(*path.strip("/").split("/")))
            except TrapError as e:
                notes.append(Note(None, reason=f"{path}/print refused: {e}"))
                continue
            items.extend(_api_entries(path, rows))
    except TimeoutError as e:
        raise DeviceError(f"{where}: timed out after {login.timeout:g}s reading {path}") from e
    except ConnectionClosed as e:
        raise DeviceError(f"{where}: the device closed the connection reading {path}") from e
    except (OSError, LibRouterosError) as e:
        raise DeviceError(f"{where}: reading {path} failed: {_reason(e)}") from e
    finally:
        api.close()
    config = build_config(where, items, keep, on_entry, live=True)
    return _with_notes(config, notes)


def _api_login(api: object, username: str, password: str) -> None:
    """Plain login (6.43+); falls back to the challenge login older RouterOS answers with."""
    from librouteros.login import encode_password

    rows = tuple(api("/login", name=username, password=password))  # type: ignore[operator]
    if rows and "ret" in rows[0]:
        response = encode_password(str(rows[0]["ret"]), password)
        tuple(api("/login", name=username, response=response))  # type: ignore[operator]


def _api_value(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _api_entries(path: str, rows: list[dict[str, object]]) -> Iterator[Entry]:
    menu = menu_name(path)
    for row in rows:
        props = {k: _api_value(v) for k, v in row.items()}
        action = Action.ADD if ".id" in props else Action.SET
        text = " ".join(f"{k}={v}" for k, v in props.items() if k != "contents")
        yield Entry(menu, action, props, None, props.get(".id"), text[:240])
