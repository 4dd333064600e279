"""Detections per day by kind, a price series imported from CSV, and their correlation."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from .models import FindingDay, Price
from .store import KINDS

_DATE_HEADERS = ("date", "day", "time", "timestamp", "snapped_at", "datetime", "timeopen")
_CLOSE_HEADERS = ("close", "close price", "closing price", "price", "adj close", "close*")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%b %d, %Y", "%d.%m.%Y", "%Y/%m/%d")


class PriceFileError(ValueError):
    """A price CSV minehunt cannot read, with the line at fault."""


def _day(text: str) -> str:
    t = text.strip().strip('"')
    if re.fullmatch(r"\d{10}(\d{3})?", t):  # epoch seconds or milliseconds
        secs = int(t) / (1000 if len(t) == 13 else 1)
        return datetime.fromtimestamp(secs, UTC).date().isoformat()
    head = t[:10] if re.match(r"\d{4}-\d{2}-\d{2}", t) else t.split(" UTC")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _number(text: str) -> float:
    t = text.strip().strip('"').replace("$", "").replace(",", "")
    value = float(t)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not a price: {text!r}")
    return value


def read_prices(path: Path) -> list[tuple[str, float]]:
    """(day, close) pairs from a CSV with a date and a close column: CoinGecko's
    (snapped_at, price), Yahoo's and CoinMarketCap's (Date ... Close), or any (date, close).
    The delimiter (comma or semicolon) is sniffed."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise PriceFileError(f"{path}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    di = next((i for i, h in enumerate(header) if h in _DATE_HEADERS), None)
    ci = next((i for name in _CLOSE_HEADERS for i, h in enumerate(header) if h == name), None)
    if di is None or ci is None:
        raise PriceFileError(
            f"{path}:1: expected a date column ({', '.join(_DATE_HEADERS)}) and a close "
            f"column ({', '.join(_CLOSE_HEADERS)}); found {', '.join(header) or 'nothing'}"
        )
    out: dict[str, float] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            out[_day(row[di])] = _number(row[ci])
        except (ValueError, IndexError) as e:
            raise PriceFileError(f"{path}:{n}: {e}") from e
    return sorted(out.items())


def import_prices(db: DbSession, symbol: str, prices: list[tuple[str, float]]) -> int:
    existing = {p.day: p for p in db.scalars(select(Price).where(Price.symbol == symbol))}
    for day, close in prices:
        if day in existing:
            existing[day].close = close
        else:
            db.add(Price(symbol=symbol, day=day, close=close))
    return len(prices)


@dataclass(frozen=True)
class Trend:
    days: list[str]
    by_kind: dict[str, list[int]]
    symbol: str | None
    prices: list[float | None]
    correlation: float | None
    """Pearson r between detections per day and the close, over days that have both."""
    overlap: int


def _as_day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)[:10]


def build(db: DbSession, symbol: str | None = None) -> Trend:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    # Per-day counters kept by ingest: one row per day and kind, not one per finding.
    for day, kind, n in db.execute(select(FindingDay.day, FindingDay.kind, FindingDay.n)):
        if n:
            counts[_as_day(day)][str(kind)] += int(n)
    if symbol is None:
        symbol = db.scalar(select(Price.symbol).order_by(Price.symbol).limit(1))
    price_by_day: dict[str, float] = {}
    if symbol is not None:
        price_by_day = {
            p.day: p.close for p in db.scalars(select(Price).where(Price.symbol == symbol))
        }
    days = sorted(set(counts) | set(price_by_day))
    by_kind = {k: [counts[d][k] if d in counts else 0 for d in days] for k in KINDS}
    prices = [price_by_day.get(d) for d in days]
    pairs = [
        (float(sum(counts[d].values())), price_by_day[d])
        for d in days
        if d in counts and d in price_by_day
    ]
    return Trend(days, by_kind, symbol, prices, pearson(pairs), len(pairs))


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    if len(pairs) < 3:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def figure(t: Trend) -> dict[str, Any]:
    """A Plotly figure (data + layout) as plain JSON: stacked bars per kind, price line."""
    data: list[dict[str, Any]] = [
        {"type": "bar", "name": kind, "x": t.days, "y": t.by_kind[kind]}
        for kind in KINDS
        if any(t.by_kind[kind])
    ]
    if t.symbol is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{t.symbol} close",
                "x": t.days,
                "y": t.prices,
                "yaxis": "y2",
                "connectgaps": True,
            }
        )
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "day"}, "type": "date", "tickformat": "%Y-%m-%d"},
        "yaxis": {"title": {"text": "detections"}},
        "yaxis2": {"title": {"text": "price"}, "overlaying": "y", "side": "right"},
        "legend": {"orientation": "h"},
        "margin": {"t": 30},
    }
    return {"data": data, "layout": layout}
