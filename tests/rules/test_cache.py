"""Compiled rules kept on disk: used when intact and private, compiled anew otherwise."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import yara_x

from minehunt import rulecache, rules
from tests.conftest import run_cli

MARKER = b"cache-entry-marker-7f3a"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("rules-*.yarx"))


def _plant(entry: Path) -> None:
    """Overwrite ``entry`` with other rules (one that matches MARKER), sealed as the cache
    seals entries: a scan that uses them shows it read the entry instead of compiling."""
    marker = MARKER.decode()
    other = yara_x.compile(
        f'rule planted {{ meta: kind = "family" strings: $a = "{marker}" condition: $a }}'
    )
    buf = io.BytesIO()
    other.serialize_into(buf)
    rulecache._write(entry, buf.getvalue())


def _marker_found(ruleset: rules.RuleSet) -> bool:
    return any(m.rule.name == "planted" for m in ruleset.scan(MARKER))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINEHUNT_CACHE_DIR", str(folder))
    return folder


def test_a_second_load_reads_the_compiled_rules_kept_by_the_first(cache: Path) -> None:
    first = rules.load()
    (entry,) = _entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    again = rules.load()
    assert again.infos == first.infos
    assert not _marker_found(again)
    _plant(entry)
    assert _marker_found(rules.load())  # read from the entry, not compiled


def test_new_rules_get_their_own_entry(cache: Path, tmp_path: Path) -> None:
    rules.load()
    extra = tmp_path / "mine.yar"
    extra.write_text('rule mine { strings: $a = "only-in-mine" condition: $a }')
    with_extra = rules.load([extra])
    assert len(_entries(cache)) == 2
    assert [m.rule.id for m in with_extra.scan(b"only-in-mine")] == ["EXT:mine:mine"]
    extra.write_text('rule mine { strings: $a = "edited-rule" condition: $a }')
    edited = rules.load([extra])
    assert len(_entries(cache)) == 3
    assert edited.scan(b"only-in-mine") == []
    assert [m.rule.id for m in edited.scan(b"edited-rule")] == ["EXT:mine:mine"]


def test_a_rule_file_that_does_not_compile_still_says_where(cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yar"
    bad.write_text("rule broken { condition: nosuchthing }")
    with pytest.raises(rules.RulesError, match=r"bad\.yar: does not compile"):
        rules.load([bad])
    assert len(_entries(cache)) == 0


def test_a_damaged_entry_is_compiled_again_and_replaced(cache: Path) -> None:
    first = rules.load()
    (entry,) = _entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(good[:-100] + b"\0" * 100)  # a torn or edited write
    assert rules.load().infos == first.infos
    assert rulecache._read(entry) is not None  # written again, whole
    entry.write_bytes(b"not an entry at all")
    assert rules.load().infos == first.infos
    assert rulecache._read(entry) is not None


def test_entries_others_can_write_are_never_used(cache: Path) -> None:
    rules.load()
    (entry,) = _entries(cache)
    _plant(entry)
    entry.chmod(0o622)
    assert not _marker_found(rules.load())
    _plant(entry)
    cache.chmod(0o777)
    assert not _marker_found(rules.load())
    # ... nor is one written there.
    entry.unlink()
    rules.load()
    assert _entries(cache) == []


def test_a_symlinked_entry_is_not_followed(cache: Path, tmp_path: Path) -> None:
    rules.load()
    (entry,) = _entries(cache)
    elsewhere = tmp_path / "elsewhere.yarx"
    _plant(elsewhere)
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert not _marker_found(rules.load())


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("MINEHUNT_CACHE_DIR", "off")
    rules.load()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.delenv("MINEHUNT_CACHE_DIR")
    rules.load()
    assert len(_entries(tmp_path / "minehunt")) == 1


def test_old_entries_are_pruned(cache: Path, tmp_path: Path) -> None:
    for i in range(rulecache.KEEP + 3):
        extra = tmp_path / f"r{i}.yar"
        extra.write_text(f'rule r{i} {{ strings: $a = "prune-{i}" condition: $a }}')
        rules.load([extra], kinds=("external",))
    assert len(_entries(cache)) == rulecache.KEEP


def test_a_scan_runs_where_no_cache_can_be_kept(tmp_path: Path) -> None:
    sample = tmp_path / "miner.sh"
    sample.write_text("./xmrig -o stratum+tcp://127.0.0.1:3333 -u 4Abc --donate-level 1\n")
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    env = {"MINEHUNT_CACHE_DIR": str(blocked / "cache")}
    res = run_cli("scan", "files", str(sample), "--format", "json", env=env)
    assert res.code == 1, res.stderr
    assert res.report.findings
    assert "Traceback" not in res.stderr


def test_the_cli_keeps_entries_and_reads_them(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    sample = tmp_path / "page.js"
    sample.write_text("var m = new CoinHive.Anonymous('abc'); m.start();\n")
    env = {"MINEHUNT_CACHE_DIR": str(cache)}
    first = run_cli("scan", "files", str(sample), "--format", "json", env=env)
    assert first.code == 1, first.stderr
    kept = _entries(cache)
    assert kept
    for entry in kept:
        os.utime(entry, (0, 0))
    inodes = {p.name: p.stat().st_ino for p in kept}
    second = run_cli("scan", "files", str(sample), "--format", "json", env=env)
    assert second.code == 1, second.stderr
    # Read (its time of use moved on), not compiled and written again (a new file).
    assert {p.name: p.stat().st_ino for p in _entries(cache)} == inodes
    assert all(p.stat().st_mtime > 0 for p in _entries(cache))
    assert [f.check_id for f in second.report.findings] == [
        f.check_id for f in first.report.findings
    ]
