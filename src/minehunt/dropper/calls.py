"""Programs started, files downloaded and modes changed through Python or JavaScript calls,
read as the shell commands they amount to.

The behaviours are spelt as shell (``wget -O P``, ``chmod +x P``, ``setsid P``). A dropper
written against its language's library does the same with calls and argument lists:
``subprocess.call(["wget", url, "-O", path])``, ``https.get(url, r =>
r.pipe(fs.createWriteStream(path)))``, ``fs.chmodSync(path, 0o755)``, ``spawn(path, ["-o",
pool], {detached: true})``, ``open("/etc/ld.so.preload", "w")``. ``layer`` turns each such
call into the shell line it means (``wget -O path``, ``chmod +x path``, ``setsid path -o
pool``, ``cat > /etc/ld.so.preload``), in one more layer of the file or of a text decoded
from it (``ORIGIN``), analysed like the others. String literals concatenated
(``"child_" + "process"``) are folded first.

Arguments are resolved where the source says what they are: string literals, names set to
them, template literals and f-strings, concatenations, ``path.join``/``os.path.join`` and
the temp and home directories (``path.join(os.tmpdir(), "x")`` reads ``/tmp/x``). A name
with no value the source shows stays a shell variable (``$bin``): the same variable
downloaded to, made executable and run is the same file.

Written here rather than taken from a parser: the text is often not a whole program (a
minified bundle cut at the size limit, decoded fragments, a file of either language), and
what is wanted is a handful of call shapes with their arguments, found by a bounded scan of
brackets and quotes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .normalise import Layer, build_layer

ORIGIN = "program calls read as shell commands"
MAX_CALLS = 256
"""Calls read per file; the rest are left (a bundle can hold thousands of ``open(``)."""
MAX_ARGS = 4096
"""Characters of one call's argument list that are read."""
_MAX_DEPTH = 8
"""Names resolved through names."""

_PY = (
    "subprocess",
    "os.system",
    "os.popen",
    "os.exec",
    "os.posix_spawn",
    "os.chmod",
    "urlretrieve",
)
"""What a Python text holds when it can make a call read here (or an ``open`` for writing,
_WRITE_OPEN): the analysis reads every text file, and most have none of these."""
_JS = ("child_process", "Bun.spawn", "Deno.", "writeFile", "appendFile")
"""The same for a JavaScript text."""
_WRITE_OPEN = re.compile(
    r"""\bopen\([^\n]{1,200}?,[^\S\n]*(?:mode[^\S\n]*=[^\S\n]*)?['"][rbt+]*[wax]"""
)
_FOLD = re.compile(r"""(['"])[^\S\n]*\+[^\S\n]*\1""")
"""Two string literals concatenated (``"child_" + "process"``): folded into one before the
text is read, within a line."""
_PY_FETCH = ("urlopen", "requests.", "urllib", "http.client", "httpx", "aiohttp")
_JS_FETCH = ("https.get", "http.get", "https.request", "http.request", "fetch(", "axios", "got(")
_JS_FETCH_MODULE = re.compile(
    r"""['"](?:node:)?(?:https?|http2|node-fetch|axios|got|undici|needle|request)['"]"""
)
"""An HTTP client module named where it is loaded (``require("node:https")``, ``from
"axios"``): a fetch whatever name the module is bound to (``e.get(url, ...)`` once minified)."""
_CALL = re.compile(
    r"(?:subprocess\.\w+|Popen|os\.\w+|execSync|execFileSync|execFile|exec|spawnSync|spawn"
    r"|create_subprocess_\w+|urlretrieve|createWriteStream|writeFileSync|writeFile"
    r"|appendFileSync|appendFile|open"
    r"|chmodSync|chmod|Deno\.Command|Deno\.run)[^\S\n]*\("
)
"""A call of one of the names read here. Every alternative starts with a literal, so ``re``
skips ahead to their first characters; what comes before the name is checked after."""
_KINDS = {
    **dict.fromkeys(
        (
            "subprocess.call",
            "subprocess.run",
            "subprocess.Popen",
            "subprocess.check_call",
            "subprocess.check_output",
            "Popen",
        ),
        "sub",
    ),
    **dict.fromkeys(
        (
            "os.system",
            "os.popen",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "create_subprocess_shell",
            "exec",
            "execSync",
        ),
        "shell",
    ),
    **dict.fromkeys(
        ("spawn", "spawnSync", "execFile", "execFileSync", "create_subprocess_exec"), "spawn"
    ),
    **dict.fromkeys(
        (
            "os.execv",
            "os.execve",
            "os.execvp",
            "os.execvpe",
            "os.execl",
            "os.execle",
            "os.execlp",
            "os.execlpe",
            "os.posix_spawn",
            "os.posix_spawnp",
        ),
        "execv",
    ),
    "urlretrieve": "retrieve",
    "Deno.Command": "deno",
    "Deno.run": "deno",
    **dict.fromkeys(("createWriteStream", "writeFileSync", "writeFile", "open"), "write"),
    **dict.fromkeys(("appendFileSync", "appendFile"), "append"),
    **dict.fromkeys(("chmod", "chmodSync", "os.chmod"), "chmod"),
}
_JS_ONLY = frozenset(("exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync"))
_METHOD_OK = re.compile(r"(?:child_?process|\bcp|\bproc|\bBun)['\"]?\)?\.$", re.I)
"""What comes before ``.exec(`` or ``.open(`` when it is the call read here (a RegExp's
``exec`` and a window's ``open`` are not); the other names are read after any dot."""
_ASSIGN = re.compile(
    r"(?:^|(?<=[;{(,\s]))(?:(?:const|let|var)[^\S\n]+)?([A-Za-z_$][\w$]{0,40})"
    r"[^\S\n]*=(?![=>])[^\S\n]*(?=([^;\n]{1,400}))"
)
"""A name set to an expression (read up to the first top-level comma). The expression is
looked at, not consumed: the next declaration of a list (``const a=x,b=y``, as minifiers
write every declaration of a file on one line) is inside it."""
_ALIAS = re.compile(
    r"""\{([^{}]{1,400})\}[^\S\n]*=[^\S\n]*require\([^\S\n]*['"](?:node:)?child_process['"]\)"""
    r"""|([A-Za-z_$][\w$]{0,40})[^\S\n]*=[^\S\n]*require\([^\S\n]*['"](?:node:)?child_process['"]\)"""
    r"""\.(\w+)"""
)
"""child_process functions bound to other names: ``const {spawn: o} = require(...)`` (what a
minifier makes of ``{spawn}``) and ``const run = require("child_process").execFile``."""
_STRING = re.compile(r"""(?s)[rbuRBU]{0,2}(['"])(.*)\1""")
_FSTRING = re.compile(r"""(?s)[rR]?[fF][rR]?(['"])(.*)\1""")
_TEMPLATE = re.compile(r"(?s)`(.*)`")
_JOIN = re.compile(r"(?s)((?:[\w$]+\.)*[\w$]+)\.(?:join|resolve)\((.*)\)")
_PATH_MODULES = frozenset(("path", "path.posix", "os.path", "posixpath"))
"""What ``join`` and ``resolve`` are path joins of with any number of arguments; of any
other name (a renamed ``require("path")``) with two or more (``Array.join`` and
``Promise.resolve`` take one)."""
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_PERCENT = re.compile(r"%%|%[-#0 +]*\d*(?:\.\d+)?[sdirfx]")
_FORMAT = re.compile(r"(?s)(.*)\.format\((.*)\)")
_FIELD = re.compile(r"\{(\w*)(?:[!:][^{}]*)?\}")
_KEYWORD = re.compile(r"([A-Za-z_]\w*)[^\S\n]*=(?!=)[^\S\n]*")
_NUMBER = re.compile(r"\d+")
_PLACES = {
    "os.tmpdir()": "/tmp",
    "tempfile.gettempdir()": "/tmp",
    "tempfile.mkdtemp()": "/tmp",
    "os.homedir()": "$HOME",
    "process.env.HOME": "$HOME",
    "os.environ['HOME']": "$HOME",
    'os.environ["HOME"]': "$HOME",
    "os.path.expanduser('~')": "$HOME",
    'os.path.expanduser("~")': "$HOME",
    "__dirname": ".",
    "process.cwd()": ".",
    "os.getcwd()": ".",
}
_EXEC_BITS = re.compile(r"S_IX(?:USR|GRP|OTH)|S_IEXEC|S_IRWX[UGO]")
_OCTAL = re.compile(r"""0[oO]?([0-7]{3,4})\b|(['"])([0-7]{3,4})\2|\b(\d{2,4})\b""")
_DETACHED = re.compile(
    r"\bdetached[^\S\n]*:[^\S\n]*(?:true|!0|1)\b|\bstart_new_session[^\S\n]*=[^\S\n]*True"
    r"|\bpreexec_fn[^\S\n]*=[^\S\n]*os\.setsid\b"
)
_SHELL_TRUE = re.compile(r"\bshell[^\S\n]*=[^\S\n]*True\b")
_WRITE_MODE = re.compile(r"""^(['"])[rbt+]*[wax][rbt+]*\1$""")


def _top_level(text: str, start: int, end: int, sep: str) -> tuple[list[str], int]:
    """``text[start:end]`` split at ``sep`` outside brackets and quotes, up to the first
    bracket closed that was not opened there: (the pieces, where that bracket is, or
    ``end``)."""
    pieces: list[str] = []
    depth = 0
    quote = ""
    i = start
    while i < end:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif c == sep and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start : min(i, end)])
    return pieces, min(i, end)


def _arguments(text: str, open_at: int) -> list[str] | None:
    """The top-level arguments of the call whose ``(`` is at ``open_at`` (None when it does
    not close within MAX_ARGS characters)."""
    args, close = _top_level(text, open_at + 1, min(len(text), open_at + 1 + MAX_ARGS), ",")
    if close >= len(text) or text[close] != ")":
        return None
    return [a.strip() for a in args if a.strip()]


def _split_at(expr: str, sep: str) -> list[str]:
    """``expr`` split at ``sep`` outside brackets and quotes."""
    return [piece.strip() for piece in _top_level(expr, 0, len(expr), sep)[0]]


class _Reader:
    """Values of expressions in one file's text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._names: dict[str, str] | None = None
        self._unknown = 0
        self._values: dict[str, str | list[str]] = {}

    def unknown(self) -> str:
        """A word for a value the text does not show, never the same twice: two unknown
        values are not the same file."""
        self._unknown += 1
        return f"$_{self._unknown}"

    @property
    def names(self) -> dict[str, str]:
        """Each name's first assigned expression."""
        if self._names is None:
            names: dict[str, str] = {}
            for m in _ASSIGN.finditer(self.text):
                if m.group(1) not in names:
                    expr = _split_at(m.group(2), ",")
                    names[m.group(1)] = expr[0]
                if len(names) >= 1024:
                    break
            self._names = names
        return self._names

    def value(self, expr: str, depth: int = 0) -> str | list[str] | None:
        """What ``expr`` evaluates to as far as the text shows: a string, a list of strings
        (a list literal), or None. Cut to MAX_ARGS characters (and 64 items): names built
        from names many times over would otherwise grow without bound."""
        got = self._value(expr, depth)
        if isinstance(got, list):
            return [item[:MAX_ARGS] for item in got[:64]]
        return got[:MAX_ARGS] if got is not None else None

    def _value(self, expr: str, depth: int) -> str | list[str] | None:
        expr = expr.strip()
        while (
            expr.startswith("(")
            and expr.endswith(")")
            and _arguments(expr, 0) == [expr[1:-1].strip()]
        ):
            expr = expr[1:-1].strip()
        if not expr or depth > _MAX_DEPTH:
            return None
        if expr[0] + expr[-1] in ("[]", "()"):  # a list, or a tuple of two or more
            items = _arguments(f"({expr[1:-1]})", 0) or []
            if expr[0] == "[" or len(items) >= 2:
                return [self.string(item, depth) or self.unknown() for item in items]
        parts = _split_at(expr, "+")
        if len(parts) > 1:
            strings = [self.string(p, depth) for p in parts]
            return (
                None
                if all(s is None for s in strings)
                else "".join(s or self.unknown() for s in strings)
            )
        parts = _split_at(expr, "%")
        if len(parts) == 2 and (m := _STRING.fullmatch(parts[0])):  # "-o %s %s" % (p, u)
            values = iter(self._items(parts[1], depth))
            return _PERCENT.sub(
                lambda f: "%" if f[0] == "%%" else next(values, None) or self.unknown(), m.group(2)
            )
        if (m := _FORMAT.fullmatch(expr)) and (s := _STRING.fullmatch(m.group(1))):
            return self._format(s.group(2), _arguments(f"({m.group(2)})", 0) or [], depth)
        if m := _FSTRING.fullmatch(expr):
            return re.sub(r"\{([^{}]*)\}", lambda f: self._sub(f.group(1), depth), m.group(2))
        if m := _STRING.fullmatch(expr):
            return m.group(2)
        if m := _TEMPLATE.fullmatch(expr):
            return re.sub(r"\$\{([^{}]*)\}", lambda t: self._sub(t.group(1), depth), m.group(1))
        m = _JOIN.fullmatch(expr)
        args = _arguments(f"({m.group(2)})", 0) if m else None
        if m and args and (m.group(1) in _PATH_MODULES or len(args) >= 2):
            joined = "/".join(self.string(p, depth) or self.unknown() for p in args)
            return re.sub("/{2,}", "/", joined)
        compact = re.sub(r"\s+", "", expr)
        if compact in _PLACES:
            return _PLACES[compact]
        if compact.endswith(("tmpdir()", "gettempdir()")):
            return "/tmp"
        if compact.endswith("homedir()"):
            return "$HOME"
        if _IDENT.fullmatch(expr):
            if expr not in self._values:  # one value per name, unknown parts included
                # Set before it is worked out: a name that refers back to itself stays
                # itself, and each name is worked out once (the text's names are read in
                # time linear in the text, however they refer to one another).
                self._values[expr] = f"${expr}"
                known = self.names.get(expr)
                got = None if known is None else self.value(known, depth + 1)
                if got is not None:
                    self._values[expr] = got
            return self._values[expr]
        if _NUMBER.fullmatch(expr):
            return expr
        return None

    def _items(self, expr: str, depth: int) -> list[str]:
        """The values of a tuple's items (``(a, b)``), or of one expression."""
        items = _arguments(expr, 0) if expr.startswith("(") and expr.endswith(")") else None
        return [self._sub(item, depth) for item in (items if items is not None else [expr])]

    def _format(self, fmt: str, args: list[str], depth: int) -> str:
        """``fmt.format(*args)``: ``{}``, ``{0}`` and ``{name}`` fields."""
        positional = [a for a in args if not _KEYWORD.match(a)]
        named = {m[1]: a[m.end() :] for a in args if (m := _KEYWORD.match(a))}
        order = iter(range(len(positional)))

        def field(f: re.Match[str]) -> str:
            key = f[1]
            if not key:
                key = str(next(order, len(positional)))
            if key.isdigit():
                i = int(key)
                return self._sub(positional[i], depth) if i < len(positional) else self.unknown()
            return self._sub(named[key], depth) if key in named else f"${key}"

        return _FIELD.sub(field, fmt)

    def string(self, expr: str, depth: int = 0) -> str | None:
        got = self.value(expr, depth)
        return " ".join(got) if isinstance(got, list) else got

    def _sub(self, expr: str, depth: int) -> str:
        got = self.string(expr, depth)
        return got if got is not None else self.unknown()


def _executable(mode: str) -> bool:
    """Does a mode argument (``0o755``, ``'755'``, ``493``, ``stat.S_IEXEC | ...``) set an
    execute bit?"""
    if _EXEC_BITS.search(mode):
        return True
    for m in _OCTAL.finditer(mode):
        octal = m.group(1) or m.group(3)
        if (int(octal, 8) if octal else int(m.group(4))) & 0o111:
            return True
    return False


def _property(obj: str, key: str) -> str | None:
    """The expression of ``key`` in an object literal's text (``{args: [...], ...}``)."""
    m = re.search(rf"(?:^|[{{,\s])['\"]?{key}['\"]?[^\S\n]*:[^\S\n]*", obj)
    return (_top_level(obj, m.end(), len(obj), ",")[0][0].strip() or None) if m else None


def _lines(kind: str, name: str, args: list[str], r: _Reader, fetches: bool) -> list[str]:
    """The shell commands one call amounts to."""
    if kind in ("write", "append"):
        if name == "open":
            mode = re.sub(r"^mode\s*=\s*", "", args[1]) if len(args) >= 2 else ""
            if not _WRITE_MODE.match(mode):
                return []
            kind = "append" if "a" in mode else kind
        path = r.string(args[0])
        if not path:
            return []
        written = [f"cat {'>>' if kind == 'append' else '>'} {path}"]
        # With a fetch in the text, a file written may be the download.
        return [f"wget -O {path}", *written] if fetches and kind == "write" else written
    line = _line(kind, name, args, r)
    return [line] if line else []


def _line(kind: str, name: str, args: list[str], r: _Reader) -> str | None:
    """The shell command a call that starts a program, fetches a file or changes a mode
    amounts to, or None."""
    if kind == "chmod":
        path = r.string(args[0]) if len(args) >= 2 and _executable(args[1]) else None
        return f"chmod +x {path}" if path else None
    if kind == "retrieve":
        if len(args) < 2:
            return None
        url, path = r.string(args[0]), r.string(args[1])
        return f"wget -O {path} {url or ''}".rstrip() if path else None
    if kind == "deno":  # new Deno.Command(p, {args: [...]}), Deno.run({cmd: [p, ...]})
        if name == "run":
            cmd = r.value(_property(args[0], "cmd") or "")
            return " ".join(cmd) if isinstance(cmd, list) and cmd else None
        program = r.string(args[0])
        rest = r.value(_property(args[1], "args") or "") if len(args) >= 2 else None
        return " ".join([program, *(rest if isinstance(rest, list) else [])]) if program else None
    setsid = "setsid " if any(_DETACHED.search(a) for a in args[1:]) else ""
    first = r.value(args[0]) if args else None
    if first is None:
        return None
    words = first if isinstance(first, list) else [first]
    if kind == "spawn":
        if len(args) >= 2:
            rest = r.value(args[1])
            if isinstance(rest, list):
                words = [*words, *rest]
            elif name == "create_subprocess_exec":
                words = [*words, *(r.string(a) or r.unknown() for a in args[1:] if "=" not in a)]
    elif kind == "execv":
        if len(args) < 2:
            return None
        rest = r.value(args[1])
        if isinstance(rest, list):  # execv(path, [argv0, ...]), posix_spawn(path, argv)
            words = [*words, *rest[1:]]
        else:  # execl(path, argv0, arg1, ...)
            words = [*words, *(r.string(a) or r.unknown() for a in args[2:])]
    elif kind == "sub" and isinstance(first, str) and not any(map(_SHELL_TRUE.search, args)):
        words = [first]  # a program's path on its own
    command = " ".join(w for w in words if w)
    return f"{setsid}{command}".replace("\n", "; ")[:MAX_ARGS] if command else None


_PROXIED = re.compile(
    r"[\w$.]{1,80}\([^\S\n]*(spawnSync|spawn|execFileSync|execFile|execSync|exec)[^\S\n]*,"
)
"""A child_process function handed to another function with its arguments
(``_0x2acd.bKzAv(spawn, bin, [...])``): the proxy calls javascript-obfuscator's control-flow
transform puts between a call and its function."""


_PROXY_ARG = re.compile(r"\([^\S\n]*(?:spawn|exec)")
"""What every _PROXIED match holds, starting with a literal: _PROXIED starts with a run of
name characters, which ``re`` tries at every position."""


def _unaliased(text: str) -> str:
    """``text`` with calls of child_process functions bound to other names spelt with the
    functions' own names (``o(s, [...])`` after ``{spawn: o} = require("child_process")``),
    and calls through a proxy spelt as direct calls."""
    aliases: dict[str, str] = {}
    for m in _ALIAS.finditer(text):
        if m.group(1) is not None:
            for pair in m.group(1).split(","):
                name, _, alias = (p.strip() for p in pair.partition(":"))
                if alias and _KINDS.get(name) in ("spawn", "shell"):
                    aliases[alias] = name
        elif _KINDS.get(m.group(3)) in ("spawn", "shell"):
            aliases[m.group(2)] = m.group(3)
        if len(aliases) >= 16:
            break
    for alias, name in aliases.items():
        text = re.sub(rf"(?<![\w$.]){re.escape(alias)}(?=[^\S\n]*\()", name, text)
    return _PROXIED.sub(r"\1(", text) if _PROXY_ARG.search(text) else text


def _gates(text: str) -> tuple[bool, bool]:
    """(Can the text be Python that makes the calls read here, can it be JavaScript that
    does)."""
    python = any(k in text for k in _PY) or ("open(" in text and bool(_WRITE_OPEN.search(text)))
    return python, any(k in text for k in _JS)


def layer(text: str, within: Layer | None = None) -> Layer | None:
    """The program calls of a Python or JavaScript text as shell lines, each numbered with
    its call's line, or None when it makes none. ``within``: the decoded layer ``text`` is
    (its calls' lines are the line of its blob)."""
    if "+" in text:
        text = _FOLD.sub("", text)
    python, node = _gates(text)
    if not (python or node):
        return None
    fetches = any(k in text for k in (*(_PY_FETCH if python else ()), *(_JS_FETCH if node else ())))
    fetches = fetches or (node and _JS_FETCH_MODULE.search(text) is not None)
    if node and "child_process" in text:
        text = _unaliased(text)
    r = _Reader(text)
    lines: list[str] = []
    numbers: list[int] = []
    calls = 0
    line_no, counted = 1, 0
    for m in _CALL.finditer(text):
        called = m.group(0).rstrip("( \t")
        kind = _KINDS.get(called)
        before = text[m.start() - 1] if m.start() else " "
        if kind is None or before.isalnum() or before in "_$":
            continue
        method = before == "." and called in ("exec", "open")
        if method and not _METHOD_OK.search(text, max(0, m.start() - 40), m.start()):
            continue
        if (called in _JS_ONLY and not node) or (called == "open" and not python):
            continue
        calls += 1
        if calls > MAX_CALLS:
            break
        args = _arguments(text, m.end() - 1)
        if not args:
            continue
        made = _lines(kind, called.rsplit(".", 1)[-1], args, r, fetches)
        if made:
            line_no += text.count("\n", counted, m.start())
            counted = m.start()
            lines += made
            numbers += [line_no if within is None else within.numbers[0]] * len(made)
    if not lines:
        return None
    if within is None:
        return replace(build_layer("\n".join(lines), ORIGIN, 0), numbers=numbers)
    return replace(
        build_layer("\n".join(lines), f"{ORIGIN} in {within.origin}", within.depth),
        numbers=numbers,
    )
