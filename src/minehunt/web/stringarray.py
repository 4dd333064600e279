"""Undo the string array of javascript-obfuscator style output without running it.

The obfuscator moves every string literal into one array, rotates the array at start-up
until a checksum of ``parseInt(decoder(i))`` terms matches a constant, and replaces each
literal with a call ``decoder(index - offset, key)`` (often through alias variables and
wrapper functions with shifted indexes, and index objects). Strings may be base64 encoded
(a custom alphabet) or RC4 encrypted with a per-call key. This module finds the array, the
rotation and the decoder, reproduces them in Python and writes every resolvable call back as
its string literal. Old (2017-2019) output with a fixed rotation count is handled too.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from dataclasses import dataclass, field

from minehunt import linear
from minehunt.web.jsexpr import Unresolved, Value, evaluate, evaluate_args, js_number, unquote

__all__ = ["StringArrayResult", "decode_string_arrays"]

_STR = r"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_STR_RE = re.compile(_STR, re.S)
_ARRAY_FN = re.compile(
    r"function\s+([\w$]+)\s*\(\s*\)\s*\{\s*(?:var|const|let)\s+[\w$]+\s*=\s*\[(?=\s*['\"])"
)
_ARRAY_VAR = re.compile(r"(?:var|const|let)\s+((?:[a-z]\d_)?_0x[0-9a-f]{3,})\s*=\s*\[(?=\s*['\"])")
"""The 2016-2019 layout: a top-level ``var _0x3f2a = [...]`` (always a generated name)."""
_FUNC = re.compile(
    r"(?:function\s+([\w$]+)|(?:var|const|let)\s+([\w$]+)\s*=\s*function)"
    r"\s*\(\s*([\w$]+)\s*(?:,\s*([\w$]+)\s*)?\)\s*\{"
)
_ALPHABET = re.compile(r"""['"]([A-Za-z0-9+/=]{65})['"]""")
_KEY = r"[\w$]+|'[^'\\]*'|\"[^\"\\]*\""
_CONSTANT = r"-?0x[0-9a-fA-F]+|-?\d+|'[^'\\\n]*'|\"[^\"\\\n]*\""
_ITEM = rf"(?:{_KEY})\s*:\s*(?:{_CONSTANT})"
_OBJECT = re.compile(rf"(?<![\w$.])([\w$]+)\s*=\s*\{{\s*({_ITEM}(?:\s*,\s*{_ITEM})*)\s*,?\}}")
"""An object of constants. Its items are read one way only (a comma between two, no space
run split two ways): with ``,?`` between them, an unclosed ``{a:1 a:1 ...`` made ``re`` try
every way of cutting the digits and spaces into items, for minutes."""
_OBJ_ITEM = re.compile(rf"\s*({_KEY})\s*:\s*({_CONSTANT})")
_ALIAS = re.compile(r"(?:\b(?:var|let|const)\s+|,\s*)([\w$]+)\s*=\s*([\w$]+)\s*(?=[,;])")
_WRAPPER = re.compile(
    r"function\s+([\w$]+)\s*\(([\w$,\s]*)\)\s*\{\s*"
    r"(?:(?:var|const|let)\s+[\w$]+\s*=\s*\{[^{}]*\}\s*;?\s*)?"
    r"return\s+([\w$]+)\s*\(([^()]*)\)\s*;?\s*\}"
)
_CHECKSUM = linear.compile(
    r"=\s*([^;=]*parseInt[^;]*?);\s*if\s*\(\s*[\w$]+\s*===\s*[\w$]+\s*\)\s*break"
)
"""Searched by RE2: ``re`` read from each ``= ... parseInt`` to the next ``;``, and a line
repeating ``x = parseInt(a)`` took seconds for each rotation call after it."""
STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
MAX_STRINGS = 50_000
MAX_DEPTH = 24
PREFIX = 64
"""Characters of an encoded string decoded when only its numeric prefix is needed."""
_KEY_SCHEDULE: dict[str, tuple[int, ...]] = {}


@dataclass
class _Decoder:
    name: str
    strings: list[str]
    offset: int
    encoding: str
    """'none', 'base64' or 'rc4'."""
    alphabet: str = STD_B64
    rotation: int = 0
    cache: dict[tuple[int, str], str] = field(default_factory=dict)

    def get(self, index: Value, key: Value | None, prefix: bool = False) -> str:
        """The decoded string; ``prefix``: its first characters only (for parseInt)."""
        n = len(self.strings)
        num = js_number(index)
        if not math.isfinite(num):
            raise Unresolved("index is not a number")
        i = int(num) - self.offset
        if not 0 <= i < n:
            raise Unresolved("index out of range")
        j = (i + self.rotation) % n
        k = key if isinstance(key, str) else ""
        hit = self.cache.get((j, k))
        if hit is not None:
            return hit
        s = self.strings[j]
        if prefix and len(s) > PREFIX:
            return self._decode(s[:PREFIX], k, partial=True)
        hit = self._decode(s, k)
        self.cache[(j, k)] = hit
        return hit

    def _decode(self, s: str, key: str, partial: bool = False) -> str:
        if self.encoding == "none":
            return s
        raw = _b64(s, self.alphabet)
        try:
            text = raw.decode("utf-8", "ignore" if partial else "strict")
        except UnicodeDecodeError as e:
            raise Unresolved("not utf-8") from e
        if self.encoding == "base64":
            return text
        return _rc4(text, key)


def _b64(s: str, alphabet: str) -> bytes:
    if alphabet != STD_B64:
        s = s.translate(str.maketrans(alphabet[:64], STD_B64[:64]))
    s = re.sub(r"[^A-Za-z0-9+/]", "", s)
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4))
    except (binascii.Error, ValueError) as e:
        raise Unresolved("bad base64") from e


def _rc4(text: str, key: str) -> str:
    if not key:
        raise Unresolved("rc4 without key")
    ks = _KEY_SCHEDULE.get(key)
    if ks is None:
        b = list(range(256))
        j = 0
        for i in range(256):
            j = (j + b[i] + ord(key[i % len(key)])) % 256
            b[i], b[j] = b[j], b[i]
        ks = tuple(b)
        if len(_KEY_SCHEDULE) > 4096:
            _KEY_SCHEDULE.clear()
        _KEY_SCHEDULE[key] = ks
    box = list(ks)
    i = j = 0
    out = []
    for ch in text:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(chr(ord(ch) ^ box[(box[i] + box[j]) % 256]))
    return "".join(out)


def _string_list(text: str, start: int) -> tuple[list[str], int] | None:
    """The string literals of an array literal whose body starts at ``start`` (after '[')."""
    out: list[str] = []
    pos = start
    n = len(text)
    while pos < n and len(out) <= MAX_STRINGS:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        m = _STR_RE.match(text, pos)
        if m is None:
            return None
        out.append(unquote(m.group(0)))
        pos = m.end()
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos < n and text[pos] == "]":
            return out, pos + 1
        if pos >= n or text[pos] != ",":
            return None
        pos += 1
    return None


def _block_end(text: str, brace: int, limit: int = 200_000) -> int:
    """Index after the '}' matching the '{' at ``brace`` (strings skipped)."""
    depth = 0
    i = brace
    end = min(len(text), brace + limit)
    while i < end:
        c = text[i]
        if c in "'\"`":
            i += 1
            while i < end and text[i] != c:
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return end


def _call_end(text: str, open_paren: int, limit: int = 4000) -> int | None:
    """Index of the ')' closing the '(' at ``open_paren``, or None."""
    depth = 0
    i = open_paren
    end = min(len(text), open_paren + limit)
    while i < end:
        c = text[i]
        if c in "'\"":
            i += 1
            while i < end and text[i] != c:
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


@dataclass(frozen=True)
class _Wrapper:
    params: tuple[str, ...]
    callee: str
    args: str


@dataclass
class StringArrayResult:
    """The rewritten text and what was decoded."""

    text: str
    arrays: int = 0
    strings: int = 0
    calls: int = 0
    encodings: tuple[str, ...] = ()
    rotated: bool = False


class _Resolver:
    def __init__(self, text: str, deadline: float) -> None:
        self.text = text
        self.deadline = deadline
        self.decoders: dict[str, _Decoder] = {}
        self.aliases: dict[str, str] = {}
        self.wrappers: dict[str, _Wrapper] = {}
        self.objects: dict[str, dict[str, Value]] = {}
        self.prefix = False
        """Decode only the start of strings (the rotation checksum parses integers)."""

    def callable(self, name: str) -> bool:
        return name in self.decoders or name in self.aliases or name in self.wrappers

    def call(self, name: str, args: list[Value], depth: int = 0) -> Value:
        if depth > MAX_DEPTH:
            raise Unresolved("too deep")
        dec = self.decoders.get(name)
        if dec is not None:
            if not args:
                raise Unresolved("no index")
            return dec.get(args[0], args[1] if len(args) > 1 else None, self.prefix)
        target = self.aliases.get(name)
        if target is not None:
            return self.call(target, args, depth + 1)
        w = self.wrappers.get(name)
        if w is None:
            raise Unresolved(name)
        env = dict(zip(w.params, args, strict=False))
        inner = evaluate_args(w.args, env, self.objects, lambda n, a: self.call(n, a, depth + 1))
        return self.call(w.callee, inner, depth + 1)


def _find_arrays(text: str) -> list[tuple[str, list[str], bool]]:
    """(name, strings, is_function) for every candidate string array."""
    found: list[tuple[str, list[str], bool]] = []
    seen: set[str] = set()
    for rx, is_fn, literal in ((_ARRAY_FN, True, "function"), (_ARRAY_VAR, False, "_0x")):
        if literal not in text:
            continue  # _ARRAY_VAR starts with an alternation: re would try every position
        for m in rx.finditer(text):
            name = m.group(1)
            if name in seen:
                continue
            parsed = _string_list(text, m.end())
            if parsed is None or len(parsed[0]) < 3:
                continue
            seen.add(name)
            found.append((name, parsed[0], is_fn))
    return found


def _find_decoder(
    text: str, array: str, is_fn: bool, strings: list[str], funcs: list[re.Match[str]]
) -> _Decoder | None:
    ref = re.compile(re.escape(array) + (r"\s*\(\s*\)" if is_fn else r"\s*\["))
    for m in funcs:
        name = m.group(1) or m.group(2)
        if name == array or not ref.search(text, m.end(), m.end() + 600):
            continue
        body = text[m.end() : _block_end(text, m.end() - 1, 20_000)]
        if not ref.search(body[:600]):
            continue
        p1 = m.group(3)
        offset = 0
        om = re.search(re.escape(p1) + r"\s*=\s*" + re.escape(p1) + r"\s*-\s*([^;,]+)", body)
        if om:
            try:
                offset = int(js_number(evaluate(om.group(1))))
            except Unresolved:
                continue
        am = _ALPHABET.search(body)
        if am is None:
            encoding = "none"
            alphabet = STD_B64
        else:
            alphabet = am.group(1)
            # RC4 takes the call's second argument as its key: the decoder passes it on.
            p2 = m.group(4)
            keyed = (
                p2 is not None
                and len(re.findall(r"(?<![\w$])" + re.escape(p2) + r"(?![\w$])", body)) > 0
            )
            encoding = "rc4" if keyed and "charCodeAt" in body else "base64"
        return _Decoder(name, strings, offset, encoding, alphabet)
    return None


def _collect_helpers(r: _Resolver) -> None:
    text = r.text
    for m in _OBJECT.finditer(text):
        obj: dict[str, Value] = {}
        for item in _OBJ_ITEM.finditer(m.group(2)):
            key, val = item.groups()
            k = unquote(key) if key[0] in "'\"" else key
            try:
                obj[k] = evaluate(val)
            except Unresolved:
                continue
        r.objects.setdefault(m.group(1), obj)
    aliases = [(m.group(1), m.group(2)) for m in _ALIAS.finditer(text)]
    wrappers = [
        (
            m.group(1),
            tuple(p.strip() for p in m.group(2).split(",") if p.strip()),
            m.group(3),
            m.group(4),
        )
        for m in _WRAPPER.finditer(text)
    ]
    changed = True
    rounds = 0
    while changed and rounds < MAX_DEPTH:
        changed = False
        rounds += 1
        for name, target in aliases:
            if name not in r.aliases and not r.callable(name) and r.callable(target):
                r.aliases[name] = target
                changed = True
        for name, params, callee, args in wrappers:
            if not r.callable(name) and r.callable(callee):
                r.wrappers[name] = _Wrapper(params, callee, args)
                changed = True


def _rotate(r: _Resolver, dec: _Decoder, array: str) -> bool:
    """Find the rotation that satisfies the start-up checksum (or the fixed old-style count)."""
    call_rx = re.compile(r"\(\s*" + re.escape(array) + r"\s*,\s*([-+*0-9a-fA-FxX\s]{1,80})\)")
    for m in call_rx.finditer(r.text):
        try:
            target = js_number(evaluate(m.group(1)))
        except Unresolved:
            continue
        window = r.text[max(0, m.start() - 30_000) : m.start()]
        checks = list(_CHECKSUM.finditer(window))
        n = len(dec.strings)
        if not checks:
            tail = window[-600:]
            if "push" in tail and "shift" in tail and re.search(r"while\s*\(\s*--", tail):
                dec.rotation = int(target) % n
                return True
            continue
        expr = checks[-1].group(1)
        r.prefix = True
        try:
            return _search_rotation(r, dec, expr, target, n)
        finally:
            r.prefix = False
    return False


def _search_rotation(r: _Resolver, dec: _Decoder, expr: str, target: float, n: int) -> bool:
    """Try every rotation until the checksum expression equals the target."""
    for rot in range(n):
        if rot % 64 == 0 and time.monotonic() > r.deadline:
            break
        dec.rotation = rot
        try:
            value = evaluate(expr, None, r.objects, r.call)
        except (Unresolved, RecursionError, ValueError, OverflowError):
            continue
        if value == target:
            return True
    dec.rotation = 0
    return False


def _quote(s: str) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + s + '"'


_CALL_SITE = re.compile(r"(?<![\w$.])([\w$]+)\s*\(")


def _substitute(r: _Resolver) -> tuple[str, int]:
    """Replace every resolvable decoder/wrapper call by its string literal."""
    text = r.text
    out: list[str] = []
    pos = 0
    calls = 0
    for i, m in enumerate(_CALL_SITE.finditer(text)):
        if m.start() < pos or not r.callable(m.group(1)):
            continue
        if i % 256 == 0 and time.monotonic() > r.deadline:
            break
        if text[max(0, m.start() - 9) : m.start()].rstrip().endswith("function"):
            continue
        close = _call_end(text, m.end() - 1)
        if close is None:
            continue
        try:
            args = evaluate_args(text[m.end() : close], None, r.objects, r.call)
            value = r.call(m.group(1), args)
        except (Unresolved, RecursionError, ValueError, OverflowError):
            continue
        if not isinstance(value, str):
            continue
        out.append(text[pos : m.start()])
        out.append(_quote(value))
        pos = close + 1
        calls += 1
    out.append(text[pos:])
    return "".join(out), calls


def decode_string_arrays(text: str, deadline: float) -> StringArrayResult | None:
    """``text`` with string-array calls replaced by their strings, or None if none found."""
    if "[" not in text:
        return None
    r = _Resolver(text, deadline)
    arrays = _find_arrays(text)
    rotated = False
    funcs = list(_FUNC.finditer(text)) if arrays else []
    for array, strings, is_fn in arrays:
        dec = _find_decoder(text, array, is_fn, strings, funcs)
        if dec is not None:
            r.decoders[dec.name] = dec
            dec.strings = strings
            dec.cache.clear()
    if not r.decoders:
        return None
    _collect_helpers(r)
    for array, _strings, _is_fn in arrays:
        for dec in r.decoders.values():
            if dec.strings is _strings:
                rotated |= _rotate(r, dec, array)
    new_text, calls = _substitute(r)
    if calls == 0:
        return None
    return StringArrayResult(
        text=new_text,
        arrays=len(r.decoders),
        strings=sum(len(d.strings) for d in r.decoders.values()),
        calls=calls,
        encodings=tuple(sorted({d.encoding for d in r.decoders.values()})),
        rotated=rotated,
    )
