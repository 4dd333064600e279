"""Print the rows of docs/detections.md's check table from the registry.

Use it when adding checks: paste the new rows, then write their sections by hand.
"""

from __future__ import annotations

from minehunt.checks import CHECKS

print("| ID | Title | Severity alone | Confidence | Evidence kind | ATT&CK |")
print("|----|-------|----------------|------------|---------------|--------|")
for c in CHECKS.values():
    print(
        f"| {c.id} | {c.title} | {c.severity.value} | {c.confidence.value} | "
        f"{c.category.value} | {', '.join(c.attack)} |"
    )
