"""The behaviour patterns run on RE2, in time linear in the text: a dropper cannot hide its
commands behind a long line that repeats their first words (with Python's backtracking
``re`` such a 50 KB line took minutes, past the analysis' time limit), and RE2 finds what
``re`` finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt import dropper, intel, linear
from minehunt.dropper import behaviours as B

from .test_behaviours import CASES
from .test_windows import FRAGMENTS

IT = intel.default()
CORPUS = Path(__file__).resolve().parents[1] / "corpus/dropper"


def test_every_behaviour_pattern_runs_on_re2() -> None:
    refused = [s.key for s in B.STATIC if s.pattern is None or not s.pattern.linear]
    assert refused == []
    gaps = [k for k, v in vars(B).items() if isinstance(v, linear.Pattern) and not v.linear]
    assert gaps == []
    assert all(rx.linear for rx in B._FETCH_METHODS.values())


@pytest.mark.parametrize(("behaviour", "snippet"), CASES, ids=[c[1][:40] for c in CASES])
def test_a_long_line_of_first_words_hides_nothing(behaviour: B.Behaviour, snippet: str) -> None:
    plain = dropper.analyse(snippet, IT)
    words = snippet.split()
    # The words a match starts with, thousands of times on one line, with no match in it.
    padding = " ".join(words[:1] * 6000 + words[1:2] * 6000)
    padded = dropper.analyse(f"{padding}\n{snippet}\n", IT)
    before = {h.sub.key for s in plain.behaviours for h in s.hits}
    after = {h.sub.key for s in padded.behaviours for h in s.hits}
    assert behaviour in {s.behaviour for s in padded.behaviours}
    assert before <= after


def test_a_kill_by_cpu_share_after_a_crafted_line() -> None:
    line = "ps aux --sort=-pcpu | awk '$3>=40 {print $2}' | xargs kill -9"
    text = "x /ps/ " * 8000 + "awk\n" + line + "\n"
    a = dropper.analyse(text, IT)
    hits = [h for s in a.behaviours for h in s.hits if h.sub.key == "kill by CPU share"]
    assert [h.line for h in hits] == [2]


def _lines() -> list[str]:
    out = list(FRAGMENTS)
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            out += path.read_text(errors="replace").splitlines()[:200]
    return [ln for ln in out if ln.strip() and ln.isascii()]


LINES = _lines()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=12), st.data())
def test_re2_finds_what_re_finds(parts: list[str], data: st.DataObject) -> None:
    joins = data.draw(
        st.lists(st.sampled_from([" ", "\n", "; ", " | ", "\r\n"]), min_size=len(parts))
    )
    text = "".join(p + j for p, j in zip(parts, joins, strict=False))
    for sub in B.STATIC:
        assert sub.pattern is not None
        slow = re.compile(sub.pattern.pattern, sub.pattern.flags)
        assert [m.span() for m in sub.pattern.finditer(text)] == [
            m.span() for m in slow.finditer(text)
        ], sub.key


def test_a_long_bounded_run_is_the_same_run_in_re2() -> None:
    rx = linear.compile(r"get[\s\S]{0,2500}run", re.I)
    assert rx.linear
    assert rx.search("GET" + "x" * 2500 + "run") is not None
    assert rx.search("get" + "x" * 2501 + "run") is None


def test_what_re2_refuses_or_cannot_read_stays_with_re() -> None:
    behind = linear.compile(r"(?<![\w-])xmrig\b", re.I)
    assert not behind.linear
    assert [m.span() for m in behind.finditer("a-xmrig ./XMRig -o")] == [(10, 15)]
    lazy = linear.compile(r"\bcurl\b[^\n]*\|\s*sh")
    assert lazy.linear
    # A lone surrogate (undecodable bytes kept by surrogateescape) is no UTF-8 for RE2.
    m = lazy.search("\udcff curl http://h/x | sh")
    assert m is not None and m.span() == (2, 22)
    # Offsets are characters in any text, as with re.
    m = lazy.search("é€ curl http://h/x | sh")
    assert m is not None and m.span() == (3, 23)


def test_patterns_over_attacker_written_text_elsewhere_run_on_re2() -> None:
    """Patterns that read long runs of text a miner's operator writes: a router's files and
    layer-7 rules, a readable .env, a block list, the string-array checksum. With ``re``
    each of these took seconds to minutes on one crafted line of 40-60 KB."""
    from minehunt.intel import lists
    from minehunt.prevent import exposure
    from minehunt.router import audit, code
    from minehunt.web import stringarray

    patterns = (
        code._MINER_PATH,
        audit._RX_HOST,
        exposure._SECRET_LINE,
        lists._PLAIN,
        stringarray._CHECKSUM,
    )
    assert all(rx.linear for rx in patterns)
    assert code._MINER_PATH.search("a" * 60000 + " /lib/miner.js") is not None
    assert lists._PLAIN.fullmatch("a." * 30000 + "-") is None
