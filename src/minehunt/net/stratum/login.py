"""Split pool logins into wallet, worker and difficulty by the conventions pools use."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"([.+])([^.+]*)")
_PASS_DIFF = re.compile(r"(?:^|[,;\s])d=(\d+(?:\.\d+)?)(?:$|[,;\s])")
# Long single-token logins look like addresses; pool account names are short and wordy.
_WALLETISH = re.compile(r"(?:0x)?[0-9A-Za-z]{26,}")


@dataclass(frozen=True)
class LoginParts:
    """A login split into its parts; fields the login does not carry are None."""

    wallet: str | None
    """Login with worker, difficulty and email suffixes stripped."""
    worker: str | None
    """Worker/rig name."""
    difficulty: float | None
    """Fixed difficulty requested by `+N` in the login or `d=N` in the password."""
    email: str | None
    """Email given after `/` (payout notifications)."""
    algorithm: str | None
    """Algorithm from a MoneroOcean-style password `worker~algo`."""


def split_login(login: str | None, password: str | None = None) -> LoginParts:
    """Split `WALLET.worker`, `WALLET/worker`, `WALLET+diff[.worker]`, `WALLET.worker/email`.

    The password adds MoneroOcean's `worker~algo`, SupportXMR's `worker:email` and `d=N`.
    """
    wallet: str | None = None
    worker: str | None = None
    difficulty: float | None = None
    email: str | None = None
    algorithm: str | None = None
    if login is not None and login.strip():
        wallet = login.strip()
        if "/" in wallet:
            wallet, tail = wallet.split("/", 1)
            if "@" in tail:
                email = tail
            elif tail:
                worker = tail
        # An email used as the login keeps its dots.
        cut = min((i for i in (wallet.find("."), wallet.find("+")) if i >= 0), default=-1)
        if "@" not in wallet and cut > 0:
            rest = wallet[cut:]
            wallet = wallet[:cut]
            for sep, value in _TOKEN.findall(rest):
                if sep == "+" and value.isdigit() and difficulty is None:
                    difficulty = float(value)
                elif sep == "." and value:
                    worker = value if worker is None else f"{worker}.{value}"
        wallet = wallet or None
    if password:
        if "~" in password:
            head, _, algo = password.partition("~")
            algorithm = algo or None
            worker = worker or head or None
        elif ":" in password and "@" in password.partition(":")[2]:
            head, _, mail = password.partition(":")
            worker = worker or head or None
            email = email or mail
        match = _PASS_DIFF.search(password)
        if match and difficulty is None:
            difficulty = float(match.group(1))
    return LoginParts(wallet, worker, difficulty, email, algorithm)


def looks_like_address(login: str | None) -> bool:
    """True when the login's wallet part is one long alphanumeric token (address-shaped)."""
    wallet = split_login(login).wallet
    return wallet is not None and _WALLETISH.fullmatch(wallet) is not None
