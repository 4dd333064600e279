"""The finding model round-trips through JSON for any values a source can put in it (a
sink, the server and `Report.from_dict` rely on it): hostile strings, every enum, nested
containers, evidence attributes of every scalar type."""

from __future__ import annotations

import json
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from minehunt.formats import OutputFormat, render
from minehunt.model import (
    CheckId,
    Confidence,
    Container,
    Evidence,
    Finding,
    Report,
    Severity,
    Skipped,
    Target,
    TargetKind,
)

text = st.text(max_size=40)
maybe = st.none() | text
scalar = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | text
    | st.floats(allow_nan=False, allow_infinity=False)
)
containers = st.builds(
    Container,
    id=st.text("0123456789abcdef", min_size=64, max_size=64),
    runtime=maybe,
    name=maybe,
    image=maybe,
    labels=st.lists(st.tuples(text, text), max_size=3).map(tuple),
)
targets = st.builds(
    Target,
    kind=st.sampled_from(TargetKind),
    name=maybe,
    pid=st.none() | st.integers(1, 2**22),
    started=st.none() | st.floats(0, 2e9),
    exe=maybe,
    cmdline=st.none() | st.lists(text, max_size=4).map(tuple),
    path=maybe,
    line=st.none() | st.integers(1, 10**6),
    url=maybe,
    raddr=maybe,
    container=st.none() | containers,
)
evidence = st.builds(
    Evidence,
    check_id=st.sampled_from(["MH-PROC-001", "MH-NET-101", "MH-WEB-001"]).map(CheckId),
    summary=text,
    source=maybe,
    line=st.none() | st.integers(1, 10**6),
    attributes=st.dictionaries(st.text(min_size=1, max_size=10), scalar, max_size=4),
)
findings = st.builds(
    Finding,
    check_id=st.sampled_from(["MH-PROC-001", "MH-NET-101"]).map(CheckId),
    title=text,
    severity=st.sampled_from(Severity),
    confidence=st.sampled_from(Confidence),
    target=targets,
    summary=text,
    evidence=st.lists(evidence, max_size=3).map(tuple),
    attack=st.lists(st.sampled_from(["T1496", "T1105"]), min_size=1, max_size=2).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(findings, max_size=4), st.lists(st.builds(Skipped, text, text, text), max_size=2))
def test_any_report_round_trips_through_json(found: list[Finding], skipped: list[Skipped]) -> None:
    report = Report(findings=tuple(found), skipped=tuple(skipped), command="scan")
    doc = json.loads(render(report, OutputFormat.JSON))
    assert Report.from_dict(doc) == report
    assert Report.from_dict(json.loads(json.dumps(asdict(report)))) == report
