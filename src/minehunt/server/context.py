"""What every request handler shares: the database, the limits, the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from . import auth
from .db import Database
from .limits import RateLimiter
from .models import User

if TYPE_CHECKING:
    from .alerts import Alerter

SESSION_COOKIE = "mh_session"


@dataclass
class ServerContext:
    db: Database
    limiter: RateLimiter
    secure_cookies: bool
    login_limiter: RateLimiter | None = None
    """Sign-in attempts per client address: slows password guessing."""
    alerter: Alerter | None = None
    """Gets the new and escalated findings of every stored report (alerts.py)."""


def server(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


class LoginRequired(Exception):
    """Raised for a dashboard page without a session: the app answers with a redirect."""


def session_of(request: Request) -> tuple[User, str] | None:
    """(user, CSRF token) of the request's session cookie, or None."""
    ctx = server(request)
    with ctx.db.session() as db:
        found = auth.session_user(db, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return None
        user, sess = found
        return user, sess.csrf


def current_user(request: Request) -> User:
    """The signed-in user for the read API; 401 without a session."""
    found = session_of(request)
    if found is None:
        raise HTTPException(401, "sign in first")
    return found[0]
