"""CryptoNote (Monero) mining JSON: XMRig pool RPC and the CoinHive/webminerpool browser proxies."""

from __future__ import annotations

from typing import Any

from minehunt.net.stratum.login import looks_like_address, split_login
from minehunt.net.stratum.model import Dialect, Direction, MiningMessage
from minehunt.net.stratum.values import (
    HIGH,
    LOW,
    MEDIUM,
    as_num,
    as_str,
    as_text,
    is_hex,
    target_difficulty,
)


def xmr_job(job: object) -> bool:
    """A CryptoNote job: hashing blob (>= 76 bytes), job id and 4/8-byte target."""
    if not isinstance(job, dict):
        return False
    blob = job.get("blob")
    return (
        is_hex(blob)
        and isinstance(blob, str)
        and len(blob) >= 152
        and len(blob) % 2 == 0
        and as_text(job.get("job_id")) is not None
        and is_hex(job.get("target"), 8, 16)
    )


def xmr_share(params: dict[str, Any]) -> bool:
    """A CryptoNote share: job id, 4/8-byte nonce and 32-byte result hash."""
    return (
        as_text(params.get("job_id")) is not None
        and is_hex(params.get("nonce"), 8, 16)
        and is_hex(params.get("result"), 64)
    )


def job_fields(job: dict[str, Any]) -> dict[str, Any]:
    target = str(job["target"])
    algo = as_str(job.get("algo"))
    variant = job.get("variant")
    if algo and "/" not in algo and isinstance(variant, int) and not isinstance(variant, bool):
        algo = f"{algo}/{variant}"  # webminerpool sends algo "cn" + variant 1 for "cn/1"
    return {
        "job_id": as_text(job.get("job_id")),
        "target": target,
        "difficulty": target_difficulty(target),
        "algorithm": algo,
        "is_job": True,
    }


def classify_xmrig(
    obj: dict[str, Any], method: str, d: Direction, off: int
) -> MiningMessage | None:
    params = obj.get("params")
    if not isinstance(params, dict):
        return None
    mid = as_text(obj.get("id"))
    xmr = Dialect.XMRIG
    if method == "login":
        login = as_str(params.get("login"))
        if not login:
            return None
        password, agent = as_str(params.get("pass")), as_str(params.get("agent"))
        rigid = as_str(params.get("rigid"))
        algos = params.get("algo")
        offered = tuple(a for a in algos if isinstance(a, str)) if isinstance(algos, list) else ()
        address = looks_like_address(login)
        if offered or rigid:
            conf, reason = HIGH, "xmrig login with algo list/rigid"
        elif agent:
            # login/pass/agent alone could be any app's RPC; an address-shaped login is not.
            conf, reason = (HIGH if address else LOW), "cryptonote login with agent"
        elif password is not None:
            conf, reason = (MEDIUM if address else LOW), "cryptonote login with login+pass"
        else:
            return None
        parts = split_login(login, password)
        return MiningMessage(
            xmr,
            d,
            method,
            mid,
            off,
            conf,
            reason,
            login=login,
            password=password,
            worker=parts.worker or rigid or None,
            agent=agent,
            algorithm=parts.algorithm,
            algorithms=offered,
        )
    if method == "submit":
        if not xmr_share(params):
            return None
        return MiningMessage(
            xmr,
            d,
            method,
            mid,
            off,
            HIGH,
            "cryptonote submit with nonce+result",
            job_id=as_text(params.get("job_id")),
            algorithm=as_str(params.get("algo")),
            is_share=True,
        )
    if method == "job":
        if not xmr_job(params):
            return None
        return MiningMessage(xmr, d, method, mid, off, HIGH, "cryptonote job", **job_fields(params))
    if as_text(params.get("id")) is None:
        return None
    if method == "keepalived":
        return MiningMessage(xmr, d, method, mid, off, MEDIUM, "xmrig keepalived")
    return MiningMessage(xmr, d, method, mid, off, LOW, "cryptonote getjob")


def classify_coinhive(p: dict[str, Any], kind: str, d: Direction, off: int) -> MiningMessage | None:
    ch = Dialect.COINHIVE_WS
    if kind == "auth":
        site_key = as_str(p.get("site_key"))
        if not site_key:
            return None
        # CoinHive's miner always says which kind of auth it is; a bare site_key is a
        # reCAPTCHA-like term other sites use too.
        full = p.get("type") in ("anonymous", "user", "token") or "goal" in p
        return MiningMessage(
            ch,
            d,
            kind,
            None,
            off,
            HIGH if full else LOW,
            "coinhive auth with site_key",
            login=site_key,
            worker=as_str(p.get("user")) or None,
        )
    if kind == "login":
        login = as_str(p.get("login")) or as_str(p.get("site_key"))
        if not login:
            return None
        return MiningMessage(
            ch,
            d,
            kind,
            None,
            off,
            MEDIUM,
            "coinhive-style login",
            login=login,
            password=as_str(p.get("pass")),
            worker=as_str(p.get("user")) or None,
        )
    if kind == "submit":
        if not xmr_share(p):
            return None
        return MiningMessage(
            ch,
            d,
            kind,
            None,
            off,
            HIGH,
            "coinhive submit with nonce+result",
            job_id=as_text(p.get("job_id")),
            is_share=True,
        )
    if kind == "job":
        if not xmr_job(p):
            return None
        return MiningMessage(ch, d, kind, None, off, HIGH, "coinhive job", **job_fields(p))
    if kind == "hash_accepted" and as_num(p.get("hashes")) is not None:
        return MiningMessage(
            ch,
            d,
            kind,
            None,
            off,
            MEDIUM,
            "coinhive hash_accepted",
            accepted=True,
            acknowledged=1,
        )
    if kind == "authed" and ("token" in p or "hashes" in p):
        # {"token": ...} alone is any app's login answer; the hash counter is CoinHive's.
        conf = MEDIUM if as_num(p.get("hashes")) is not None else LOW
        return MiningMessage(ch, d, kind, None, off, conf, "coinhive authed")
    if kind in ("verified", "banned") or (kind == "error" and as_str(p.get("error"))):
        return MiningMessage(ch, d, kind, None, off, LOW, f"coinhive {kind}")
    return None


def classify_webminerpool(
    obj: dict[str, Any], ident: str, d: Direction, off: int
) -> MiningMessage | None:
    wmp = Dialect.WEBMINERPOOL_WS
    if ident == "handshake":
        login, pool = as_str(obj.get("login")), as_str(obj.get("pool"))
        if not login or not (pool or "version" in obj):
            return None
        return MiningMessage(
            wmp,
            d,
            ident,
            None,
            off,
            HIGH if pool else MEDIUM,
            "webminerpool handshake",
            login=login,
            password=as_str(obj.get("password")),
            worker=split_login(login).worker or as_str(obj.get("userid")) or None,
            endpoint=pool or None,
        )
    if ident == "solved":
        if not xmr_share(obj):
            return None
        return MiningMessage(
            wmp,
            d,
            ident,
            None,
            off,
            HIGH,
            "webminerpool solved",
            job_id=as_text(obj.get("job_id")),
            is_share=True,
        )
    if ident == "job":
        if not xmr_job(obj):
            return None
        return MiningMessage(wmp, d, ident, None, off, HIGH, "webminerpool job", **job_fields(obj))
    if ident == "hashsolved":
        return MiningMessage(
            wmp,
            d,
            ident,
            None,
            off,
            MEDIUM,
            "webminerpool hashsolved",
            accepted=True,
            acknowledged=1,
        )
    if ident in ("error", "userstats") and len(obj) <= 4:
        return MiningMessage(wmp, d, ident, None, off, LOW, f"webminerpool {ident}")
    return None
