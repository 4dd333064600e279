"""``minehunt scan router`` and ``minehunt router sinkhole`` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema

from tests.conftest import run_cli
from tests.formats.test_formats import SARIF_SCHEMA
from tests.router.api_server import ApiServer
from tests.router.conftest import DATA, SshDevice
from tests.router.test_api import CAMPAIGN, PASSWORD


def test_export_scan_every_format(tmp_path: Path) -> None:
    export = str(DATA / "campaign-6x-compact.rsc")
    r = run_cli("scan", "router", "--export", export, "-f", "json")
    assert r.code == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["command"] == "scan router"
    sched = [f for f in report["findings"] if f["check_id"] == "MH-ROUTER-006"]
    assert sched[0]["target"]["kind"] == "router" and sched[0]["target"]["line"] == 37
    assert 'remove [find name="upd113"]' in sched[0]["summary"]
    r = run_cli("scan", "router", "--export", export, "-f", "sarif")
    sarif = json.loads(r.stdout)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    locs = {
        (res["ruleId"], res["locations"][0]["physicalLocation"]["region"]["startLine"])
        for res in results
        if "region" in res["locations"][0].get("physicalLocation", {})
    }
    assert ("MH-ROUTER-005", 34) in locs
    rows = list(
        csv.DictReader(io.StringIO(run_cli("scan", "router", "-e", export, "-f", "csv").stdout))
    )
    assert any(row.get("check_id") == "MH-ROUTER-007" for row in rows)
    jsonl = run_cli("scan", "router", "-e", export, "-f", "jsonl").stdout.splitlines()
    assert len(jsonl) >= 10
    table = run_cli("scan", "router", "-e", export, "-f", "table").stdout
    assert "MH-ROUTER-003" in table and "[find" in table  # config text, not markup


def test_benign_export_exits_0_and_unreadable_is_skipped(tmp_path: Path) -> None:
    r = run_cli("scan", "router", "--export", str(DATA / "benign-6x-isp.rsc"), "-f", "json")
    assert r.code == 0, r.stdout
    missing = str(tmp_path / "nope.rsc")
    r = run_cli("scan", "router", "-e", str(DATA / "benign-6x-isp.rsc"), "-e", missing, "--strict")
    assert r.code == 3
    assert json.loads(r.stdout)["skipped"][0]["target"] == missing


def test_usage_errors() -> None:
    for args in (
        ("scan", "router"),
        ("scan", "router", "127.0.0.1", "--ssh"),  # no --user
        ("scan", "router", "127.0.0.1", "--ssh", "--api", "--user", "u"),
        ("scan", "router", "127.0.0.1:99999", "--user", "u"),
        ("scan", "router", "127.0.0.1", "--ssh", "--tls", "--user", "u"),
    ):
        r = run_cli(*args)
        assert r.code == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_live_ssh_via_targets_file(ssh_device: SshDevice, tmp_path: Path) -> None:
    targets = tmp_path / "routers.txt"
    targets.write_text(f"# office\n127.0.0.1:{ssh_device.port}\n127.0.0.1:{ssh_device.port}\n")
    r = run_cli(
        "scan",
        "router",
        "--ssh",
        "--user",
        "root",
        "--key-file",
        str(ssh_device.key_file),
        "--targets",
        str(targets),
        "--concurrency",
        "2",
        "-f",
        "json",
        "--timeout",
        "20",
    )
    assert r.code == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["counters"]["router_devices"] == 2
    assert any(f["check_id"] == "MH-ROUTER-001" for f in report["findings"])


def test_live_api_password_never_printed(tmp_path: Path) -> None:
    srv = ApiServer("audit", PASSWORD, CAMPAIGN)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    wrong = tmp_path / "wrong"
    wrong.write_text("x" + PASSWORD + "\n")
    try:
        ok = run_cli(
            "-vv",
            "scan",
            "router",
            "127.0.0.1",
            "--api",
            "--port",
            str(srv.port),
            "--user",
            "audit",
            "--password-file",
            str(pw),
            "-f",
            "json",
        )
        assert ok.code == 1 and json.loads(ok.stdout)["findings"]
        sarif = run_cli(
            "scan",
            "router",
            f"127.0.0.1:{srv.port}",
            "--api",
            "--user",
            "audit",
            "--password-file",
            str(pw),
            "-f",
            "sarif",
        )
        doc = json.loads(sarif.stdout)
        jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
        uris = {
            loc["physicalLocation"]["artifactLocation"]["uri"]
            for res in doc["runs"][0]["results"]
            for loc in res["locations"]
        }
        assert uris == {f"api://127.0.0.1:{srv.port}"}
        bad = run_cli(
            "-vv",
            "scan",
            "router",
            f"127.0.0.1:{srv.port}",
            "--api",
            "--user",
            "audit",
            "--password-file",
            str(wrong),
            "-f",
            "json",
            "--strict",
        )
        assert bad.code == 3
        skipped = json.loads(bad.stdout)["skipped"]
        assert "login refused for user 'audit'" in skipped[0]["reason"]
        for out in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
            assert PASSWORD not in out
    finally:
        srv.close()


def test_sinkhole_command(tmp_path: Path) -> None:
    r = run_cli("router", "sinkhole")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert "/ip dns static" in lines
    assert 'add name="coinhive.com" address=0.0.0.0 match-subdomain=yes' in r.stdout
    out = tmp_path / "sink.rsc"
    r = run_cli("router", "sinkhole", "--routeros", "6", "-o", str(out))
    assert r.code == 0 and r.stdout == ""
    assert 'regexp="(^|\\\\.)coinhive\\\\.com\\$"' in out.read_text()
    # The file it writes is an export minehunt itself reads without a finding.
    r = run_cli("scan", "router", "-e", str(out), "-f", "json", "--strict")
    assert r.code == 0, r.stdout
    assert run_cli("router", "sinkhole", "--address", "not-an-ip").code == 2
