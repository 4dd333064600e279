"""Classify one decoded JSON object as a mining message of some dialect, or as nothing.

Each rule needs a protocol-specific combination of method and parameter shapes, never a
method name alone: generic JSON-RPC (`login` with username/password, `eth_getBalance`,
language-server traffic, chat) must fall through to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from minehunt.net.stratum.cryptonote import (
    classify_coinhive,
    classify_webminerpool,
    classify_xmrig,
    job_fields,
    xmr_job,
)
from minehunt.net.stratum.login import split_login
from minehunt.net.stratum.model import Dialect, Direction, MiningMessage
from minehunt.net.stratum.v1 import classify_stratum, subscribe_reply
from minehunt.net.stratum.values import (
    HEX0X,
    HIGH,
    LOW,
    MEDIUM,
    as_str,
    as_text,
    is_hex,
    is_hex0x,
    item,
)

_ETH_ADDR = re.compile(r"0x[0-9a-fA-F]{40}(?:[./].*)?")


@dataclass(frozen=True)
class Reply:
    """A JSON-RPC response that is not mining-specific on its own; a Session pairs it by id."""

    msg_id: str
    ok: bool
    error: str | None
    offset: int


Classified = MiningMessage | Reply | None


def classify(obj: dict[str, Any], d: Direction, off: int, hint: Dialect | None) -> Classified:
    """Return the mining message `obj` is, a generic reply, or None."""
    method = obj.get("method")
    if isinstance(method, str):
        if method.startswith(("mining.", "client.")):
            return classify_stratum(obj, method, d, off, hint)
        if method.startswith("eth_"):
            return _eth_proxy(obj, method, d, off)
        if method in ("login", "submit", "job", "keepalived", "getjob"):
            return classify_xmrig(obj, method, d, off)
        if method in ("getwork", "getblocktemplate", "submitblock"):
            return _getwork(obj, method, d, off)
        return None
    kind = obj.get("type")
    if isinstance(kind, str) and isinstance(obj.get("params"), dict):
        return classify_coinhive(obj["params"], kind, d, off)
    ident = obj.get("identifier")
    if isinstance(ident, str):
        return classify_webminerpool(obj, ident, d, off)
    if "result" in obj or "error" in obj:
        return _response(obj, d, off)
    return None


def _eth_proxy(obj: dict[str, Any], method: str, d: Direction, off: int) -> Classified:
    p = obj.get("params")
    if not isinstance(p, list):
        return None
    mid = as_text(obj.get("id"))
    worker = as_str(obj.get("worker")) or None
    eth = Dialect.ETH_PROXY
    if method == "eth_submitLogin":
        login = as_str(item(p, 0))
        if not login:
            return None
        conf = HIGH if _ETH_ADDR.fullmatch(login) else MEDIUM
        parts = split_login(login)
        return MiningMessage(
            eth,
            d,
            method,
            mid,
            off,
            conf,
            "eth-proxy eth_submitLogin",
            login=login,
            password=as_str(item(p, 1)),
            worker=worker or parts.worker,
        )
    if method == "eth_submitWork":
        if len(p) >= 3 and is_hex0x(p[0], 16) and is_hex0x(p[1], 64) and is_hex0x(p[2], 64):
            return MiningMessage(
                eth,
                d,
                method,
                mid,
                off,
                HIGH,
                "eth-proxy eth_submitWork",
                worker=worker,
                job_id=str(p[1]),
                is_share=True,
            )
        return None
    if method == "eth_submitHashrate":
        if len(p) >= 2 and is_hex0x(p[1], 64) and isinstance(p[0], str) and HEX0X.fullmatch(p[0]):
            return MiningMessage(eth, d, method, mid, off, MEDIUM, "eth-proxy eth_submitHashrate")
        return None
    if method == "eth_getWork" and not p:
        # Also what any Ethereum node answers; evidence only next to a login or work reply.
        return MiningMessage(eth, d, method, mid, off, LOW, "eth_getWork request", worker=worker)
    return None


def _getwork(obj: dict[str, Any], method: str, d: Direction, off: int) -> Classified:
    p = obj.get("params")
    if not isinstance(p, list):
        return None
    mid = as_text(obj.get("id"))
    gw = Dialect.GETWORK_HTTP
    if method == "getwork":
        if not p:
            return MiningMessage(gw, d, method, mid, off, MEDIUM, "getwork request")
        data = item(p, 0)
        if is_hex(data) and isinstance(data, str) and len(data) >= 160:
            return MiningMessage(gw, d, method, mid, off, HIGH, "getwork share", is_share=True)
        return None
    if method == "submitblock":
        block = item(p, 0)
        if is_hex(block) and isinstance(block, str) and len(block) >= 160:
            return MiningMessage(gw, d, method, mid, off, MEDIUM, "submitblock", is_share=True)
        return None
    # getblocktemplate is also polled by explorers and monitoring: vocabulary only.
    return MiningMessage(gw, d, method, mid, off, LOW, "getblocktemplate request")


# --- responses ---------------------------------------------------------------------------


def _response(obj: dict[str, Any], d: Direction, off: int) -> Classified:
    mid = as_text(obj.get("id"))
    result, error = obj.get("result"), obj.get("error")
    if isinstance(result, dict):
        job = result.get("job")
        if xmr_job(job):
            assert isinstance(job, dict)
            ext = result.get("extensions")
            return MiningMessage(
                Dialect.XMRIG,
                d,
                "result",
                mid,
                off,
                HIGH,
                "cryptonote login reply with job",
                reply_to="login",
                nicehash=isinstance(ext, list) and "nicehash" in ext,
                **job_fields(job),
            )
        if is_hex(result.get("data")) and ("midstate" in result or "hash1" in result):
            target = as_str(result.get("target"))
            return MiningMessage(
                Dialect.GETWORK_HTTP,
                d,
                "result",
                mid,
                off,
                HIGH,
                "getwork work reply",
                reply_to="getwork",
                is_job=True,
                target=target,
            )
        if "previousblockhash" in result and "coinbasevalue" in result and "bits" in result:
            return MiningMessage(
                Dialect.GETWORK_HTTP,
                d,
                "result",
                mid,
                off,
                MEDIUM,
                "getblocktemplate reply",
                reply_to="getblocktemplate",
                is_job=True,
                target=as_str(result.get("target")),
            )
        if isinstance(result.get("version-rolling"), bool):
            return MiningMessage(
                Dialect.STRATUM_V1,
                d,
                "result",
                mid,
                off,
                MEDIUM,
                "mining.configure reply",
                reply_to="mining.configure",
            )
    if isinstance(result, list):
        found = subscribe_reply(result, d, off, mid) or _eth_work_reply(result, d, off, mid)
        if found is not None:
            return found
    if mid is None:
        return None
    ok = error in (None, False, 0, "") and result is not False
    if isinstance(result, dict) and isinstance(result.get("status"), str):
        ok = ok and result["status"].upper() in ("OK", "KEEPALIVED")
    text = None
    if isinstance(error, dict):
        text = as_str(error.get("message"))
    elif isinstance(error, list):
        text = as_str(item(error, 1))  # Stratum V1 errors are [code, message, traceback]
    elif isinstance(error, str):
        text = error
    return Reply(mid, ok, text, off)


def _eth_work_reply(
    result: list[Any], d: Direction, off: int, mid: str | None
) -> MiningMessage | None:
    """eth_getWork reply or push: [header hash, seed hash, boundary(, block number)]."""
    if len(result) not in (3, 4) or not all(is_hex0x(x, 64) for x in result[:3]):
        return None
    # A share boundary has leading zero bits; three random hashes (eth_getFilterChanges on a
    # block filter) almost never do.
    if not str(result[2]).startswith("0x0000"):
        return None
    if len(result) == 4 and not (isinstance(result[3], str) and HEX0X.fullmatch(result[3])):
        return None
    return MiningMessage(
        Dialect.ETH_PROXY,
        d,
        "result",
        mid,
        off,
        HIGH,
        "eth-proxy work package",
        reply_to="eth_getWork",
        job_id=str(result[0]),
        target=str(result[2]),
        is_job=True,
    )
