"""Stratum V1 and NiceHash EthereumStratum: the `mining.*` JSON-RPC namespace."""

from __future__ import annotations

from typing import Any

from minehunt.model import Confidence
from minehunt.net.stratum.login import split_login
from minehunt.net.stratum.model import Dialect, Direction, MiningMessage
from minehunt.net.stratum.values import (
    HIGH,
    LOW,
    MEDIUM,
    as_num,
    as_str,
    as_text,
    is_hex,
    item,
)

_V1_CLIENT = frozenset(
    {
        "mining.subscribe",
        "mining.authorize",
        "mining.submit",
        "mining.configure",
        "mining.extranonce.subscribe",
        "mining.suggest_difficulty",
        "mining.suggest_target",
        "mining.get_transactions",
        "mining.multi_version",
        "mining.hello",
        "mining.noop",
    }
)
_V1_SERVER = frozenset(
    {
        "mining.notify",
        "mining.set_difficulty",
        "mining.set_target",
        "mining.set_extranonce",
        "mining.set_version_mask",
    }
)
_CONFIGURE_EXTENSIONS = frozenset(
    {"version-rolling", "minimum-difficulty", "subscribe-extranonce", "info"}
)


def classify_stratum(
    obj: dict[str, Any], method: str, d: Direction, off: int, hint: Dialect | None
) -> MiningMessage | None:
    raw = obj.get("params")
    mid = as_text(obj.get("id"))
    if isinstance(raw, dict) and method == "mining.hello":
        # EthereumStratum/2.0.0 hello carries an object; its port is hex by that spec.
        hello_host, hello_port = as_str(raw.get("host")), as_str(raw.get("port"))
        proto = as_str(raw.get("proto"))
        endpoint = None
        if hello_host and hello_port and is_hex(hello_port):
            endpoint = f"{hello_host}:{int(hello_port, 16)}"
        ok = proto is not None and proto.startswith("EthereumStratum/")
        return MiningMessage(
            Dialect.ETHEREUM_STRATUM,
            d,
            method,
            mid,
            off,
            HIGH if ok else MEDIUM,
            "EthereumStratum/2 mining.hello",
            agent=as_str(raw.get("agent")),
            endpoint=endpoint,
        )
    if not isinstance(raw, list):
        return None
    p: list[Any] = raw
    dialect = hint if hint in (Dialect.STRATUM_V1, Dialect.ETHEREUM_STRATUM) else None
    dialect = dialect or Dialect.STRATUM_V1
    es = Dialect.ETHEREUM_STRATUM

    def msg(conf: Confidence, reason: str, dia: Dialect = dialect, **kw: Any) -> MiningMessage:
        return MiningMessage(dia, d, method, mid, off, conf, reason, **kw)

    if method == "mining.subscribe":
        strings = [x for x in p if isinstance(x, str)]
        is_es = any(x.startswith("EthereumStratum/") for x in strings)
        host, port = as_str(item(p, 2)), as_num(item(p, 3))
        endpoint = f"{host}:{int(port)}" if host and port is not None else None
        return msg(
            HIGH,
            "stratum mining.subscribe",
            es if is_es else dialect,
            agent=as_str(item(p, 0)),
            endpoint=endpoint,
            nicehash=is_es,
        )
    if method == "mining.authorize":
        login, password = as_str(item(p, 0)), as_str(item(p, 1))
        if login is None:
            return None
        parts = split_login(login, password)
        return msg(
            HIGH, "stratum mining.authorize", login=login, password=password, worker=parts.worker
        )
    if method == "mining.submit":
        return _stratum_submit(p, d, off, mid, dialect)
    if method == "mining.configure":
        names = item(p, 0)
        if not isinstance(names, list):
            return None
        known = any(n in _CONFIGURE_EXTENSIONS for n in names if isinstance(n, str))
        return msg(HIGH if known else MEDIUM, "stratum mining.configure (BIP 310)")
    if method == "mining.notify":
        return _stratum_notify(p, d, off, mid, dialect)
    if method in ("mining.set_difficulty", "mining.suggest_difficulty"):
        return msg(MEDIUM, f"stratum {method}", difficulty=as_num(item(p, 0)))
    if method in ("mining.set_target", "mining.suggest_target"):
        target = as_str(item(p, 0))
        return msg(MEDIUM, f"stratum {method}", target=target) if is_hex(target) else None
    if method == "mining.set_extranonce":
        return msg(MEDIUM, "stratum mining.set_extranonce", extranonce=as_str(item(p, 0)))
    if method == "mining.extranonce.subscribe":
        return msg(MEDIUM, "stratum mining.extranonce.subscribe", nicehash=True)
    if method in _V1_CLIENT or method in _V1_SERVER:
        return msg(MEDIUM, f"stratum {method}")
    if method == "client.reconnect":
        new_host, new_port = as_str(item(p, 0)), as_num(item(p, 1))
        endpoint = new_host
        if new_host and new_port is not None:
            endpoint = f"{new_host}:{int(new_port)}"
        return msg(LOW, "stratum client.reconnect", endpoint=endpoint)
    if method in ("client.show_message", "client.get_version"):
        return msg(LOW, f"stratum {method}")
    # Unknown names in the mining.* namespace: vocabulary only.
    return msg(LOW, f"unknown {method}") if method.startswith("mining.") else None


def _stratum_submit(
    p: list[Any], d: Direction, off: int, mid: str | None, dialect: Dialect
) -> MiningMessage | None:
    login, job_id = as_str(item(p, 0)), as_text(item(p, 1))
    if login is None or job_id is None or len(p) < 3:
        return None
    worker = split_login(login).worker
    if len(p) == 3 and is_hex(item(p, 2)):
        # EthereumStratum/1.0.0: [worker, job_id, nonce without the extranonce prefix].
        conf = HIGH if dialect == Dialect.ETHEREUM_STRATUM else MEDIUM
        reason = "stratum mining.submit (3 params)"
    elif len(p) >= 5 and is_hex(p[2]) and is_hex(p[3], 8) and is_hex(p[4], 8):
        # Bitcoin: [worker, job_id, extranonce2, ntime, nonce(, version bits)].
        conf, dialect, reason = HIGH, Dialect.STRATUM_V1, "stratum mining.submit (bitcoin share)"
    else:
        conf, reason = MEDIUM, "stratum mining.submit"
    return MiningMessage(
        dialect,
        d,
        "mining.submit",
        mid,
        off,
        conf,
        reason,
        login=login,
        worker=worker,
        job_id=job_id,
        is_share=True,
    )


def _stratum_notify(
    p: list[Any], d: Direction, off: int, mid: str | None, dialect: Dialect
) -> MiningMessage | None:
    job_id = as_text(item(p, 0))
    if job_id is None:
        return None
    conf, reason = MEDIUM, "stratum mining.notify"
    if len(p) >= 9 and is_hex(p[1], 64) and is_hex(p[5], 8) and is_hex(p[6], 8) and is_hex(p[7], 8):
        # [job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime, clean]
        conf, dialect, reason = HIGH, Dialect.STRATUM_V1, "stratum mining.notify (bitcoin job)"
    elif len(p) in (3, 4) and is_hex(p[1], 64) and is_hex(p[2], 64):
        # EthereumStratum/1.0.0: [job_id, seedhash, headerhash, clean]
        conf, dialect = HIGH, Dialect.ETHEREUM_STRATUM
        reason = "stratum mining.notify (ethash job)"
    return MiningMessage(
        dialect, d, "mining.notify", mid, off, conf, reason, job_id=job_id, is_job=True
    )


def subscribe_reply(
    result: list[Any], d: Direction, off: int, mid: str | None
) -> MiningMessage | None:
    """Stratum subscribe reply: [[["mining.notify", id], ...] | ["mining.notify", id, proto],
    extranonce1, extranonce2_size]."""
    subs = item(result, 0)
    if not isinstance(subs, list) or len(result) < 2:
        return None
    pairs: list[Any] = subs if subs and isinstance(subs[0], list) else [subs]
    names = [x for pair in pairs if isinstance(pair, list) for x in pair if isinstance(x, str)]
    if not any(n in ("mining.notify", "mining.set_difficulty") for n in names):
        return None
    is_es = any(n.startswith("EthereumStratum/") for n in names)
    extranonce = as_str(result[1])
    return MiningMessage(
        Dialect.ETHEREUM_STRATUM if is_es else Dialect.STRATUM_V1,
        d,
        "result",
        mid,
        off,
        HIGH,
        "stratum subscribe reply",
        reply_to="mining.subscribe",
        nicehash=is_es,
        extranonce=extranonce if is_hex(extranonce) else None,
    )
