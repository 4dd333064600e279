"""RouterOS console text -> entries: ``/export`` and ``/export verbose`` of 6.x and 7.x, and
the ``print`` output of a live device.

The parser streams: it yields one :class:`Entry` per command and a :class:`Note` for header
facts and for every line it cannot read, so a truncated or partly garbled export still has
the rest of its lines checked. Export grammar, as RouterOS writes it:

- a menu line (``/ip firewall nat`` or ``/ip/firewall/nat``), then commands for that menu
  (``add ...``, ``set [ find name=x ] ...``, ``set telnet disabled=yes``); terse exports put
  the menu and the command on one line;
- a line ending in an odd number of backslashes continues on the next, whose leading blanks
  are dropped (also inside quoted strings);
- quoted strings escape ``\\" \\\\ \\n \\r \\t \\$ \\? \\_`` and bytes as ``\\HH``;
- ``#`` lines are comments; the first ones carry ``by RouterOS x.y``, ``software id`` and
  ``model``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from minehunt.router.model import Action, Entry, Note, RouterConfig, menu_name

__all__ = [
    "MAX_LINE",
    "ParseError",
    "Token",
    "build_config",
    "parse_export",
    "parse_print",
    "read_export",
    "tokenize",
]

MAX_LINE = 1 << 20
"""A continued command longer than this (1 MiB) is skipped: no real export has one. A line
is never read whole beyond it, so a file without newlines costs no more memory."""
MAX_ENTRIES = 1_000_000
"""Entries of the checked menus kept per export (DNS static lists of ad blockers run to a few
hundred thousand); those after it are noted and not checked."""
MAX_NOTES = 1000
"""Unreadable lines remembered one by one; beyond it they are only counted."""
_TEXT_SHOWN = 240

_COMMANDS = {
    "add": Action.ADD,
    "set": Action.SET,
    "remove": Action.REMOVE,
    "unset": Action.OTHER,
    "enable": Action.OTHER,
    "disable": Action.OTHER,
    "move": Action.OTHER,
    "comment": Action.OTHER,
    "reset": Action.OTHER,
    "edit": Action.OTHER,
}
# Top-level menus of RouterOS 6.x and 7.x; anything else is reported as an unknown menu.
_TOP_MENUS = frozenset(
    [
        "interface",
        "ip",
        "ipv6",
        "routing",
        "system",
        "tool",
        "user",
        "snmp",
        "certificate",
        "ppp",
        "queue",
        "radius",
        "caps-man",
        "capsman",
        "mpls",
        "port",
        "special-login",
        "file",
        "disk",
        "container",
        "iot",
        "lora",
        "zerotier",
        "partitions",
        "console",
        "log",
        "user-manager",
        "dude",
        "app",
        "beep",
        "lcd",
        "store",
        "driver",
        "openflow",
        "task",
        "environment",
        "wireless",
        "mpls",
        "routing-filter",
        "ip-hotspot",
        "special",
        "interface-list",
    ]
)
_HEADER_BY = re.compile(r"by RouterOS\s+(\d+\.\d+[\w.]*)", re.I)
_HEADER_KV = re.compile(r"^#\s*(software id|model|serial number)\s*=\s*(.*?)\s*$", re.I)
_SIMPLE_ESC = {
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "v": b"\v",
    "_": b" ",
}
_CTRL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_HEX = frozenset("0123456789abcdefABCDEF")


class ParseError(ValueError):
    """A command line that does not follow the console syntax."""


@dataclass(frozen=True)
class Token:
    """One word of a command: ``key=value`` (key set) or a positional word."""

    key: str | None
    value: str
    bracket: bool = False
    """The value was a ``[ ... ]`` expression (kept as its inner text)."""


def _unescape(raw: str) -> str:
    """Decode the escapes of a quoted console string (without its quotes)."""
    if "\\" not in raw:
        return raw
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8", "surrogatepass")
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt in _HEX and i + 2 < n and raw[i + 2] in _HEX:
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        elif nxt in _SIMPLE_ESC:
            out += _SIMPLE_ESC[nxt]
            i += 2
        else:  # \" \\ \$ \? and anything else stand for themselves
            out += nxt.encode("utf-8", "surrogatepass")
            i += 2
    return out.decode("utf-8", "replace")


def _quoted(s: str, i: int) -> tuple[str, int]:
    """The string starting at the quote s[i]; returns (decoded, index after closing quote)."""
    j = i + 1
    n = len(s)
    while j < n:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == '"':
            return _unescape(s[i + 1 : j]), j + 1
        j += 1
    raise ParseError("unterminated quoted string")


def _bracket(s: str, i: int) -> tuple[str, int]:
    """The ``[ ... ]`` expression at s[i] (nested, quotes respected) -> (inner text, end)."""
    depth = 0
    j, n = i, len(s)
    while j < n:
        c = s[j]
        if c == '"':
            _, j = _quoted(s, j)
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return s[i + 1 : j].strip(), j + 1
        j += 1
    raise ParseError("unterminated [ ... ] expression")


def tokenize(s: str) -> list[Token]:
    """Split one logical command into tokens; ParseError on broken quoting."""
    out: list[Token] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            value, i = _quoted(s, i)
            out.append(Token(None, value))
            continue
        if c == "[":
            value, i = _bracket(s, i)
            out.append(Token(None, value, bracket=True))
            continue
        j = i
        while j < n and not s[j].isspace() and s[j] not in '="[':
            j += 1
        word = s[i:j]
        if j < n and s[j] == "=" and word:
            j += 1
            if j < n and s[j] == '"':
                value, j = _quoted(s, j)
                out.append(Token(word, value))
            elif j < n and s[j] == "[":
                value, j = _bracket(s, j)
                out.append(Token(word, value, bracket=True))
            else:
                k = j
                while k < n and not s[k].isspace():
                    k += 1
                out.append(Token(word, s[j:k]))
                j = k
        else:
            if not word:  # a stray '=' or quote inside a word
                k = j + 1
                while k < n and not s[k].isspace():
                    k += 1
                word, j = s[i:k], k
            out.append(Token(None, word))
        i = j
    return out


def _binary(line: str) -> bool:
    if _CTRL.search(line):
        return True
    return line.count("\ufffd") * 4 > len(line)


def _logical_lines(lines: Iterable[str]) -> Iterator[tuple[int, str | None, str | None]]:
    """(first line number, joined text or None, skip reason or None) for each command."""
    buf: list[str] = []
    size = 0
    start = 0
    n = 0
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if _binary(line):
            if buf:
                yield start, None, "command broken by binary data"
                buf, size = [], 0
            yield n, None, "binary data"
            continue
        piece = line.lstrip() if buf else line.strip()
        trailing = len(piece) - len(piece.rstrip("\\"))
        cont = trailing % 2 == 1
        if cont:
            piece = piece[:-1]
        if not buf:
            start = n
        if size + len(piece) <= MAX_LINE:
            buf.append(piece)
        size += len(piece)
        if cont:
            continue
        if size > MAX_LINE:
            yield start, None, f"command longer than {MAX_LINE} bytes"
        else:
            yield start, "".join(buf), None
        buf, size = [], 0
    if buf:
        yield start, None, "export ends inside a continued command (truncated?)"


def _short(text: str) -> str:
    return text if len(text) <= _TEXT_SHOWN else text[: _TEXT_SHOWN - 1] + "…"


def parse_export(lines: Iterable[str]) -> Iterator[Entry | Note]:
    """Entries and notes of an export, in order; never raises on bad input."""
    menu: str | None = None
    for n, text, problem in _logical_lines(lines):
        if problem is not None:
            yield Note(n, reason=problem)
            continue
        assert text is not None
        if not text:
            continue
        if text.startswith("#"):
            m = _HEADER_BY.search(text)
            if m:
                yield Note(n, version=m.group(1))
            kv = _HEADER_KV.match(text)
            if kv and kv.group(1).lower() == "software id":
                yield Note(n, software_id=kv.group(2))
            elif kv and kv.group(1).lower() == "model":
                yield Note(n, model=kv.group(2))
            continue
        if text.startswith((":", "{", "}", "$")):
            yield Note(n, reason=f"script statement, not configuration: {_short(text)!r}")
            continue
        try:
            tokens = tokenize(text)
        except ParseError as e:
            yield Note(n, reason=f"{e}: {_short(text)!r}")
            continue
        words: list[str] = []
        rest = tokens
        if text.startswith("/"):
            # Menu words run until the command word or the first key=value.
            idx = 0
            glued: Token | None = None
            for idx, tok in enumerate(tokens):
                if tok.key is not None or tok.bracket or tok.value.lower() in _COMMANDS:
                    break
                pieces = [w for w in tok.value.split("/") if w]
                if len(pieces) > 1 and pieces[-1].lower() in _COMMANDS:  # /ip/dns/static/add
                    words.extend(pieces[:-1])
                    glued = Token(None, pieces[-1])
                    idx += 1
                    break
                words.extend(pieces)
            else:
                idx = len(tokens)
            rest = ([glued] if glued else []) + tokens[idx:]
            if not words:
                yield Note(n, reason=f"no menu name: {_short(text)!r}")
                continue
            menu = menu_name(words)
            top = words[0].lower()
            if top not in _TOP_MENUS:
                yield Note(n, reason=f"unknown menu {menu}")
                menu = "?" + menu
                continue
            if not rest:
                continue
        if menu is None:
            yield Note(n, reason=f"command outside any menu: {_short(text)!r}")
            continue
        if menu.startswith("?"):
            yield Note(n, reason=f"command in unknown menu {menu[1:]}")
            continue
        head = rest[0]
        action = _COMMANDS.get(head.value.lower()) if head.key is None else None
        if action is None:
            yield Note(n, reason=f"unknown command in {menu}: {_short(text)!r}")
            continue
        props: dict[str, str] = {}
        selector: str | None = None
        for tok in rest[1:]:
            if tok.key is not None:
                props[tok.key.lower()] = tok.value
            elif selector is None:
                selector = tok.value
        yield Entry(menu, action, props, n, selector, _short(text))


def parse_print(text: str, menu: str) -> Iterator[Entry | Note]:
    """Rows of ``print detail`` or ``print terse`` output as entries of ``menu``.

    Each row starts with its number (and flags such as ``X`` for disabled); ``;;;`` lines
    are the row's comment; indented lines continue it. Header lines (``Flags: ...``,
    ``Columns: ...``) are ignored.
    """
    rows: list[tuple[int, list[str]]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        m = re.match(r"^\s*(\d+)\s+(.*)$", line)
        if m:
            rows.append((n, [m.group(2)]))
        elif rows and line.startswith((" ", "\t")) and line.strip():
            rows[-1][1].append(line.strip())
    for n, parts in rows:
        comment = ""
        body: list[str] = []
        for part in parts:
            flags, sep, after = part.partition(";;;")
            if sep:
                comment = after.strip()
                if flags.strip():
                    body.append(flags)
            else:
                body.append(part)
        joined = " ".join(body)
        try:
            tokens = tokenize(joined)
        except ParseError as e:
            yield Note(n, reason=f"{menu} print row: {e}")
            continue
        props: dict[str, str] = {}
        flags = ""
        for tok in tokens:
            if tok.key is not None:
                props[tok.key.lower()] = tok.value
            elif not props:
                flags += tok.value
        if "X" in flags and "disabled" not in props:
            props["disabled"] = "yes"
        if comment and "comment" not in props:
            props["comment"] = comment
        yield Entry(menu, Action.ADD, props, n, None, _short(joined))


def build_config(
    source: str,
    items: Iterable[Entry | Note],
    keep: Callable[[str], bool],
    on_entry: Callable[[Entry], None] | None = None,
    *,
    live: bool = False,
) -> RouterConfig:
    """Fold parsed items into a RouterConfig, keeping only entries of menus ``keep``
    accepts (memory stays bounded by what the checks read); ``on_entry`` sees every entry."""
    entries: list[Entry] = []
    notes: list[Note] = []
    version = software_id = model = None
    counters: dict[str, int] = {"entries": 0, "skipped_lines": 0}
    over_entries = over_notes = 0
    menus: set[str] = set()
    unknown_menus: dict[str, int] = {}
    for item in items:
        if isinstance(item, Entry):
            counters["entries"] += 1
            menus.add(item.menu)
            if on_entry is not None:
                on_entry(item)
            if keep(item.menu):
                if len(entries) < MAX_ENTRIES:
                    entries.append(item)
                else:
                    over_entries += 1
            continue
        if item.reason is None:
            version = version or item.version
            software_id = software_id or item.software_id
            model = model or item.model
            continue
        counters["skipped_lines"] += 1
        if item.reason.startswith("command in unknown menu "):
            key = item.reason.removeprefix("command in unknown menu ")
            if key in unknown_menus:
                unknown_menus[key] += 1
        elif len(notes) >= MAX_NOTES:
            over_notes += 1
        elif item.reason.startswith("unknown menu "):
            unknown_menus.setdefault(item.reason.removeprefix("unknown menu "), 0)
            notes.append(item)
        else:
            notes.append(item)
    counters["menus"] = len(menus)
    out_notes: list[Note] = []
    for note in _collapse(notes, uncounted=over_notes):
        if note.reason and note.reason.startswith("unknown menu "):
            name = note.reason.removeprefix("unknown menu ")
            note = Note(
                note.line,
                reason=f"unknown menu {name}: its {unknown_menus.get(name, 0)} command(s) "
                "were not checked",
            )
        out_notes.append(note)
    if over_entries:
        out_notes.append(
            Note(
                None,
                reason=f"over {MAX_ENTRIES:,} entries in the checked menus: the last "
                f"{over_entries} were not checked",
            )
        )
    return RouterConfig(
        source=source,
        entries=tuple(entries),
        version=version,
        software_id=software_id,
        model=model,
        skipped=tuple(out_notes),
        counters=counters,
        live=live,
    )


def _collapse(notes: list[Note], limit: int = 50, uncounted: int = 0) -> list[Note]:
    """Runs of 'binary data' become one note; more than ``limit`` notes (and ``uncounted``
    ones never kept) end in a summary."""
    out: list[Note] = []
    run_start: int | None = None
    run_len = 0
    for note in [*notes, Note(None, reason="")]:
        if note.reason == "binary data" and note.line is not None:
            if run_start is None:
                run_start = note.line
            run_len += 1
            continue
        if run_start is not None:
            out.append(Note(run_start, reason=f"binary data ({run_len} line(s) from here)"))
            run_start, run_len = None, 0
        if note.reason:
            out.append(note)
    if len(out) > limit or uncounted:
        extra = max(0, len(out) - limit) + uncounted
        out = [*out[:limit], Note(None, reason=f"{extra} more unreadable line(s)")]
    return out


def read_export(
    path: str,
    keep: Callable[[str], bool],
    on_entry: Callable[[Entry], None] | None = None,
) -> RouterConfig:
    """Parse an export file (never loaded whole). OSError propagates to the caller."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        head = f.read(512)  # a binary file (backup, firmware) is binary from its start
        if head and _mostly_binary(head):
            return RouterConfig(
                source=path,
                skipped=(Note(None, reason="binary file, not a RouterOS export"),),
            )
        f.seek(0)
        return build_config(path, parse_export(_bounded_lines(f)), keep, on_entry)


def _bounded_lines(f: IO[str]) -> Iterator[str]:
    """The file's lines, each cut after MAX_LINE + 1 characters (the parser then skips it
    as too long) and the rest of it read in pieces: memory stays bounded by MAX_LINE."""
    while line := f.readline(MAX_LINE + 1):
        yield line
        while line and not line.endswith(("\n", "\r")):
            line = f.readline(MAX_LINE)


def _mostly_binary(head: str) -> bool:
    bad = sum(1 for ch in head if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t"))
    return bad > len(head) // 10
