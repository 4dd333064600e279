"""Coin prices from the CSV layouts admins export, and the trend page drawing detections per
day against them with their correlation."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from minehunt.server import store
from minehunt.server.models import FindingRow, Host
from minehunt.server.trend import PriceFileError, pearson, read_prices
from tests.support.fleet import FleetServer, finding

LAYOUTS = {
    "coingecko.csv": "snapped_at,price,market_cap,total_volume\n"
    "2024-03-01 00:00:00 UTC,140.5,2580000000,51000000\n"
    "2024-03-02 00:00:00 UTC,141.25,2590000000,48000000\n",
    "yahoo.csv": "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-03-01,139.1,142.0,138.2,140.5,140.5,51000000\n"
    "2024-03-02,140.5,143.9,140.0,141.25,141.25,48000000\n",
    "coinmarketcap.csv": "timeOpen;timeClose;timeHigh;timeLow;name;open;high;low;close;volume\n"
    '"2024-03-01T00:00:00.000Z";"2024-03-01T23:59:59.999Z";"x";"x";"2781";139.1;142;138.2;'
    "140.5;51000000\n"
    '"2024-03-02T00:00:00.000Z";"2024-03-02T23:59:59.999Z";"x";"x";"2781";140.5;143.9;140;'
    "141.25;48000000\n",
    "investing.csv": '"Date","Price","Open","High","Low","Vol.","Change %"\n'
    '"03/02/2024","141.25","140.50","143.90","140.00","48.00K","0.53%"\n'
    '"03/01/2024","140.50","139.10","142.00","138.20","51.00K","1.01%"\n',
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_common_price_exports_read_as_day_and_close(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(LAYOUTS[name])
    assert read_prices(f) == [("2024-03-01", 140.5), ("2024-03-02", 141.25)]


def test_unreadable_price_files_say_where(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("date,close\n2024-03-01,140\n2024-03-02,not a number\n")
    with pytest.raises(PriceFileError, match=r"bad\.csv:3:"):
        read_prices(f)
    f.write_text("when,amount\n2024-03-01,140\n")
    with pytest.raises(PriceFileError, match=r"bad\.csv:1: expected a date column"):
        read_prices(f)


def test_pearson() -> None:
    assert pearson([(1, 10), (2, 20), (3, 30)]) == pytest.approx(1.0)
    assert pearson([(1, 30), (2, 20), (3, 10)]) == pytest.approx(-1.0)
    assert pearson([(1, 1), (2, 2)]) is None  # too few days to say anything


def test_trend_page_draws_detections_against_the_imported_price(
    server: FleetServer, tmp_path: Path
) -> None:
    host = f"trend-{uuid.uuid4().hex[:8]}"
    cred = server.enrol(host)
    # 1, 2 and 3 detections on three days; the price rises with them.
    days = {"2021-05-01": 1, "2021-05-02": 2, "2021-05-03": 3}
    pid = 100
    for day, n in days.items():
        for _ in range(n):
            pid += 1
            assert server.post_report(cred, [finding(pid=pid)]).status_code == 201
            with server.db.session() as s:
                ts = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
                host_id = s.query(Host.id).filter(Host.name == host).scalar()
                s.execute(
                    update(FindingRow)
                    .where(FindingRow.host_id == host_id, FindingRow.target_key.like(f"%:{pid}:%"))
                    .values(first_seen=ts)
                )
                store.recount(s)  # the per-day counters follow the back-dated findings
    prices = tmp_path / "xmr.csv"
    prices.write_text("Date,Close\n2021-05-01,300\n2021-05-02,400\n2021-05-03,500\n")
    server.cli("prices", "import", str(prices), "--symbol", "XMRT")

    dash = server.user(f"admin-{uuid.uuid4().hex[:6]}")
    page = dash.http.get("/trend", params={"symbol": "XMRT"}).text
    m = re.search(r'data-figure="([^"]*)"', page)
    assert m
    fig = json.loads(html.unescape(m.group(1)))
    price = next(t for t in fig["data"] if t["name"] == "XMRT close")
    bars = next(t for t in fig["data"] if t["name"] == "host")
    at = {d: i for i, d in enumerate(price["x"])}
    assert [price["y"][at[d]] for d in days] == [300, 400, 500]
    assert [bars["y"][at[d]] for d in days] == [1, 2, 3]
    assert price["yaxis"] == "y2"
    assert "<b>1.00</b> over 3 day(s)" in page
    assert '<script src="/static/plotly.min.js">' in page
    js = dash.http.get("/static/plotly.min.js")
    assert js.status_code == 200 and "plotly.js" in js.text[:2000]
