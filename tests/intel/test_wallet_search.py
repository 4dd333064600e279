"""Wallet addresses are searched only inside runs of letters, digits and ``:`` (the
regexes are slow when tried at every position): the matches must be exactly those of a
search over the whole text, for the bundled patterns and for a user's own."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt import intel as intel_mod
from minehunt import rxshape
from minehunt.intel import Intel

INTEL = intel_mod.default()
XMR = "4" + "8" + "A" * 93
BTC = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
ETH = "0x" + "ab" * 20


def _whole_text(intel: Intel, text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for pat in intel.wallets:
        for m in pat.regex.finditer(text):
            if m.group(0) not in seen:
                seen.add(m.group(0))
                out.append((pat.name, m.group(0)))
    return out


def _found(intel: Intel, text: str) -> list[tuple[str, str]]:
    return [(p.name, w) for p, w in intel.find_wallets(text)]


pieces = st.sampled_from(
    [
        XMR,
        BTC,
        ETH,
        "bc1q" + "q" * 38,
        "kaspa:q" + "p" * 61,
        "_",
        ":",
        ".",
        " ",
        "\n",
        "é",
        "x",
        "Z9",
        "-",
        "=",
        "'",
        "0x",
        "4",
        "abc" * 9,
        "\t",
        "\xa0",
        "\x1c",
        "\u2028",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=12))
def test_run_search_finds_what_a_whole_text_search_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert _found(INTEL, text) == _whole_text(INTEL, text)


def test_every_bundled_wallet_pattern_is_searched_by_runs() -> None:
    assert INTEL.wallets
    assert all(rxshape.consumes_only_word_chars(w.regex, ":") for w in INTEL.wallets)


def test_a_user_pattern_that_can_hold_other_characters_is_searched_in_the_whole_text(
    tmp_path: Path,
) -> None:
    (tmp_path / "intel.toml").write_text(
        "[[wallets]]\nname = 'dash-list'\ncoin = 'TEST'\nregex = 'W-[0-9]{4}-[0-9]{4}'\n"
    )
    intel = intel_mod.load(tmp_path, use_user_dir=False)
    odd = next(w for w in intel.wallets if w.name == "dash-list")
    assert not rxshape.consumes_only_word_chars(odd.regex, ":")
    text = f"pay {BTC} or W-1234-5678 now"
    assert ("dash-list", "W-1234-5678") in _found(intel, text)
    assert _found(intel, text) == _whole_text(intel, text)


def test_a_user_pattern_that_cannot_be_joined_is_still_searched_by_runs(tmp_path: Path) -> None:
    """Runs are pre-filtered with all run patterns joined in one; a pattern with its own
    flags is not joined (nor one referring to a group, whose number would move)."""
    (tmp_path / "intel.toml").write_text(
        "[[wallets]]\nname = 'qz'\ncoin = 'TEST'\nregex = '(?i)\\bqz[0-9]{4}\\b'\n"
    )
    intel = intel_mod.load(tmp_path, use_user_dir=False)
    qz = next(w for w in intel.wallets if w.name == "qz")
    assert rxshape.consumes_only_word_chars(qz.regex, ":")
    assert intel._wallet_shapes[3] is None
    text = f"a QZ1234 b qz12345 {BTC}" + " pad" * 10 + " " + "x:Qz9876:y"
    assert _found(intel, text) == _whole_text(intel, text)
    assert ("qz", "QZ1234") in _found(intel, text)
    assert ("qz", "Qz9876") in _found(intel, text)


def test_can_consume_reads_classes_repeats_and_case() -> None:
    assert rxshape.can_consume(re.compile(r"a\s*b"), "\n")
    assert not rxshape.can_consume(re.compile(r"a[^\n]*b"), "\n")
    assert rxshape.can_consume(re.compile(r"a[^|]*b"), "\n")
    assert not rxshape.can_consume(re.compile(r"a.b"), "\n")
    assert rxshape.can_consume(re.compile(r"(?s)a.b"), "\n")
    assert rxshape.can_consume(re.compile(r"x(?:ab|C)", re.I), "c")
    assert not rxshape.can_consume(re.compile(r"x(?:ab|C)"), "c")
