"""The ASGI application: API and dashboard routers, limits, security headers, and the
uvicorn runner ``minehunt server`` calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from . import api, dashboard
from .context import LoginRequired, ServerContext
from .db import Database
from .limits import BodyLimit, RateLimiter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@dataclass(frozen=True)
class ServerOptions:
    db_url: str
    max_body: int = 1 << 20
    """Largest request body accepted, in bytes (413 above)."""
    agent_rate: float = 5.0
    """Requests per second each agent credential may make after its burst."""
    agent_burst: int = 60
    secure_cookies: bool = False
    """Mark cookies Secure: on whenever the server speaks TLS."""
    alerts: Path | None = None
    """Alert rules (TOML), see alerts.py."""


def create_app(opts: ServerOptions, db: Database | None = None) -> FastAPI:
    db = db or Database(opts.db_url)
    database = db
    alerter = None
    if opts.alerts is not None:
        from .alerts import Alerter, load_rules

        alerter = Alerter(load_rules(opts.alerts))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if alerter is not None:
            alerter.close()  # sends the digests still gathering
        database.close()

    app = FastAPI(
        title="minehunt fleet", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.ctx = ServerContext(
        db=db,
        limiter=RateLimiter(opts.agent_rate, opts.agent_burst),
        secure_cookies=opts.secure_cookies,
        login_limiter=RateLimiter(rate=0.2, burst=10),
        alerter=alerter,
    )
    app.include_router(api.router)
    app.include_router(dashboard.router)

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        # Never echo the input back: it is attacker-controlled and may be large.
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors[:20]}, status_code=422)

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        resp: Response = await call_next(request)
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp

    app.add_middleware(BodyLimit, max_bytes=opts.max_body)
    return app


def serve(
    opts: ServerOptions,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    import uvicorn

    app = create_app(opts)
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
