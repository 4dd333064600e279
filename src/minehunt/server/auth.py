"""Secrets: agent enrolment tokens and credentials, dashboard passwords and sessions.

Tokens and credentials are 256-bit random strings, stored as SHA-256 (a slow hash adds
nothing to a secret that cannot be guessed); passwords are argon2id (argon2-cffi)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from .db import aware, now
from .models import AgentCredential, EnrolmentToken, Host, Role, Session, User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

TOKEN_PREFIX = "mhe_"
"""Enrolment tokens, so a leaked one is recognisable (and greppable) as minehunt's."""
CREDENTIAL_PREFIX = "mha_"
SESSION_HOURS = 12


class AuthError(Exception):
    """A secret was missing, unknown, expired, used or revoked."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: DbSession, name: str, expires: timedelta | None) -> str:
    """A new one-time enrolment token called ``name``; returns the secret (shown once)."""
    if db.scalar(select(EnrolmentToken).where(EnrolmentToken.name == name)) is not None:
        raise AuthError(f"a token named {name!r} already exists")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    t = now()
    db.add(
        EnrolmentToken(
            name=name,
            token_hash=digest(secret),
            created=t,
            expires=t + expires if expires else None,
        )
    )
    return secret


def revoke_token(db: DbSession, name: str) -> int:
    """Revoke the token and every agent credential enrolled with it; returns how many."""
    tok = db.scalar(select(EnrolmentToken).where(EnrolmentToken.name == name))
    if tok is None:
        raise AuthError(f"no token named {name!r}")
    t = now()
    tok.revoked = tok.revoked or t
    res = db.execute(
        update(AgentCredential)
        .where(AgentCredential.token_id == tok.id, AgentCredential.revoked.is_(None))
        .values(revoked=t)
    )
    return int(getattr(res, "rowcount", 0) or 0)


def enrol(db: DbSession, token: str, hostname: str, version: str | None) -> tuple[Host, str]:
    """Spend an enrolment token on a new host; returns the host and its credential."""
    tok = db.scalar(
        select(EnrolmentToken).where(EnrolmentToken.token_hash == digest(token)).with_for_update()
    )
    t = now()
    if tok is None or tok.revoked is not None:
        raise AuthError("unknown or revoked enrolment token")
    if tok.used is not None:
        raise AuthError("enrolment token already used")
    if tok.expires is not None and aware(tok.expires) <= t:
        raise AuthError("enrolment token expired")
    tok.used = t
    host = Host(name=hostname, enrolled=t, last_seen=t, agent_version=version, queued=0, dropped=0)
    db.add(host)
    db.flush()
    secret = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
    db.add(AgentCredential(host_id=host.id, token_id=tok.id, secret_hash=digest(secret), created=t))
    return host, secret


def agent_host(db: DbSession, credential: str) -> tuple[int, Host]:
    """The (credential id, host) a bearer credential belongs to, or AuthError."""
    cred = db.scalar(
        select(AgentCredential).where(AgentCredential.secret_hash == digest(credential))
    )
    if cred is None or cred.revoked is not None:
        raise AuthError("unknown or revoked agent credential")
    host = db.get(Host, cred.host_id)
    assert host is not None
    return cred.id, host


def agent_ids(db: DbSession, credential: str) -> tuple[int, int]:
    """(credential id, host id) of a bearer credential, in one indexed read, or AuthError:
    what every agent request checks before anything else."""
    row = db.execute(
        select(AgentCredential.id, AgentCredential.host_id).where(
            AgentCredential.secret_hash == digest(credential), AgentCredential.revoked.is_(None)
        )
    ).first()
    if row is None:
        raise AuthError("unknown or revoked agent credential")
    return int(row[0]), int(row[1])


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def add_user(db: DbSession, name: str, password: str, role: Role) -> None:
    """Create a user, or set the password and role of an existing one."""
    user = db.scalar(select(User).where(User.name == name))
    hashed = _hasher().hash(password)
    if user is None:
        db.add(User(name=name, password_hash=hashed, role=role))
    else:
        user.password_hash, user.role = hashed, role


# Verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and timing does not tell which names exist.
_DUMMY_HASH: str | None = None


def check_password(db: DbSession, name: str, password: str) -> User | None:
    from argon2.exceptions import VerificationError

    global _DUMMY_HASH
    ph = _hasher()
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or ph.hash(secrets.token_hex(8))
        with contextlib.suppress(VerificationError):
            ph.verify(_DUMMY_HASH, password)
        return None
    try:
        ph.verify(user.password_hash, password)
    except VerificationError:
        return None
    return user


def open_session(db: DbSession, user: User) -> tuple[str, str]:
    """A new session for ``user``: (cookie value, CSRF token)."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.add(
        Session(
            token_hash=digest(cookie),
            user_id=user.id,
            csrf=csrf,
            expires=now() + timedelta(hours=SESSION_HOURS),
        )
    )
    return cookie, csrf


def session_user(db: DbSession, cookie: str | None) -> tuple[User, Session] | None:
    if not cookie:
        return None
    s = db.scalar(select(Session).where(Session.token_hash == digest(cookie)))
    if s is None or aware(s.expires) <= now():
        return None
    user = db.get(User, s.user_id)
    return (user, s) if user is not None else None


def close_session(db: DbSession, cookie: str) -> None:
    s = db.scalar(select(Session).where(Session.token_hash == digest(cookie)))
    if s is not None:
        db.delete(s)


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


def parse_duration(text: str) -> timedelta:
    """'30m', '12h', '7d' -> timedelta."""
    units = {"m": 60, "h": 3600, "d": 86400}
    t = text.strip().lower()
    if len(t) < 2 or t[-1] not in units or not t[:-1].isdigit() or int(t[:-1]) <= 0:
        raise ValueError(f"{text!r}: expected a duration such as 30m, 12h or 7d")
    return timedelta(seconds=int(t[:-1]) * units[t[-1]])
