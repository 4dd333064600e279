"""The check registry and docs/detections.md must agree, so every ID a user sees has a page."""

from __future__ import annotations

import re
from pathlib import Path

from minehunt import checks
from minehunt.model import Severity

DOC = Path(__file__).resolve().parents[1] / "docs" / "detections.md"
ROW = re.compile(r"^\|\s*(MH-[A-Z]+-\d{3})\s*\|\s*([^|]+?)\s*\|\s*([a-z]+)\s*\|", re.M)


def _doc_rows() -> dict[str, tuple[str, str]]:
    return {m[1]: (m[2], m[3]) for m in ROW.finditer(DOC.read_text("utf-8"))}


def test_every_registered_check_is_documented_with_same_title_and_severity() -> None:
    rows = _doc_rows()
    for c in checks.CHECKS.values():
        assert c.id in rows, f"{c.id} missing from docs/detections.md"
        assert rows[c.id] == (c.title, c.severity.value), f"{c.id} differs from the registry"


def test_every_documented_check_exists() -> None:
    unknown = set(_doc_rows()) - set(checks.CHECKS)
    assert not unknown, f"docs/detections.md lists unknown checks: {sorted(unknown)}"


def test_ids_are_well_formed_and_metadata_complete() -> None:
    for cid, c in checks.CHECKS.items():
        assert cid == c.id and re.fullmatch(r"MH-[A-Z]+-\d{3}", cid)
        assert c.title and c.description and c.attack
        assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", a) for a in c.attack)
        assert isinstance(c.severity, Severity)
