"""Undo what dropper scripts do to hide their commands, so behaviours can be matched.

A script is split into logical lines (shell and PowerShell line continuations joined), and
each line gets two spellings: *plain* (continuations joined, ``${IFS}`` turned into a
space) and *squeezed* (quotes, backslashes, PowerShell backticks and string concatenation
removed, variables holding literal strings substituted, hex/octal escapes decoded). The
texts that base64, hex or PowerShell ``-EncodedCommand`` blobs decode to become further
layers, analysed the same way down to ``MAX_DEPTH`` levels. Everything is bounded in size
and count: a hostile file cannot make the analysis slow.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import gzip
import itertools
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

MAX_DEPTH = 2
"""Decoded layers inside decoded layers, below the file itself."""
MAX_LAYERS = 24
MAX_LINE = 64 << 10
"""Longer logical lines are cut (a minified blob is one line)."""
MAX_DECODED = 1 << 20
MAX_VARS = 512


@dataclass(frozen=True)
class Line:
    """One logical line of a layer."""

    no: int
    """1-based line number in the file (for decoded layers: the line of the blob)."""
    plain: str
    squeezed: str

    def variants(self) -> tuple[str, ...]:
        return (self.plain,) if self.plain == self.squeezed else (self.plain, self.squeezed)


@dataclass(frozen=True)
class Layer:
    """The file's text or a text decoded from it."""

    text: str
    """The plain spellings of the logical lines, joined by newlines."""
    squeezed: str
    """The squeezed spellings, line for line (a squeezed line holds no newline)."""
    numbers: Sequence[int]
    """The file line number of each logical line."""
    origin: str
    """'file', or how it was decoded: 'base64 at line 12', 'PowerShell -EncodedCommand ...'."""
    depth: int

    @cached_property
    def plain_lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def squeezed_lines(self) -> list[str]:
        return self.plain_lines if self.squeezed == self.text else self.squeezed.split("\n")

    @cached_property
    def changed(self) -> list[int]:
        """Indices of the lines whose squeezed spelling differs from their plain one."""
        if self.squeezed == self.text:
            return []
        pairs = zip(self.plain_lines, self.squeezed_lines, strict=True)
        return [i for i, (plain, squeezed) in enumerate(pairs) if plain != squeezed]

    def line(self, i: int) -> Line:
        """The ``i``-th logical line (0-based)."""
        return Line(self.numbers[i], self.plain_lines[i], self.squeezed_lines[i])

    @property
    def lines(self) -> Iterator[Line]:
        return (self.line(i) for i in range(len(self.numbers)))


_TRICKS = re.compile(r"['\"\\`$%^]")
_CONT_SH = re.compile(r"\\\r?\n")
_CONT_PS = re.compile(r"`\r?\n")
_IFS = re.compile(r"\$\{IFS[^}]{0,8}\}|\$IFS(?:\$\d)?")
_IFS_LINE = re.compile(r"\$\{IFS[^}\n]{0,8}\}|\$IFS(?:\$\d)?")
"""_IFS within one line, for substituting a layer's lines at once."""
_EMPTY_QUOTES = re.compile(r"(?:''|\"\")(?:(?<=\S..)|(?=\S))")
"""Empty quotes touching a word. Each pattern here starts with the character it removes,
not a lookbehind: ``re`` then skips to that character instead of trying every position."""
_CONCAT = re.compile(r"""(['"])\s*(?:\+|\.|&)\s*\1""")
_CONCAT_LINE = re.compile(r"""(['"])[^\S\n]*(?:\+|\.|&)[^\S\n]*\1""")
"""_CONCAT within one line, for squeezing a layer's lines at once."""
_PS_TICK = re.compile(r"`(?=[A-Za-z])|\^(?<=\w\^)(?=\w)")
"""PowerShell backtick escapes and cmd.exe caret escapes inside words."""
_BACKSLASH = re.compile(r"\\(?=[A-Za-z/.:-])")
_QUOTE = re.compile(r"['\"](?:(?<=[\w/.:$}-].)(?=[\w/.:$-])|(?<=[\w/.:].)|(?=[\w/.:]))")
_HEX_RUN = re.compile(r"\\x[0-9a-fA-F]{2}(?:\\x[0-9a-fA-F]{2}){2,}")
_OCT_RUN = re.compile(r"\\[0-7]{3}(?:\\[0-7]{3}){2,}")
"""Runs of three or more escapes, spelt with a literal first so ``re`` can skip to it."""
_ASSIGN = re.compile(
    r"""(?:^|[;&\s(])(?:export\s+|local\s+|set\s+|my\s+|\$)?([A-Za-z_]\w{0,40})\s?=\s?"""
    r"""(?:'([^'\n$`]{1,200})'|"([^"\n$`]{1,200})"|([^\s'";&|$`()<>]{1,200}))(?=$|[\s;&)])"""
)
_PS_ASSIGN = re.compile(
    r"""\$([A-Za-z_]\w{0,40})\s*=\s*(?:'([^'\n]{1,200})'|"([^"\n$`]{1,200})")"""
)
_VAR_USE = re.compile(r"\$\{([A-Za-z_]\w{0,40})\}|\$([A-Za-z_]\w{0,40})|%([A-Za-z_]\w{0,40})%")
_CODE_ASSIGN = re.compile(
    r"""(?:^|(?<=[;,{(\s]))(?:(?:const|let|var)[^\S\n]{1,8})?([A-Za-z_$][\w$]{0,40})"""
    r"""[^\S\n]{0,8}=[^\S\n]{0,8}"""
    r"""((?:'[^'\n\\]{0,200}'|"[^"\n\\]{0,200}")"""
    r"""(?:[^\S\n]{0,8}\+[^\S\n]{0,8}(?:'[^'\n\\]{0,200}'|"[^"\n\\]{0,200}")){0,16})"""
    r"""(?=[^\S\n]{0,8}(?:[;,)}\n]|$))"""
)
"""A JavaScript or Python name set to a string, or to strings concatenated (``const bin =
"/var/" + "tmp/x",`` in a declaration list too), which command strings are then built from
by concatenation."""
_STRING = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
_NAME_PLUS = re.compile(
    r"""(['"])([^\S\n]{0,8}\+[^\S\n]{0,8})([A-Za-z_$][\w$]{0,40})(?![\w$]|[^\S\n]{0,8}[(.\[])"""
    r"""|(?<![\w$.])([A-Za-z_$][\w$]{0,40})([^\S\n]{0,8}\+[^\S\n]{0,8})(['"])"""
)
"""A name concatenated to a string, on either side: ``"curl -o " + bin`` and ``bin + " &&"``
(not a call, member or index: ``f(x)`` and ``a.b`` are no plain names). Within a line."""
_QUOTE_PLUS = re.compile(r"""['"][^\S\n]{0,8}\+|\+[^\S\n]{0,8}['"]""")
"""A quote and a ``+`` next to each other: what every _NAME_PLUS match holds. ``re`` tries
_NAME_PLUS at every word of a text (its second branch starts with a name); this one starts
with one of three characters, so it skips ahead at C speed."""
_B64 = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}|[A-Za-z0-9_-]{40,}={0,2}")
_HEX_BLOB = re.compile(r"\b(?:[0-9a-fA-F]{2}){24,}\b")
_PS_ENC = re.compile(
    r"(?i)[^\S\n]-e(?:nc(?:odedcommand)?|c)?[^\S\n]+['\"]?([A-Za-z0-9+/]{16,}={0,2})"
)
"""Its spaces are ones within a line: a layer's lines are searched at once, and a match
stays in its line."""


def _decode_escapes(s: str) -> str:
    s = _HEX_RUN.sub(lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("latin-1"), s)
    # An escape past \377 keeps its low byte, as the shell's printf does (it raised before).
    return _OCT_RUN.sub(
        lambda m: bytes(int(o, 8) & 0xFF for o in m.group(0).split("\\")[1:]).decode("latin-1"),
        s,
    )


def _collect_vars(text: str) -> dict[str, str]:
    """Variables a script sets to literal strings (shell, batch, PowerShell, Python, Perl)."""
    out: dict[str, str] = {}
    for m in _ASSIGN.finditer(text):
        out[m.group(1)] = m.group(2) or m.group(3) or m.group(4) or ""
        if len(out) >= MAX_VARS:
            break
    for m in _PS_ASSIGN.finditer(text):
        out[m.group(1)] = m.group(2) or m.group(3) or ""
    if "=" in text and ("'" in text or '"' in text):
        for m in _CODE_ASSIGN.finditer(text):
            if len(out) >= MAX_VARS:
                break
            pieces = _STRING.findall(m.group(2))
            value = "".join(a or b for a, b in pieces)
            # The shell's pattern above read only the first of strings concatenated.
            if value and (len(pieces) > 1 or m.group(1) not in out):
                out[m.group(1)] = value
    return out


def _plus_lines(s: str) -> list[tuple[int, int]]:
    """The (start, end) of every line of ``s`` where a quote and a ``+`` meet: the only lines
    where _NAME_PLUS can match (none of its matches crosses a line, and at a line's ends its
    lookarounds see the same whether the line stands alone or not)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _QUOTE_PLUS.search(s, pos)) is not None:
        start = s.rfind("\n", 0, m.start()) + 1
        end = s.find("\n", m.end())
        end = len(s) if end < 0 else end
        spans.append((start, end))
        pos = end + 1
    return spans


def _concatenated(s: str, known: dict[str, str], spans: list[tuple[int, int]]) -> str:
    """``s`` with names concatenated to strings replaced by their string values, quoted so
    that the concatenation then folds: ``"curl -o " + bin`` becomes ``"curl -o " + "/tmp/x"``.
    ``spans``: the lines of ``s`` where that can be (``_plus_lines``)."""

    def sub(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            q, value = m.group(1), known.get(m.group(3))
            return m.group(0) if value is None or q in value else f"{q}{m.group(2)}{q}{value}{q}"
        q, value = m.group(6), known.get(m.group(4))
        return m.group(0) if value is None or q in value else f"{q}{value}{q}{m.group(5)}{q}"

    out: list[str] = []
    done = 0
    for start, end in spans:
        out += (s[done:start], _NAME_PLUS.sub(sub, s[start:end]))
        done = end
    out.append(s[done:])
    return "".join(out)


def _substitute(s: str, names: dict[str, str] | Callable[[], dict[str, str]]) -> str:
    """``s`` with the uses of known variables replaced by their values. ``names`` may be a
    function that collects them, called only when ``s`` uses a variable."""
    if not names:
        return s
    uses = bool(_VAR_USE.search(s))
    spans = _plus_lines(s) if "+" in s else []
    plus = any(_NAME_PLUS.search(s, start, end) for start, end in spans)
    if not (uses or plus):
        return s
    known = names if isinstance(names, dict) else names()
    if not known:
        return s

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        return known.get(name, m.group(0))

    if uses:
        s = _VAR_USE.sub(sub, s)
        spans = _plus_lines(s) if plus else spans  # the lines have moved
    return _concatenated(s, known, spans) if plus else s


def _squeeze_once(s: str, concat: re.Pattern[str] = _CONCAT) -> str:
    s = concat.sub("", s)
    if "''" in s or '""' in s:
        s = _EMPTY_QUOTES.sub("", s)
    if "`" in s or "^" in s:
        s = _PS_TICK.sub("", s)
    s = _BACKSLASH.sub("", s)
    return _QUOTE.sub("", s)


def squeeze(plain: str, names: dict[str, str]) -> str:
    """The line as the shell would see it once quotes, escapes and variables are resolved."""
    if not _TRICKS.search(plain):
        return plain
    s = _decode_escapes(plain)
    for _ in range(2):
        before = s
        s = _squeeze_once(_substitute(s, names))
        if s == before:
            break
    return s.replace("\n", " ")


def squeeze_lines(plain: str, names: Callable[[], dict[str, str]]) -> str:
    """``squeeze`` of every line of ``plain`` (lines joined by newlines), done on the whole
    text at once: no substitution crosses a line (a lookaround sees a newline where a
    line's end sees nothing, and neither is a word character or ``\\S``). The second round
    goes over the lines the first one changed."""
    if not _TRICKS.search(plain):
        return plain
    s = _decode_escapes(plain)
    if s.count("\n") != plain.count("\n"):
        # An escape decoded to a newline, which squeeze's patterns may cross.
        known = names()
        return "\n".join(squeeze(line, known) for line in plain.split("\n"))
    once = _squeeze_once(_substitute(s, names), _CONCAT_LINE)
    if once == s:
        return once
    lines = once.split("\n")
    changed = [i for i, (a, b) in enumerate(zip(s.split("\n"), lines, strict=True)) if a != b]
    again = _squeeze_once(_substitute("\n".join(lines[i] for i in changed), names), _CONCAT_LINE)
    for i, line in zip(changed, again.split("\n"), strict=True):
        lines[i] = line
    return "\n".join(lines)


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line number, logical line) with continuations joined."""
    no = 1
    buf: list[str] = []
    start = 1
    for raw in text.split("\n"):
        if not buf:
            start = no
        no += 1
        if (raw.endswith("\\") and not raw.endswith("\\\\")) or raw.endswith("`"):
            buf.append(raw[:-1])
            if sum(map(len, buf)) < MAX_LINE:
                continue
        buf.append(raw)
        yield start, "".join(buf)[:MAX_LINE]
        buf = []
    if buf:
        yield start, "".join(buf)[:MAX_LINE]


def _continues(raw: str) -> bool:
    return (raw.endswith("\\") and not raw.endswith("\\\\")) or raw.endswith("`")


def _logical(raws: list[str]) -> tuple[Sequence[int], list[str]]:
    """``logical_lines`` of the physical lines ``raws`` (the long ones not yet cut): the
    lines between continuations are taken as they are, not one by one."""
    starts = [i for i, raw in enumerate(raws) if raw.endswith(("\\", "`")) and _continues(raw)]
    if not starts:
        return range(1, len(raws) + 1), raws
    numbers: list[int] = []
    lines: list[str] = []
    done = 0
    for i in starts:
        if i < done:
            continue
        j = i + 1
        while j < len(raws) and _continues(raws[j]):
            j += 1
        numbers += range(done + 1, i + 1)
        lines += raws[done:i]
        for no, line in logical_lines("\n".join(raws[i : j + 1])):
            numbers.append(i + no)
            lines.append(line)
        done = j + 1
    numbers += range(done + 1, len(raws) + 1)
    lines += raws[done:]
    return numbers, lines


def build_layer(text: str, origin: str, depth: int, base_line: int | None = None) -> Layer:
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    @functools.cache
    def names() -> dict[str, str]:
        return _collect_vars(_IFS.sub(" ", text) if "IFS" in text else text)

    raws = text.split("\n")
    numbers, lines = _logical(raws)
    long = len(text) > MAX_LINE and any(len(raw) > MAX_LINE for raw in lines)
    if long:
        joined = "\n".join(raw[:MAX_LINE] for raw in lines)
    else:
        joined = text if lines is raws else "\n".join(lines)
    if base_line is not None:
        numbers = (base_line,) * len(numbers)
    plain = _IFS_LINE.sub(" ", joined) if "IFS" in joined else joined
    return Layer(plain, squeeze_lines(plain, names), numbers, origin, depth)


def _printable(s: str) -> bool:
    if len(s) < 8:
        return False
    good = sum(c.isprintable() or c in "\n\t\r" for c in s)
    return good / len(s) > 0.95 and any(c in s for c in " /;|=(")


def _as_text(raw: bytes) -> str | None:
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)[:MAX_DECODED]
        except (OSError, EOFError, zlib.error):
            return None
    if len(raw) >= 8 and raw[1::2].count(0) > len(raw) // 3:  # UTF-16LE (PowerShell)
        text = raw.decode("utf-16-le", "replace")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return text if _printable(text) else None


def _b64(blob: str) -> bytes | None:
    blob = blob.rstrip("=")
    alt = "-" in blob or "_" in blob
    try:
        if alt:
            return base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
        return base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


_BLOB_RUN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{20,}")
"""A run of the characters base64 and hex blobs are made of, as long as the shortest blob:
found from the run's first character only, where _B64 and _HEX_BLOB are tried at every
position of the text."""


def _blob_matches(layer: Layer) -> list[tuple[int, int, int, int, re.Match[str]]]:
    """(line index, variant, pattern, offset, match) of every blob pattern's match in the
    plain lines and the squeezed lines that differ from them, in the order a search line by
    line finds them (no match crosses a line)."""
    found: list[tuple[int, int, int, int, re.Match[str]]] = []
    squeezed = [layer.squeezed_lines[i] for i in layer.changed]
    for variant, (text, lines) in enumerate(
        ((layer.text, layer.plain_lines), ("\n".join(squeezed), squeezed))
    ):
        runs = [m.span() for m in _BLOB_RUN.finditer(text)]
        matches: list[tuple[int, re.Match[str]]] = []
        if "-e" in text or "-E" in text:  # what every _PS_ENC match holds
            matches += [(0, m) for m in _PS_ENC.finditer(text)]
        # A blob lies inside a run; _HEX_BLOB's closing \b needs the character after it.
        matches += [(1, m) for s, e in runs for m in _B64.finditer(text, s, e)]
        matches += [(2, m) for s, e in runs for m in _HEX_BLOB.finditer(text, s, e + 1)]
        if not matches:
            continue
        starts = list(itertools.accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))
        for k, m in matches:
            i = bisect.bisect_right(starts, m.start()) - 1
            if variant:
                i = layer.changed[i]
            found.append((i, variant, k, m.start(), m))
    found.sort(key=lambda f: f[:4])
    return found


def _blobs(layer: Layer) -> Iterator[tuple[int, str, str]]:
    """(line, how, decoded text) for the encoded blobs of ``layer``."""
    seen: set[str] = set()
    for i, _variant, k, _at, m in _blob_matches(layer):
        no = layer.numbers[i]
        if k == 0:
            raw = _b64(m.group(1))
            if raw is not None and m.group(1) not in seen:
                seen.add(m.group(1))
                text = _as_text(raw)
                if text is not None:
                    yield no, "PowerShell -EncodedCommand", text
        elif k == 1:
            blob = m.group(0)
            if blob in seen or len(blob) > MAX_DECODED * 2:
                continue
            seen.add(blob)
            raw = _b64(blob)
            text = _as_text(raw) if raw else None
            if text is not None:
                yield no, "base64", text
        else:
            blob = m.group(0)
            if blob in seen:
                continue
            seen.add(blob)
            text = _as_text(bytes.fromhex(blob))
            if text is not None:
                yield no, "hex", text


def layers(text: str) -> list[Layer]:
    """The file as a layer, then every text its blobs decode to (breadth first)."""
    out = [build_layer(text, "file", 0)]
    i = 0
    while i < len(out) and len(out) < MAX_LAYERS:
        layer = out[i]
        i += 1
        if layer.depth >= MAX_DEPTH:
            continue
        for no, how, decoded in _blobs(layer):
            where = f"{how} at line {no}"
            if layer.depth:
                where += f" inside {layer.origin}"
            out.append(build_layer(decoded[:MAX_DECODED], where, layer.depth + 1, no))
            if len(out) >= MAX_LAYERS:
                break
    return out
