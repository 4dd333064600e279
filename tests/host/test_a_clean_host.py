"""On a clean machine `minehunt scan` must report nothing at medium or above.

Runs first in the suite (file name order) on the CI machine itself, before any test miner
starts: this is the false-positive check against a real Debian system.
"""

from __future__ import annotations

from minehunt.model import Severity
from tests.conftest import run_cli


def test_clean_host_has_nothing_at_medium_or_above() -> None:
    r = run_cli("scan", "--format", "json", "--min-severity", "info")
    report = r.report
    loud = [f"{f.severity} {f.check_id} {f.summary}" for f in report.at_or_above(Severity.MEDIUM)]
    assert not loud, "\n".join(loud)
    assert r.code == 0, r.stderr
    assert report.counters["processes"] > 0
