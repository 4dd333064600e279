"""What a regular expression can consume, read from its parse tree.

Python's ``re`` tries a pattern that starts with ``\\b``, a look-behind or a character class
at every position of a text, a few MB/s. When every character a pattern can match belongs
to a small set (a wallet address: letters, digits, ``:``), or a pattern cannot cross a line,
the searches can be confined to the runs or lines that could hold a match, with the same
matches. ``re`` exposes no such analysis; this walks its own parser's tree (``re._parser``,
stable across 3.11-3.13) and answers conservatively: anything it does not know is "may".
"""

from __future__ import annotations

import re
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any, Protocol

__all__ = [
    "can_consume",
    "consumes_only_word_chars",
    "newline_by_space_only",
    "spans_in_words",
    "width",
    "width_beside_space_runs",
]


class Shaped(Protocol):
    """A compiled pattern whose source and flags ``re`` parses: ``re.Pattern`` or
    ``linear.Pattern``."""

    @property
    def pattern(self) -> str: ...
    @property
    def flags(self) -> int: ...


_CATEGORY = {
    _c.CATEGORY_DIGIT: re.compile(r"\d"),
    _c.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    _c.CATEGORY_SPACE: re.compile(r"\s"),
    _c.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    _c.CATEGORY_WORD: re.compile(r"\w"),
    _c.CATEGORY_NOT_WORD: re.compile(r"\W"),
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_ZERO_WIDTH = {_c.AT}


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns of a repeat, group, alternation or look-around; [] for the rest."""
    if op in _REPEATS:
        return [av[2]]
    if op is _c.SUBPATTERN:
        return [av[3]]
    if op is _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    return []


def _tree(rx: Shaped) -> Any:
    return _p.parse(rx.pattern, rx.flags)


def width(rx: Shaped) -> tuple[int, int]:
    """Shortest and longest match (the longest is huge when unbounded)."""
    lo, hi = _tree(rx).getwidth()
    return int(lo), int(hi)


def _in_class(items: list[tuple[Any, Any]], ch: str, nocase: bool) -> bool:
    negate = bool(items) and items[0][0] is _c.NEGATE
    hit = False
    for op, av in items[1:] if negate else items:
        if op is _c.LITERAL:
            hit = chr(av) == ch or (nocase and chr(av).lower() == ch.lower())
        elif op is _c.RANGE:
            lo, hi = av
            forms = {ch, ch.lower(), ch.upper()} if nocase else {ch}
            hit = any(len(f) == 1 and lo <= ord(f) <= hi for f in forms)
        elif op is _c.CATEGORY:
            pat = _CATEGORY.get(av)
            hit = True if pat is None else pat.match(ch) is not None
        else:
            hit = True  # unknown item: may
        if hit:
            break
    return hit != negate


def _can(seq: Any, ch: str, flags: int) -> bool:
    nocase = bool(flags & re.IGNORECASE)
    for op, av in seq:
        if op in _ZERO_WIDTH:
            continue
        if op is _c.LITERAL:
            if chr(av) == ch or (nocase and chr(av).lower() == ch.lower()):
                return True
        elif op is _c.NOT_LITERAL:
            if chr(av) != ch and not (nocase and chr(av).lower() == ch.lower()):
                return True
        elif op is _c.ANY:
            if ch != "\n" or flags & re.DOTALL:
                return True
        elif op is _c.IN:
            if _in_class(av, ch, nocase):
                return True
        elif op in _REPEATS:
            if _can(av[2], ch, flags):
                return True
        elif op is _c.SUBPATTERN:
            if _can(av[3], ch, flags):
                return True
        elif op is _c.BRANCH:
            if any(_can(b, ch, flags) for b in av[1]):
                return True
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if _can(av[1], ch, flags):
                return True
        else:
            return True  # back-references, conditionals...: may
    return False


def can_consume(rx: Shaped, ch: str) -> bool:
    """Can a match of ``rx`` include the character ``ch`` (look-arounds included)?"""
    return _can(_tree(rx).data, ch, rx.flags)


def consumes_only_word_chars(rx: Shaped, extra: str = "") -> bool:
    """Is every character any match of ``rx`` can hold a word character (``\\w``) or one of
    ``extra``? Then its matches lie inside runs of such characters, and ``\\b``/look-arounds
    at a run's ends read the same characters whether the whole text or the run is searched."""
    word = re.compile(r"\w")

    def ok(c: str) -> bool:
        return word.match(c) is not None or c in extra

    def ok_class(items: list[tuple[Any, Any]]) -> bool:
        for op, av in items:
            if op is _c.LITERAL:
                if not ok(chr(av)):
                    return False
            elif op is _c.RANGE:
                lo, hi = av
                if hi - lo > 0x3000 or not all(ok(chr(c)) for c in range(lo, hi + 1)):
                    return False
            elif op is _c.CATEGORY:
                if av not in (_c.CATEGORY_WORD, _c.CATEGORY_DIGIT):
                    return False
            else:
                return False  # a negated class, or an item not known here
        return True

    def walk(seq: Any) -> bool:
        for op, av in seq:
            if op in _ZERO_WIDTH:
                continue
            if op is _c.LITERAL:
                if not ok(chr(av)):
                    return False
            elif op is _c.IN:
                if not ok_class(av):
                    return False
            elif op in _REPEATS or op in (_c.SUBPATTERN, _c.BRANCH):
                if not all(walk(b) for b in _children(op, av)):
                    return False
            else:
                return False
        return True

    return walk(_tree(rx).data)


def newline_by_space_only(rx: Shaped) -> bool:
    """Can ``rx`` cross a line only where a run of whitespace does (``\\s*``, ``[>\\s]``,
    ``(?:-\\S+\\s+)*``)? False when an any-character repeat can carry a match over any
    number of lines: ``[\\s\\S]{0,300}``, ``[^|]*``, ``.*`` under DOTALL."""
    negated = {_c.CATEGORY_NOT_SPACE, _c.CATEGORY_NOT_WORD, _c.CATEGORY_NOT_DIGIT}

    def any_char(op: Any, av: Any) -> bool:
        if op is _c.IN:
            return (bool(av) and av[0][0] is _c.NEGATE) or any(
                o is _c.CATEGORY and a in negated for o, a in av
            )
        if op is _c.NOT_LITERAL:
            return True
        return op is _c.ANY and bool(rx.flags & re.DOTALL)

    def walk(seq: Any) -> bool:
        for op, av in seq:
            if op in _REPEATS:
                body = av[2]
                if (
                    av[1] > 1
                    and len(body) == 1
                    and any_char(*body[0])
                    and _can(body, "\n", rx.flags)
                ):
                    return False
            if not all(walk(b) for b in _children(op, av)):
                return False
        return True

    return walk(_tree(rx).data)


def width_beside_space_runs(rx: Shaped) -> int | None:
    """The longest match of ``rx`` not counting repeated whitespace (``\\s*``, ``[ \\t]+``);
    None when something else repeats without bound."""
    space = re.compile(r"\s")

    def spacy(body: Any) -> bool:
        return len(body) == 1 and (
            (
                body[0][0] is _c.IN
                and all(
                    (o is _c.CATEGORY and a is _c.CATEGORY_SPACE)
                    or (o is _c.LITERAL and space.match(chr(a)) is not None)
                    for o, a in body[0][1]
                )
            )
            or (body[0][0] is _c.LITERAL and space.match(chr(body[0][1])) is not None)
        )

    def walk(seq: Any) -> int | None:
        total = 0
        for op, av in seq:
            if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
                total += 1
            elif op in _ZERO_WIDTH or op in (_c.ASSERT, _c.ASSERT_NOT):
                continue
            elif op in _REPEATS:
                if spacy(av[2]):
                    continue
                inner = walk(av[2])
                if inner is None or (inner and av[1] is _c.MAXREPEAT):
                    return None
                total += inner * int(av[1])
            elif op is _c.SUBPATTERN:
                inner = walk(av[3])
                if inner is None:
                    return None
                total += inner
            elif op is _c.BRANCH:
                widths = [walk(b) for b in av[1]]
                if any(w is None for w in widths):
                    return None
                total += max(w for w in widths if w is not None)
            else:
                return None
        return total

    return walk(_tree(rx).data)


def spans_in_words(rx: re.Pattern[str], text: str, shortest: int) -> list[tuple[int, int]]:
    """The spans of ``rx``'s matches in ``text``, for a pattern whose matches hold no space
    and are at least ``shortest`` long: searched only in the whitespace-separated words that
    long. ``re`` would try ``rx`` at every position of the text; ``str.split`` reads it at C
    speed, and most words are shorter."""
    spans: list[tuple[int, int]] = []
    end = 0
    for word in [w for w in text.split() if len(w) >= shortest]:
        # No word that starts after ``end`` and comes before this one is as long as it.
        start = text.find(word, end)
        end = start + len(word)
        spans += [m.span() for m in rx.finditer(text, start, end)]
    return spans
