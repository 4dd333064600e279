"""Deobfuscation in front of the web checks: what obfuscated JavaScript would say in clear.

Decodes, without executing anything: javascript-obfuscator string arrays (rotation, base64
and RC4 string encoding, wrappers; see ``stringarray``), Dean Edwards ``p,a,c,k,e,d``
packers, ``atob("...")`` blobs, ``String.fromCharCode(...)`` chains and ``\\xNN``/``\\uNNNN``
escapes; then normalises what obfuscators rewrite (``o['start']`` to ``o.start``, quoted
keys, ``!![]``, split strings, hex numbers) so the same checks read the decoded text as they
read plain code. Bounded in input size, output size and time; ``steps`` says what was decoded.
Most scripts are not obfuscated: each step first asks whether its literals are there at all
(from the script's ``Hints`` when given, which saves a look through the text per step).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import time
from dataclasses import dataclass
from itertools import islice

from minehunt.web.hints import Hints, WordStart, has_literal
from minehunt.web.jsexpr import Unresolved, evaluate_args, unquote
from minehunt.web.stringarray import decode_string_arrays

__all__ = ["MAX_INPUT", "Deobfuscated", "deobfuscate"]

MAX_INPUT = 8 * 1024 * 1024
"""Larger scripts are analysed as they are."""
MAX_OUTPUT = 16 * 1024 * 1024
BUDGET = 2.0
"""Seconds one script may spend in the deobfuscator (the rest of the text stays as is)."""
BUDGET_PER_MB = 4.0
ROUNDS = 3
"""Layers decoded (a packer inside a string array inside an atob blob ...)."""
MAX_BLOBS = 8
MIN_CHARS = 8
"""Characters String.fromCharCode calls must spell before the text is read again."""
MIN_ESCAPES = 8
"""Escaped letters, digits and URL characters that make escape decoding worth a re-read."""

_PACKER = re.compile(
    r"""\}\s*\(\s*(['"])((?:(?!\1)[^\\]|\\.)*)\1\s*,\s*(\d+|\[\])\s*,\s*(\d+)\s*,\s*"""
    r"""(['"])((?:(?!\5)[^\\]|\\.)*)\5\s*\.split\(\s*['"]\|['"]\s*\)""",
    re.S,
)
_PACKER_HEAD = re.compile(r"function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,")
_ATOB = WordStart(r"""atob\s*\(\s*(['"])([A-Za-z0-9+/=\s\\n]{24,})\1\s*\)""")
_FROMCHARCODE = re.compile(
    r"String\s*\.\s*fromCharCode\s*(?:\.\s*apply\s*\(\s*(?:null|this|String)\s*,\s*\[([^\[\]()]*)\]\s*\)"
    r"|\(([^()]*)\))"
)
_ESCAPES = re.compile(r"\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}")
_HEX_COUNTED = r"(?:2[eEfF]|3[0-9aA]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aA])"
_COUNTED_ESCAPE = re.compile(
    rf"\\x{_HEX_COUNTED}|\\u00{_HEX_COUNTED}|\\u\{{0{{0,4}}{_HEX_COUNTED}\}}"
)
"""The escapes ``_escapes`` counts (ASCII letters, digits and ``_.:/``), found without
decoding every escape of a bundle that has fewer than MIN_ESCAPES of them."""
_ESCAPE = re.compile(r"\\[xu]")
"""Any hex or unicode escape (``re`` finds the backslash fast)."""
_STRING_ARRAY_HINT = (
    re.compile(r"_0x[0-9a-f]{3,}"),
    re.compile(r"function\s+[\w$]+\(\)\{(?:var|const|let)\s"),
)
"""A generated name or an array function; two patterns, each found by its first literal."""
_BRACKET = re.compile(
    r"""\[\s*(\(\s*)?(?:'([A-Za-z_$][\w$]*)'|"([A-Za-z_$][\w$]*)")\s*(?(1)\)\s*)\]"""
)
_QUOTED_KEY = re.compile(r"""([{,]\s*)(?:'([A-Za-z_$][\w$]*)'|"([A-Za-z_$][\w$]*)")\s*:""")
_LITERAL = r"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CONCAT = re.compile(_LITERAL + r"(?:\s*\+\s*" + _LITERAL + ")*")
"""A string literal and the literals added to it; matching whole literals keeps it linear."""
_LITERAL_RE = re.compile(_LITERAL)
_PAREN_LITERAL = re.compile(
    r"(?:(?<=[\[+=,:?])|(?<![\w$)\]\s])(?=\(\s*['\"][^()]*\)\s*\+))\s*\(\s*(" + _LITERAL + r")\s*\)"
)
"""A string literal in parentheses where they only group: ``[("Anony")+("mous")]``."""
_HEX_NUMBER = re.compile(r"(?<![\w$.\\])0x([0-9a-fA-F]{1,12})(?![\w$])")
_OBFUSCATED_NAME = r"(?<![\w$.])([A-Za-z_$][\w$]*)"
"""An owner object's name (obfuscators use _0x3fa2c1, a0_0x3fa2 or random letters)."""
_OBJECT_START = re.compile(_OBFUSCATED_NAME + r"\s*=\s*\{")
_MEMBER_REF = re.compile(_OBFUSCATED_NAME + r"\.([A-Za-z_$][\w$]*)(?![\w$]|\s*=[^=]|\s*\()")
_MEMBER_PAIR = re.compile(
    r"""(?<=[{,])\s*([A-Za-z_$][\w$]*|'[\w$]+'|"[\w$]+")\s*:\s*("(?:[^"\\\n]|\\.)*")\s*(?=[,}])"""
)
_MEMBER_ASSIGN = re.compile(
    _OBFUSCATED_NAME + r"""\.([A-Za-z_$][\w$]*)\s*=\s*("(?:[^"\\\n]|\\.)*")\s*(?=[,;])"""
)
_ALIAS = re.compile(r"(?:\b(?:var|let|const)\s+|,\s*)([\w$]+)\s*=\s*([\w$]+)\s*(?=[,;])")
MAX_OBJECTS = 20_000
NORMALISE_BUDGET = 1.0
"""Seconds per MiB allowed for normalising after decoding."""
_PACKER_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_KEEP_ESCAPED = frozenset("'\"\\\n\r\u2028\u2029`")


@dataclass(frozen=True)
class Deobfuscated:
    """The decoded text of one script and what was decoded to get it."""

    text: str
    steps: tuple[str, ...] = ()
    """What was decoded, in order (e.g. 'string array: rc4, 57 strings, 80 calls')."""
    complete: bool = True
    """False when the time or size budget stopped decoding early."""

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    def describe(self) -> str:
        return "; ".join(dict.fromkeys(self.steps)) + ("" if self.complete else " (budget hit)")


_LAST: tuple[str, float | None, Deobfuscated] | None = None
"""The last script decoded (text, budget, result): ``scan files`` asks again for the same
text, when the dropper analysis reads what the website checks decoded. Only decoded
scripts are kept: for the others the answer is cheap, and nothing large is held."""


def deobfuscate(text: str, budget: float | None = None, hints: Hints | None = None) -> Deobfuscated:
    """Decode the obfuscation layers of ``text`` (unchanged text and no steps when none).

    ``budget`` defaults to ``BUDGET`` plus ``BUDGET_PER_MB`` for each MiB of text;
    ``hints``: the hints of ``text``, if the caller has them (they save looks through the
    text, and change nothing in the result).
    """
    global _LAST
    last = _LAST
    if last is not None and last[1] == budget and last[0] == text:
        return last[2]
    result = _deobfuscate(text, budget, hints)
    if result.changed:
        _LAST = (text, budget, result)
    return result


def _deobfuscate(text: str, budget: float | None, hints: Hints | None) -> Deobfuscated:
    if len(text) > MAX_INPUT:
        return Deobfuscated(text, (), complete=False)
    if budget is None:
        budget = BUDGET + BUDGET_PER_MB * len(text) / (1024 * 1024)
    deadline = time.monotonic() + budget
    steps: list[str] = []
    parts: list[str] = []
    complete = True
    layer = text
    size = 0
    for _ in range(ROUNDS):
        decoded, payloads = _round(layer, deadline, steps, hints)
        parts.append(decoded)
        size += len(decoded)
        if time.monotonic() > deadline or size > MAX_OUTPUT:
            complete = not payloads
            break
        if not payloads:
            break
        layer = "\n".join(payloads)  # the next round reads only what was just decoded
    out = "\n/* decoded */\n".join(parts)
    if steps:
        members = any(s.startswith("string array") for s in steps)
        extra = NORMALISE_BUDGET * max(1.0, len(out) / (1024 * 1024))
        out, done = _normalise(out, min(deadline, time.monotonic()) + extra, members)
        complete = complete and done
    return Deobfuscated(out, tuple(steps), complete)


def _round(
    text: str, deadline: float, steps: list[str], hints: Hints | None
) -> tuple[str, list[str]]:
    """One layer: rewrite in place what decodes to literals, return evaluated payloads."""
    if any(
        has_literal(text, group, hints) and rx.search(text)
        for group, rx in zip(("array_name", "array_function"), _STRING_ARRAY_HINT, strict=True)
    ):
        res = decode_string_arrays(text, deadline)
        if res is not None:
            enc = "/".join(res.encodings)
            rot = ", rotated" if res.rotated else ""
            steps.append(f"string array ({enc}, {res.strings} strings, {res.calls} calls{rot})")
            text = res.text
    if _ESCAPE.search(text):  # a 2-character literal slows the hint pass more than this
        text = _escapes(text, steps)
    if has_literal(text, "char_code", hints):
        text = _from_char_code(text, steps)
    payloads: list[str] = []
    if has_literal(text, "packer_words", hints) and _PACKER_HEAD.search(text):
        payloads += _unpack(text, steps)  # a packer's word list is .split("|")
    if has_literal(text, "atob", hints):
        payloads += _atob(text, steps)
    return text, payloads


def _escapes(text: str, steps: list[str]) -> str:
    count = 0

    def one(m: re.Match[str]) -> str:
        nonlocal count
        code = int(m.group(1) or m.group(2) or m.group(3), 16)
        ch = chr(code) if code < 0x110000 else ""
        if ch in _KEEP_ESCAPED or (code < 0x20 and ch not in "\t"):
            return m.group(0)
        if ch.isascii() and (ch.isalnum() or ch in "_.:/"):
            count += 1  # what obfuscators escape; regex sources escape other characters
        return ch

    if sum(1 for _ in islice(_COUNTED_ESCAPE.finditer(text), MIN_ESCAPES)) < MIN_ESCAPES:
        return text  # the substitution below would count fewer and return text as is
    out = _ESCAPES.sub(one, text)
    if count >= MIN_ESCAPES:
        steps.append(f"hex/unicode escapes ({count})")
        return out
    return text


def _char_codes(m: re.Match[str]) -> str | None:
    """The string a ``String.fromCharCode`` call with constant arguments makes, or None."""
    args = m.group(1) if m.group(1) is not None else m.group(2)
    if not args.strip():
        return None
    try:
        values = evaluate_args(args)
    except Unresolved:
        return None
    if not values or any(isinstance(v, str) or not 0 <= v < 0x110000 for v in values):
        return None
    return "".join(chr(int(v)) for v in values)


def _from_char_code(text: str, steps: list[str]) -> str:
    # The calls are decoded first and the text rebuilt only when they spell enough:
    # bundles call fromCharCode on variables, and a copy of each is most of the cost.
    found = [(m, s) for m in _FROMCHARCODE.finditer(text) if (s := _char_codes(m)) is not None]
    if not found or sum(len(s) for _, s in found) < MIN_CHARS:
        return text
    parts: list[str] = []
    pos = 0
    for m, s in found:
        quoted = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts += (text[pos : m.start()], '"', quoted, '"')
        pos = m.end()
    parts.append(text[pos:])
    steps.append(f"String.fromCharCode ({len(found)})")
    return "".join(parts)


def _packer_value(word: str, radix: int) -> int | None:
    n = 0
    for ch in word:
        d = _PACKER_DIGITS.find(ch)
        if d < 0 or d >= radix:
            return None
        n = n * radix + d
    return n


def _unpack(text: str, steps: list[str]) -> list[str]:
    out: list[str] = []
    for m in list(_PACKER.finditer(text))[:MAX_BLOBS]:
        payload = unquote(m.group(1) + m.group(2) + m.group(1))
        radix = 62 if m.group(3) == "[]" else int(m.group(3))
        words = unquote(m.group(5) + m.group(6) + m.group(5)).split("|")
        if not 2 <= radix <= 62:
            continue

        def word(w: re.Match[str], radix: int = radix, words: list[str] = words) -> str:
            i = _packer_value(w.group(0), radix)
            return words[i] if i is not None and i < len(words) and words[i] else w.group(0)

        out.append(re.sub(r"\b\w+\b", word, payload))
        steps.append(f"p,a,c,k,e,d packer ({len(payload)} chars, {len(words)} words)")
    return out


def _atob(text: str, steps: list[str]) -> list[str]:
    out: list[str] = []
    for m in list(_ATOB.finditer(text))[:MAX_BLOBS]:
        blob = re.sub(r"\s+|\\n", "", m.group(2))
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            continue
        if raw.startswith(b"\0asm"):
            continue  # a WebAssembly module: the wasm analyser reads it
        decoded = raw.decode("utf-8", "replace")
        printable = sum(c.isprintable() or c in "\n\r\t" for c in decoded)
        if not decoded or printable < 0.9 * len(decoded):
            continue
        out.append(decoded)
        steps.append(f"atob blob ({len(raw)} bytes)")
    return out


def _concat(m: re.Match[str]) -> str:
    if "+" not in m.group(0):
        return m.group(0)
    parts = _LITERAL_RE.findall(m.group(0))
    joined = "".join(unquote(p) for p in parts)
    return '"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _fold(text: str) -> str:
    if "+" not in text:
        return text
    text = _PAREN_LITERAL.sub(lambda m: m.group(1), text)
    return _CONCAT.sub(_concat, text)


def _string_members(text: str, deadline: float) -> str:
    """Inline ``obj.key`` where ``obj = {key: "string", ...}`` (control-flow flattening).

    A pair belongs to the nearest object literal opened before it: nested blocks rarely hold
    ``key: "string"`` pairs, and a wrong owner only leaves a reference unresolved.
    """
    starts = [(m.end(), m.group(1)) for m in _OBJECT_START.finditer(text)][:MAX_OBJECTS]
    if not starts or time.monotonic() > deadline:
        return text
    positions = [p for p, _ in starts]
    table: dict[tuple[str, str], str] = {}
    for km in _MEMBER_PAIR.finditer(text):
        owner = bisect.bisect_right(positions, km.start()) - 1
        if owner >= 0:
            table[(starts[owner][1], km.group(1).strip("'\""))] = km.group(2)
    for am in _MEMBER_ASSIGN.finditer(text):
        table[(am.group(1), am.group(2))] = am.group(3)
    if not table:
        return text
    owners = {name for name, _ in table}
    for al in _ALIAS.finditer(text):  # var b = a; b.key ...
        if al.group(2) in owners and al.group(1) not in owners:
            for (name, key), value in list(table.items()):
                if name == al.group(2):
                    table[(al.group(1), key)] = value
    owners = {name for name, _ in table}

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in owners:
            return m.group(0)
        return table.get((m.group(1), m.group(2)), m.group(0))

    return _MEMBER_REF.sub(one, text)


def _brackets(text: str) -> str:
    return _BRACKET.sub(lambda m: "." + (m.group(2) or m.group(3)), text)


def _keys(text: str) -> str:
    text = _QUOTED_KEY.sub(lambda m: m.group(1) + (m.group(2) or m.group(3)) + ":", text)
    return re.sub(r"!\[\]", " false", re.sub(r"!!\[\]", " true", text))


def _numbers(text: str) -> str:
    return _HEX_NUMBER.sub(lambda m: str(int(m.group(1), 16)), text)


def _normalise(text: str, deadline: float, members: bool = True) -> tuple[str, bool]:
    """Undo the rewriting obfuscators do to expressions they leave in place.

    Returns the text and whether every pass ran within ``deadline``. ``members``: also
    inline string-member objects (only worth it after a string array was decoded).
    """
    text = _brackets(_fold(text))
    for _ in range(4 if members else 0):  # chains of string-member objects (obfuscator)
        if time.monotonic() > deadline:
            return text, False
        inlined = _string_members(text, deadline)
        if inlined == text:
            break
        text = _brackets(inlined)
    for step in (_keys, _fold, _numbers):
        if time.monotonic() > deadline:
            return text, False
        text = step(text)
    return text, True
