"""Regular expressions searched in time linear in the text, for the patterns that relate
several parts of one command (``ps ... | awk ... $3 > 50 ... kill``).

Python's ``re`` backtracks: a pattern with two ``[^\\n]*`` gaps, tried at each of the
thousands of places a crafted line repeats its first word, reads the rest of the line each
time, and a 50 KB line took minutes, long enough for a dropper padded that way to outlast
the analysis' time limit. RE2 (Google's ``google-re2``) runs an automaton instead, linear
in the text whatever the pattern. It has no look-arounds, back-references or repeats above
1000; a pattern using them stays with ``re``, as does a text RE2 cannot take (lone
surrogates). ``\\w``, ``\\s``, ``\\d`` and ``\\b`` are ASCII in RE2, Unicode in ``re``:
the same in ASCII text, and in other text closer to what a shell splits words on.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any, Literal, Protocol, overload

import re2  # type: ignore[import-untyped]

__all__ = ["Match", "Pattern", "compile"]


class Match(Protocol):
    """What the analyses read of a match, ``re``'s or RE2's."""

    @overload
    def group(self, group: Literal[0] = 0, /) -> str: ...
    @overload
    def group(self, group: int, /) -> str | Any: ...
    def start(self, group: int = 0, /) -> int: ...
    def end(self, group: int = 0, /) -> int: ...
    def span(self, group: int = 0, /) -> tuple[int, int]: ...


_INLINE = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))
_UNSUPPORTED = re.VERBOSE | re.LOCALE


_LONG_RUN = re.compile(r"(\[(?:\\.|[^\]\\])+\]|\\[sSdDwW.]|\.)\{0,(\d{4,})\}")
"""A class, class escape or dot repeated up to a bound of four digits or more."""


def _split_run(m: re.Match[str]) -> str:
    """RE2 refuses a repeat over 1000: ``x{0,2000}`` is written ``x{0,1000}x{0,1000}``, the
    same strings, the greedy one matching as far."""
    atom, bound = m.group(1), int(m.group(2))
    runs = [f"{atom}{{0,1000}}"] * (bound // 1000)
    return "".join(runs) + (f"{atom}{{0,{bound % 1000}}}" if bound % 1000 else "")


def _options() -> Any:
    options = re2.Options()
    # RE2 would log each pattern it refuses, and an automaton out of memory, to stderr.
    options.log_errors = False
    return options


def _re2(pattern: str, flags: int) -> Any | None:
    """RE2's compiled pattern, or None where it cannot be the same pattern."""
    if flags & _UNSUPPORTED or "{," in pattern:  # re reads {,n} as {0,n}, RE2 as text
        return None
    pattern = _LONG_RUN.sub(_split_run, pattern)
    inline = "".join(c for f, c in _INLINE if flags & f)
    try:
        return re2.compile(f"(?{inline}){pattern}" if inline else pattern, _options())
    except re2.error:
        return None


class Pattern:
    """A compiled pattern with the ``re.Pattern`` methods the analyses use. ``pattern`` and
    ``flags`` are ``re``'s, so ``rxshape`` reads its parse tree. Compiled on first use: a
    process that analyses no script does not pay for the eighty behaviour patterns."""

    __slots__ = ("_re", "_re2", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags | (0 if flags & re.ASCII else re.UNICODE)
        self._re: re.Pattern[str] | None = None
        self._re2: Any | None = None

    def _slow(self) -> re.Pattern[str]:
        """``re``'s pattern, compiling both on first use."""
        if self._re is None:
            self._re = re.compile(self.pattern, self.flags)
            self._re2 = _re2(self.pattern, self.flags)
        return self._re

    @property
    def groups(self) -> int:
        return self._slow().groups

    @property
    def linear(self) -> bool:
        """Is it searched by RE2 (in text RE2 takes)?"""
        self._slow()
        return self._re2 is not None

    def _engine(self, text: str) -> Any:
        slow = self._slow()
        if self._re2 is None:
            return slow
        if text.isascii():  # O(1): CPython keeps the flag
            return self._re2
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return slow
        return self._re2

    # Both engines take an endpos past the text's end as its end.
    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        found: Match | None = self._engine(text).search(text, pos, endpos)
        return found

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        found: Match | None = self._engine(text).match(text, pos, endpos)
        return found

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        found: Match | None = self._engine(text).fullmatch(text, pos, endpos)
        return found

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Match]:
        return iter(self._engine(text).finditer(text, pos, endpos))

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return list(self._engine(text).findall(text, pos, endpos))

    def __repr__(self) -> str:
        return f"linear.compile({self.pattern!r}, {self.flags!r})"


def compile(pattern: str, flags: int = 0) -> Pattern:
    return Pattern(pattern, flags)
