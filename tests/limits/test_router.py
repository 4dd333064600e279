"""RouterOS exports at their limits: an overlong command, more entries than are kept, and a
flood of unreadable lines are each noted; the rest of the export is still checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from minehunt import intel as intel_mod
from minehunt.report import Collector
from minehunt.router import parse
from minehunt.router.audit import keep
from minehunt.router.parse import MAX_LINE, read_export
from minehunt.router.scan import scan_exports

DATA = Path(__file__).parents[1] / "router/data"
CAMPAIGN = (DATA / "campaign-6x-compact.rsc").read_text()


def test_a_command_over_the_line_limit_is_noted_and_the_rest_checked(tmp_path: Path) -> None:
    head, _, tail = CAMPAIGN.partition("/ip firewall nat")
    # One physical line just over the limit, with no newline inside, between two halves.
    p = tmp_path / "long.rsc"
    p.write_text(head + '/system note\nset note="' + "n" * MAX_LINE + '"\n/ip firewall nat' + tail)
    config = read_export(str(p), keep)
    reasons = [(n.reason or "") for n in config.skipped]
    assert f"command longer than {MAX_LINE} bytes" in reasons
    assert config.menu("/ip dns static") and config.menu("/ip firewall nat")
    col = Collector("scan router")
    findings = list(scan_exports([str(p)], intel_mod.default(), col))
    assert findings and any("longer than" in s.reason for s in col.skipped)


def test_a_file_without_newlines_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    p = tmp_path / "one-line.rsc"
    p.write_text("/ip dns static add name=x " + "a" * (4 * MAX_LINE))
    with open(p, encoding="utf-8", newline="") as f:
        sizes = [len(line) for line in parse._bounded_lines(f)]
    assert sizes == [MAX_LINE + 1]
    config = read_export(str(p), keep)
    assert [n.reason for n in config.skipped] == [f"command longer than {MAX_LINE} bytes"]


def test_entries_over_the_kept_limit_are_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is a million entries; the behaviour at it is the same at 50.
    monkeypatch.setattr(parse, "MAX_ENTRIES", 50)
    p = tmp_path / "many.rsc"
    body = "".join(f"add address=127.0.0.{i % 250} name=host{i}.example\n" for i in range(51))
    p.write_text("/ip dns static\n" + body)
    config = read_export(str(p), keep)
    assert len(config.menu("/ip dns static")) == 50
    assert [n.reason for n in config.skipped] == [
        "over 50 entries in the checked menus: the last 1 were not checked"
    ]


def test_a_flood_of_unreadable_lines_is_counted_not_kept(tmp_path: Path) -> None:
    p = tmp_path / "noise.rsc"
    noise = "".join(f"/nosuch{i} menu\n" for i in range(parse.MAX_NOTES + 5))
    p.write_text(noise + "/ip socks\nset enabled=yes\n")
    config = read_export(str(p), keep)
    assert config.singleton("/ip socks")["enabled"] == "yes"
    assert len(config.skipped) <= 53
    assert config.skipped[-1].reason == f"{parse.MAX_NOTES + 5 - 50} more unreadable line(s)"
    # Only the unknown menus remembered are listed: the 5 after the limit are counted.
