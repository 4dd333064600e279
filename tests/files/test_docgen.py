"""docs/detections.md lists every rule check as the rules say (python -m minehunt.files.docgen)."""

from __future__ import annotations

from minehunt import checks, rules
from minehunt.files import docgen

from .conftest import REPO


def test_detections_page_is_generated_from_the_current_rules() -> None:
    text = (REPO / "docs" / "detections.md").read_text("utf-8")
    assert docgen.render(text) == text, "run: python -m minehunt.files.docgen"


def test_every_bundled_rule_is_a_registered_check_with_its_metadata() -> None:
    compiled = {i.id: i for i in rules.bundled().infos.values()}
    assert {i.id: i for i in rules.catalog()} == compiled
    for rid, info in compiled.items():
        c = checks.get(rid)
        assert (c.severity, c.confidence, c.description) == (
            info.severity,
            info.confidence,
            info.description,
        )
