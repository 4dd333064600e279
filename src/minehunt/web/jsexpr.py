"""A tiny evaluator for the constant JavaScript expressions obfuscators leave behind.

Obfuscated code computes its string-array indexes and rotation checks from literals:
``_0x3a(0x1f2 - -0x12e, 'k3y')``, ``-parseInt(d(0x1e4))/0x1 + ...``. This module reads
string and number literals, and evaluates + - * / % and unary operators over them, with
names looked up in a table and calls handed to a callback. Nothing is executed: an
expression outside this small grammar raises ``Unresolved``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

__all__ = ["Unresolved", "Value", "evaluate", "js_number", "js_string", "parse_int", "unquote"]

Value = float | str
Call = Callable[[str, list[Value]], Value]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<name>[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*|\[\s*(?:'[^'\\]*'|"[^"\\]*")\s*\])*)
    | (?P<op>!!\[\]|!\[\]|\[\]|[-+*/%(),!])
    )""",
    re.X,
)
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(.))", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MEMBER = re.compile(r"""\s*\.\s*([A-Za-z_$][\w$]*)|\[\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*\]""")


class Unresolved(ValueError):
    """The expression is not a constant this evaluator can compute."""


def _unescape(m: re.Match[str]) -> str:
    hx, brace, u4, other = m.groups()
    if hx or brace or u4:
        code = int(hx or brace or u4, 16)
        return chr(code) if code < 0x110000 else ""
    if other == "\n":  # line continuation
        return ""
    return _SIMPLE.get(other, other)


def unquote(literal: str) -> str:
    """The value of a JavaScript string literal (quotes included in ``literal``)."""
    body = literal[1:-1]
    return _ESCAPE.sub(_unescape, body) if "\\" in body else body


def js_number(v: Value) -> float:
    """JavaScript's ToNumber for the values seen here ('0x1f' strings included)."""
    if isinstance(v, float):
        return v
    s = v.strip()
    if not s:
        return 0.0
    try:
        return float(int(s, 16)) if s[:2].lower() == "0x" else float(s)
    except ValueError:
        return math.nan


def js_string(v: Value) -> str:
    """JavaScript's ToString for numbers and strings."""
    if isinstance(v, str):
        return v
    if math.isnan(v):
        return "NaN"
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


_INT_PREFIX = re.compile(r"\s*([-+]?)(0[xX][0-9a-fA-F]+|\d+)")


def parse_int(v: Value) -> float:
    """JavaScript's parseInt(s) with the default radix."""
    m = _INT_PREFIX.match(js_string(v))
    if not m:
        return math.nan
    digits = m.group(2)
    n = int(digits, 16) if digits[:2].lower() == "0x" else int(digits)
    return float(-n if m.group(1) == "-" else n)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise Unresolved(text[pos : pos + 20])
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str]],
        names: Mapping[str, Value],
        objects: Mapping[str, Mapping[str, Value]],
        call: Call | None,
    ) -> None:
        self.toks = tokens
        self.i = 0
        self.names = names
        self.objects = objects
        self.call = call

    def peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise Unresolved("unexpected end")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> Value:
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            w = self.term()
            if op == "+":
                v = (
                    js_string(v) + js_string(w)
                    if isinstance(v, str) or isinstance(w, str)
                    else v + w
                )
            else:
                v = js_number(v) - js_number(w)
        return v

    def term(self) -> Value:
        v = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()[1]
            a, b = js_number(v), js_number(self.unary())
            if op == "*":
                v = a * b
            elif b == 0:
                v = math.nan if op == "%" or a == 0 or math.isnan(a) else math.copysign(math.inf, a)
            else:
                v = a / b if op == "/" else math.fmod(a, b)
        return v

    def unary(self) -> Value:
        tok = self.peek()
        if tok == "-":
            self.take()
            return -js_number(self.unary())
        if tok == "+":
            self.take()
            return js_number(self.unary())
        return self.primary()

    def primary(self) -> Value:
        kind, tok = self.take()
        if kind == "num":
            return float(int(tok, 16)) if tok[:2].lower() == "0x" else float(tok)
        if kind == "str":
            return unquote(tok)
        if tok == "(":
            v = self.expr()
            if self.take()[1] != ")":
                raise Unresolved("unbalanced")
            return v
        if kind == "name":
            if self.peek() == "(":
                return self.invoke(tok)
            return self.lookup(tok)
        raise Unresolved(tok)

    def invoke(self, name: str) -> Value:
        self.take()
        args: list[Value] = []
        if self.peek() != ")":
            args.append(self.expr())
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
        if self.take()[1] != ")":
            raise Unresolved("unbalanced call")
        if name == "parseInt" and args:
            return parse_int(args[0])
        if self.call is None:
            raise Unresolved(name)
        return self.call(name, args)

    def lookup(self, name: str) -> Value:
        if name in self.names:
            return self.names[name]
        head = re.match(r"[A-Za-z_$][\w$]*", name)
        assert head is not None
        obj = self.objects.get(head.group(0))
        rest = name[head.end() :]
        m = _MEMBER.fullmatch(rest) if obj is not None else None
        if obj is None or m is None:
            raise Unresolved(name)
        key = m.group(1) or m.group(2) or m.group(3) or ""
        if key not in obj:
            raise Unresolved(name)
        return obj[key]


def evaluate(
    text: str,
    names: Mapping[str, Value] | None = None,
    objects: Mapping[str, Mapping[str, Value]] | None = None,
    call: Call | None = None,
) -> Value:
    """The value of one constant expression; raises ``Unresolved`` otherwise."""
    p = _Parser(_tokens(text), names or {}, objects or {}, call)
    try:
        v = p.expr()
    except (OverflowError, ValueError, RecursionError) as e:
        raise Unresolved(str(e)[:40]) from e
    if p.i != len(p.toks):
        raise Unresolved(text[:40])
    return v


def evaluate_args(
    text: str,
    names: Mapping[str, Value] | None = None,
    objects: Mapping[str, Mapping[str, Value]] | None = None,
    call: Call | None = None,
) -> list[Value]:
    """The values of a comma-separated argument list."""
    p = _Parser(_tokens(text), names or {}, objects or {}, call)
    out: list[Value] = []
    if not p.toks:
        return out
    try:
        out.append(p.expr())
        while p.peek() == ",":
            p.take()
            out.append(p.expr())
    except (OverflowError, ValueError, RecursionError) as e:
        raise Unresolved(str(e)[:40]) from e
    if p.i != len(p.toks):
        raise Unresolved(text[:40])
    return out
