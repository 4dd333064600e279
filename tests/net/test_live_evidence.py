"""Evidence that arrives after a flow was first reported reaches a live watch at once."""

from __future__ import annotations

from minehunt import intel as intel_mod
from minehunt.net.capture.flows import FlowTable
from minehunt.net.capture.packets import Packet, decode
from minehunt.net.observe import NameBook
from tests.net.test_capture_properties import _tcp
from tests.support.launch import TEST_WALLET

MINER, POOL = ("10.9.0.5", 40200), ("127.0.0.26", 3333)
SUBSCRIBE = b'{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1"]}\n'
AUTHORIZE = (
    b'{"id":2,"method":"mining.authorize","params":["' + TEST_WALLET.encode() + b'.rig3","x"]}\n'
)
SUBSCRIBED = b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}\n'


def test_a_stratum_authorize_after_the_subscribe_is_reported_before_the_flow_ends() -> None:
    table = FlowTable(intel_mod.default(), NameBook(), "iface lo")
    c, s = 1000, 50_000

    def feed(*frames: bytes) -> None:
        for frame in frames:
            p = decode(1, 1_767_225_600.0, frame)
            assert isinstance(p, Packet)
            table.packet(p)

    # One batch: the connection and the subscribe; the watch takes what is notable.
    feed(
        _tcp(MINER, POOL, c, 0, 0x02, b""),
        _tcp(POOL, MINER, s, c + 1, 0x12, b""),
        _tcp(MINER, POOL, c + 1, s + 1, 0x18, SUBSCRIBE),
        _tcp(POOL, MINER, s + 1, c + 1 + len(SUBSCRIBE), 0x18, SUBSCRIBED),
    )
    key = (MINER[0], MINER[1], POOL[0], POOL[1])
    assert key in table.notable
    first = table.snapshot([key])[0]
    assert first.mining is not None and first.mining.wallet is None
    table.notable.clear()
    # A later batch: the authorize, with the wallet, while the connection stays open.
    feed(_tcp(MINER, POOL, c + 1 + len(SUBSCRIBE), s + 1 + len(SUBSCRIBED), 0x18, AUTHORIZE))
    assert key in table.notable and not table.done
    later = table.snapshot(list(table.notable))[0]
    assert later.mining is not None and later.mining.wallet == TEST_WALLET
