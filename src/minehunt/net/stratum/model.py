"""Value types of the mining-protocol parser: dialects, directions, messages and summaries.

Confidence is the project-wide `minehunt.model.Confidence`, so a summary maps onto a Finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from minehunt.model import Confidence


class Dialect(StrEnum):
    """A mining protocol family as seen on the wire."""

    STRATUM_V1 = "stratum-v1"
    """Bitcoin-style Stratum: `mining.subscribe` / `mining.authorize` / `mining.notify`."""
    ETHEREUM_STRATUM = "ethereum-stratum"
    """NiceHash EthereumStratum/1.0.0 (and 2.0.0): `mining.*` with Ethash-shaped jobs."""
    XMRIG = "xmrig"
    """CryptoNote/Monero pool JSON-RPC as XMRig speaks it: `login` / `job` / `submit`."""
    ETH_PROXY = "eth-proxy"
    """Claymore/Phoenix eth-proxy: `eth_submitLogin` / `eth_getWork` / `eth_submitWork`."""
    GETWORK_HTTP = "getwork-http"
    """HTTP `getwork` / `getblocktemplate` with X-Mining-Extensions / X-Stratum headers."""
    COINHIVE_WS = "coinhive-ws"
    """CoinHive-style browser proxy: `{"type":"auth"|"job"|"submit"|"hash_accepted",...}`."""
    WEBMINERPOOL_WS = "webminerpool-ws"
    """webminerpool browser proxy: `{"identifier":"handshake"|"job"|"solved",...}`."""
    STRATUM_V2 = "stratum-v2"
    """Plaintext Stratum V2 binary framing (SetupConnection with protocol = mining)."""
    STRATUM_V2_NOISE = "stratum-v2-noise"
    """Encrypted Stratum V2; only the caller can report it (port + handshake size)."""


class Direction(StrEnum):
    """Which side of the connection sent the bytes."""

    CLIENT = "client"
    """From the miner to the pool."""
    SERVER = "server"
    """From the pool to the miner."""


@dataclass(frozen=True)
class MiningMessage:
    """One mining-protocol message recognised in one direction of a stream."""

    dialect: Dialect
    """Protocol family the message belongs to."""
    direction: Direction
    """Who sent it."""
    method: str | None
    """Method, type or identifier (`login`, `mining.submit`, `job`); `result` for replies."""
    msg_id: str | None
    """JSON-RPC id (or Stratum V2 request id / sequence number) as text."""
    offset: int
    """Byte offset of the message start within that direction's stream."""
    confidence: Confidence
    """How specific the message is on its own."""
    reason: str
    """Short why-it-matched text for findings, e.g. `xmrig login with agent`."""
    login: str | None = None
    """Login as sent (wallet plus any worker/difficulty suffixes), site key or user identity."""
    password: str | None = None
    """Password field as sent."""
    worker: str | None = None
    """Worker/rig name when the message names one explicitly or the login carries one."""
    agent: str | None = None
    """Miner user agent (XMRig agent, subscribe agent, HTTP User-Agent, V2 vendor/firmware)."""
    algorithm: str | None = None
    """Algorithm this job/share/login is for."""
    algorithms: tuple[str, ...] = ()
    """Algorithms the miner offers (XMRig login `algo` list)."""
    job_id: str | None = None
    """Job the message carries or answers."""
    is_share: bool = False
    """A share (proof of work) submission."""
    is_job: bool = False
    """New work sent by the pool."""
    difficulty: float | None = None
    """Share difficulty set or implied by the target."""
    target: str | None = None
    """Share target as hex, as sent."""
    extranonce: str | None = None
    """Extranonce (prefix) assigned by the pool."""
    nicehash: bool = False
    """NiceHash feature seen: EthereumStratum/1.0.0, XMRig `nicehash`, extranonce.subscribe."""
    endpoint: str | None = None
    """host[:port] the message names (V2 endpoint, HTTP Host, X-Stratum, handshake pool)."""
    reply_to: str | None = None
    """For replies: the method of the request answered (known from the reply or by pairing)."""
    accepted: bool | None = None
    """For share acknowledgements: accepted (True) or rejected (False)."""
    acknowledged: int = 0
    """How many shares this acknowledgement covers (Stratum V2 batches them)."""


@dataclass(frozen=True)
class SessionSummary:
    """What one connection (both directions) says about the mining it carries."""

    dialect: Dialect
    """Main protocol family of the conversation."""
    confidence: Confidence
    """HIGH: both sides seen with work or shares; MEDIUM: one side clearly; LOW: weak signs."""
    login: str | None
    """Login as sent by the miner."""
    wallet: str | None
    """Login with worker/difficulty/email suffixes stripped (not validated as an address)."""
    worker: str | None
    """Worker/rig name from the login, rigid, explicit worker field or password convention."""
    password: str | None
    """Password as sent."""
    agent: str | None
    """Miner user agent."""
    algorithms: tuple[str, ...]
    """Algorithms of jobs/shares, else the ones the miner offered."""
    pool_endpoint: str | None
    """host[:port] named inside the protocol, if any."""
    jobs: int
    """Jobs sent by the pool."""
    shares: int
    """Shares submitted by the miner."""
    accepted: int
    """Shares acknowledged as accepted."""
    rejected: int
    """Shares acknowledged as rejected."""
    first_offset: int
    """Offset of the first mining message, in `first_direction`'s stream."""
    first_direction: Direction
    """Direction of the first mining message."""
    difficulty: float | None
    """Last difficulty seen."""
    extranonce: str | None
    """First extranonce assigned."""
    nicehash: bool
    """Any NiceHash feature seen."""
    messages: int
    """Mining messages seen (both directions)."""
    reasons: tuple[str, ...]
    """Distinct match reasons, strongest first, then alphabetical (at most eight)."""
