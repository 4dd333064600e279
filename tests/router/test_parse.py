"""The RouterOS export parser: console syntax of 6.x and 7.x, line numbers, and hostile
input that must be skipped with a reason while the rest is still read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt.router.audit import keep
from minehunt.router.model import Action, Entry, Note
from minehunt.router.parse import parse_export, parse_print, read_export, tokenize
from tests.router.conftest import DATA


def _items(text: str) -> list[Entry | Note]:
    return list(parse_export(text.splitlines(keepends=True)))


def _entries(text: str) -> list[Entry]:
    return [i for i in _items(text) if isinstance(i, Entry)]


def test_continuations_quotes_escapes_and_line_numbers() -> None:
    text = (
        "# nov/20/2026 03:12:44 by RouterOS 6.49.10\n"
        "# software id = H4PS-9ZZQ\n"
        "#\n"
        "# model = RB4011iGS+\n"
        "/system script\n"
        'add name=s1 source="/tool fetch url=\\"http://a.example/x\\" dst-pa\\\n'
        "    th=x.rsc\\r\\\n"
        "    \\n/import x.rsc\\r\\\n"
        '    \\n:put \\"caf\\C3\\A9 \\$price\\_ok\\?\\"\\\\" policy=read\n'
        "/ip firewall nat\n"
        'add action=redirect chain=dstnat comment="a \\"quoted\\" comment" \\\n'
        "    dst-port=80 protocol=tcp to-ports=8080\n"
    )
    items = _items(text)
    notes = [i for i in items if isinstance(i, Note)]
    assert [n.version for n in notes if n.version] == ["6.49.10"]
    assert [n.software_id for n in notes if n.software_id] == ["H4PS-9ZZQ"]
    assert [n.model for n in notes if n.model] == ["RB4011iGS+"]
    script, nat = [i for i in items if isinstance(i, Entry)]
    assert script.menu == "/system script" and script.line == 6
    assert script.props["source"] == (
        '/tool fetch url="http://a.example/x" dst-path=x.rsc\r\n/import x.rsc\r\n'
        ':put "café $price ok?"\\'
    )
    assert script.props["policy"] == "read"
    assert nat.line == 11 and nat.action is Action.ADD
    assert nat.props["comment"] == 'a "quoted" comment'
    assert nat.props["to-ports"] == "8080"


def test_selectors_set_forms_slash_menus_and_terse_lines() -> None:
    text = (
        "/interface ethernet\n"
        'set [ find default-name=ether1 ] name=wan comment="uplink [isp]"\n'
        "/ip service\n"
        "set telnet disabled=yes\n"
        "set 3 port=2222\n"
        "/ip/socks\n"
        "set enabled=yes port=4153\n"
        "/ip firewall filter add action=drop chain=input in-interface-list=!LAN\n"
        "/ip/dns/static/add name=a.example address=10.0.0.1\n"
    )
    eth, telnet, third, socks, flt, dns = _entries(text)
    assert eth.selector == "find default-name=ether1" and eth.name == "wan"
    assert eth.props["comment"] == "uplink [isp]"
    assert telnet.selector == "telnet" and telnet.name == "telnet" and telnet.disabled
    assert third.selector == "3" and third.props["port"] == "2222"
    assert socks.menu == "/ip socks" and socks.action is Action.SET and socks.selector is None
    assert flt.menu == "/ip firewall filter" and flt.props["in-interface-list"] == "!LAN"
    assert dns.menu == "/ip dns static" and dns.props["name"] == "a.example"


def test_tokenize_brackets_and_nested_quotes() -> None:
    toks = tokenize('set [find where name~"a]b" and comment="x"] on-event=[/system identity get]')
    assert toks[1].bracket and toks[1].value == 'find where name~"a]b" and comment="x"'
    assert toks[2].key == "on-event" and toks[2].value == "/system identity get"


def test_truncated_export_keeps_what_came_before(tmp_path: Path) -> None:
    full = (DATA / "campaign-6x-compact.rsc").read_text()
    cut = full[: full.index("/system script")] + '/system script\nadd name=x source="/tool f\\\n'
    p = tmp_path / "cut.rsc"
    p.write_text(cut)
    config = read_export(str(p), keep)
    assert config.menu("/system scheduler") and config.menu("/ip socks access")
    reasons = [n.reason for n in config.skipped]
    assert any("ends inside a continued command" in (r or "") for r in reasons), reasons
    # Unterminated quote on the last line, without a continuation.
    p.write_text(full.splitlines()[0] + '\n/ip socks\nset enabled=yes\n/ip proxy\nset x="abc\n')
    config = read_export(str(p), keep)
    assert config.singleton("/ip socks")["enabled"] == "yes"
    assert any("unterminated quoted string" in (n.reason or "") for n in config.skipped)


def test_binary_garbage_is_skipped_once_and_the_rest_is_read(tmp_path: Path) -> None:
    good = (DATA / "campaign-7x-verbose.rsc").read_bytes()
    lines = good.splitlines(keepends=True)
    garbage = bytes(range(256)) * 40 + b"\n" + b"\x00\xff\xfe" * 300 + b"\n"
    p = tmp_path / "garbled.rsc"
    p.write_bytes(b"".join(lines[:20]) + garbage + b"".join(lines[20:]))
    config = read_export(str(p), keep)
    binary = [n for n in config.skipped if "binary data" in (n.reason or "")]
    assert len(binary) == 1 and binary[0].line is not None and binary[0].line > 20
    assert config.menu("/system scheduler") and config.menu("/ip socks access")
    whole = tmp_path / "firmware.npk"
    whole.write_bytes(bytes(range(256)) * 64)
    config = read_export(str(whole), keep)
    assert config.entries == () and "binary file" in (config.skipped[0].reason or "")


def test_unknown_menus_and_syntax_are_skipped_with_reason() -> None:
    text = (
        "/ip socks\n"
        "set enabled=yes\n"
        "/quantum tunnel\n"
        "add name=q1 entangle=yes\n"
        "add name=q2\n"
        "/ip firewall filter\n"
        "frobnicate chain=input\n"
        ':if ([/system resource get uptime] < 1h) do={ :log info "fresh" }\n'
        "add action=drop chain=input in-interface-list=!LAN\n"
    )
    from minehunt.router.parse import build_config

    config = build_config("x.rsc", parse_export(text.splitlines()), keep)
    reasons = [n.reason or "" for n in config.skipped]
    assert "unknown menu /quantum tunnel: its 2 command(s) were not checked" in reasons
    assert any(r.startswith("unknown command in /ip firewall filter") for r in reasons)
    assert any(r.startswith("script statement") for r in reasons)
    assert config.singleton("/ip socks")["enabled"] == "yes"
    assert config.menu("/ip firewall filter")[0].line == 9


def test_100k_line_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    p = tmp_path / "big.rsc"
    with p.open("w") as f:
        f.write("# jan/01/2026 00:00:00 by RouterOS 6.49.10\n/ip route\n")
        for i in range(50_000):  # two physical lines each: 100k lines
            f.write(f"add distance=1 dst-address=10.{i // 250 % 250}.{i % 250}.0/24 \\\n")
            f.write(f'    gateway=192.168.{i % 250}.1 comment="route {i}"\n')
        f.write("/ip socks\nset enabled=yes port=4153\n")
    # In a child process: its peak RSS growth while parsing is the parser's memory.
    probe = (
        "import resource, sys\n"
        "from minehunt.router.audit import keep\n"
        "from minehunt.router.parse import read_export\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "config = read_export(sys.argv[1], keep)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(config.counters['entries'], config.singleton('/ip socks')['port'], after - before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(p)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[:2] == ["50001", "4153"]
    assert int(out[2]) < 32 * 1024  # KiB: entries of unaudited menus are not kept


def test_print_detail_rows_comments_and_flags() -> None:
    text = (
        "Flags: X - disabled\n"
        " 0   ;;; system default user\n"
        '     name="admin" group=full address=""\n'
        "\n"
        ' 1 X name="old" group=full\n'
    )
    admin, old = [i for i in parse_print(text, "/user") if isinstance(i, Entry)]
    assert admin.name == "admin" and admin.props["comment"] == "system default user"
    assert not admin.disabled and old.disabled


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_any_text(text: str) -> None:
    for item in parse_export(text.splitlines(keepends=True)):
        assert isinstance(item, Entry | Note)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(max_codepoint=0x2FF, blacklist_categories=("Cc", "Cs")), max_size=80))
def test_quoted_values_round_trip(value: str) -> None:
    from minehunt.router.sinkhole import _quote

    (entry,) = _entries(f"/system script\nadd name=x source={_quote(value)}\n")
    assert entry.props["source"] == value
