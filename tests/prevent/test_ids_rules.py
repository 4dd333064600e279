"""Suricata and Snort rules: every line parses in the engine's grammar with unique SIDs,
metadata and references; the Stratum content rules fire on the real mining exchanges of
tests/net/peers.py and stay quiet on its ordinary JSON-RPC, HTTP and WebSocket services."""

from __future__ import annotations

import socket
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.net import peers
from tests.prevent.conftest import generate
from tests.prevent.rulegrammar import Rule, matches, parse

Captured = list[tuple[bool, bytes]]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Rule]]:
    tmp = tmp_path_factory.mktemp("ids")
    out: dict[str, list[Rule]] = {}
    for engine in ("suricata", "snort"):
        path, stderr = generate(engine, tmp / f"{engine}.rules")
        assert "left out 1: Stratum V2 over Noise is encrypted" in stderr
        lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
        out[engine] = [parse(ln, engine) for ln in lines]
    return out


@pytest.mark.parametrize("engine", ["suricata", "snort"])
def test_rules_follow_the_grammar(rules: dict[str, list[Rule]], engine: str) -> None:
    parsed = rules[engine]
    sids = [r.sid for r in parsed]
    assert len(sids) == len(set(sids)), "duplicate SIDs"
    assert all(1_000_000 <= s <= 1_999_999 for s in sids)
    assert all(any(k == "metadata" for k, _ in r.options) for r in parsed)
    names = {r.msg.rsplit(" ", 1)[-1] for r in parsed if "DNS" in r.msg}
    assert {"supportxmr.com", "moneroocean.stream", "coinhive.com"} <= names
    for channel in ("DNS", "TLS", "HTTP"):
        assert sum(f" {channel} " in r.msg for r in parsed) == len(names)


def test_sids_are_stable_when_intel_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: dict[str, list[Rule]]
) -> None:
    d = tmp_path / "intel"
    d.mkdir()
    (d / "pools.txt").write_text("newpool-example.net  # pools from test\n")
    monkeypatch.setenv("MINEHUNT_INTEL_DIR", str(d))
    path, _ = generate("suricata", tmp_path / "s.rules")
    grown = {r.msg: r.sid for ln in path.read_text().splitlines() if ln.startswith("alert")
             for r in [parse(ln, "suricata")]}  # fmt: skip
    before = {r.msg: r.sid for r in rules["suricata"]}
    assert all(grown[m] == s for m, s in before.items())
    assert len(grown) == len(before) + 3


def _capture(exchange: Callable[[str], None]) -> Captured:
    """Run a peers exchange on loopback, recording every payload and its direction."""
    clients: weakref.WeakSet[socket.socket] = weakref.WeakSet()
    sent: Captured = []
    real_connect, real_sendall = socket.socket.connect, socket.socket.sendall

    def connect(self: socket.socket, address: object) -> None:
        clients.add(self)
        real_connect(self, address)  # type: ignore[arg-type]

    def sendall(self: socket.socket, data: bytes, *args: int) -> None:
        sent.append((self in clients, bytes(data)))
        real_sendall(self, data, *args)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "sendall", sendall)
    try:
        exchange("127.0.0.1")
    finally:
        mp.undo()
    return sent


def _fired(rules: list[Rule], sent: Captured) -> Iterator[tuple[str, Rule]]:
    for r in rules:
        if r.buffers or (not r.contents and not r.pcres):
            continue
        want_server = "to_server" in r.flow
        for to_server, data in sent:
            if to_server == want_server and matches(r, data):
                yield r.msg, r
                break


POSITIVE = {
    "malformed_then_xmrig": "XMRig/CryptoNote login with algorithm list",
    "nicehash_ethstratum": "NiceHash EthereumStratum subscribe",
    "eth_proxy": "eth-proxy login or work submit",
    "coinhive_ws": "CoinHive-style browser-miner job",
    "webminerpool_ws": "webminerpool browser-miner job",
    "stratum_v2": "Stratum V2 SetupConnection",
}


@pytest.mark.parametrize("engine", ["suricata", "snort"])
@pytest.mark.parametrize("exchange", sorted(POSITIVE))
def test_content_rules_fire_on_mining(
    rules: dict[str, list[Rule]], engine: str, exchange: str
) -> None:
    sent = _capture(getattr(peers, exchange))
    fired = [msg for msg, _ in _fired(rules[engine], sent)]
    assert any(POSITIVE[exchange] in m for m in fired), fired


@pytest.mark.parametrize("exchange", ["lsp_jsonrpc", "http_page", "chat_websocket"])
def test_content_rules_quiet_on_ordinary_services(
    rules: dict[str, list[Rule]], exchange: str
) -> None:
    fn = getattr(peers, exchange)
    sent = _capture(lambda h: fn(h, 1.0) if exchange == "chat_websocket" else fn(h))
    for engine in ("suricata", "snort"):
        assert [m for m, _ in _fired(rules[engine], sent)] == []
