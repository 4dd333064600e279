"""SARIF 2.1.0 for code-scanning platforms: each rule once, results by index, skipped
inputs as tool execution notifications (the shape bandit's SARIF writer uses)."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from minehunt import __version__, checks
from minehunt.model import Finding, Report, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads properties.security-severity (0-10) to rank alerts.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _uri(path: str) -> str:
    p = PurePosixPath(path)
    return "file://" + quote(str(p)) if p.is_absolute() else quote(str(p))


def _rule(check_id: str) -> dict[str, Any]:
    c = checks.CHECKS.get(check_id)
    if c is None:  # a rule from an external rule file: describe it from what we know
        return {"id": check_id, "shortDescription": {"text": check_id}}
    return {
        "id": c.id,
        "name": "".join(w.capitalize() for w in c.title.replace("/", " ").split()),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description},
        "defaultConfiguration": {"level": _LEVEL[c.severity]},
        "properties": {
            "tags": ["security", "cryptojacking", *c.attack],
            "security-severity": _SECURITY_SEVERITY[c.severity],
        },
    }


def _locations(f: Finding) -> list[dict[str, Any]]:
    t = f.target
    loc: dict[str, Any] = {}
    path = t.path or (t.exe.removesuffix(" (deleted)") if t.exe else None)
    logical: list[dict[str, Any]] = []
    if t.archive and path and path.startswith(t.archive + "!"):
        # The artifact is the archive on disk; the member is a logical location inside it
        # (a URI with '!' in it would name a file that does not exist).
        member = path[len(t.archive) + 1 :]
        loc["physicalLocation"] = {"artifactLocation": {"uri": _uri(t.archive)}}
        logical.append({"name": member, "fullyQualifiedName": path, "kind": "resource"})
    elif path and not path.startswith("/memfd:"):
        phys: dict[str, Any] = {"artifactLocation": {"uri": _uri(path)}}
        if t.line:
            phys["region"] = {"startLine": t.line}
        loc["physicalLocation"] = phys
    elif t.url:
        loc["physicalLocation"] = {"artifactLocation": {"uri": t.url}}
    if t.pid is not None:
        logical.append({"name": f"pid {t.pid} {t.name or ''}".strip(), "kind": "process"})
    if logical:
        loc["logicalLocations"] = logical
    return [loc] if loc else []


def render(report: Report) -> str:
    rule_ids: list[str] = []
    for f in report.findings:
        if f.check_id not in rule_ids:
            rule_ids.append(f.check_id)
    index = {r: i for i, r in enumerate(rule_ids)}
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.check_id,
            "ruleIndex": index[f.check_id],
            "level": _LEVEL[f.severity],
            "message": {"text": f.summary},
            "locations": _locations(f),
            "partialFingerprints": {"minehunt/target": f.fingerprint},
            "properties": {
                "severity": f.severity.value,
                "confidence": f.confidence.value,
                "attack": list(f.attack),
                "evidence": [
                    {"check_id": e.check_id, "summary": e.summary, "source": e.source}
                    for e in f.evidence
                ],
            },
        }
        if f.action:
            result["properties"]["action"] = f.action
        results.append(result)
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{s.target}: {s.reason}"},
            "descriptor": {"id": s.source},
        }
        for s in report.skipped
    ]
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "minehunt",
                        "version": report.tool_version or __version__,
                        "rules": [_rule(r) for r in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "commandLine": f"minehunt {report.command}".strip(),
                        "startTimeUtc": report.started.replace("+00:00", "Z"),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
