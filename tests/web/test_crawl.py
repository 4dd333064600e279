"""`minehunt scan url` (static) against the local site: per-page findings, limits, scope."""

from __future__ import annotations

from minehunt.intel import Intel
from minehunt.model import Finding, Report, Severity
from minehunt.web.fetch import Scope
from tests.conftest import CliResult, run_cli
from tests.web.server import SiteServer
from tests.web.site import BENIGN_PAGES, MINER_PAGES


def by_url(report: Report) -> dict[str, Finding]:
    return {f.target.url or "": f for f in report.findings}


def evidence(f: Finding) -> set[str]:
    return {e.check_id for e in f.evidence}


def scan(server: SiteServer, *args: str) -> CliResult:
    return run_cli("scan", "url", *args, "-f", "json", "--min-severity", "info", "--timeout", "3")


def test_static_crawl_of_the_site(server: SiteServer) -> None:
    res = scan(server, server.base + "/index.html", "--depth", "1")
    assert res.code == 1, res.stderr
    report = res.report
    found = by_url(report)
    for name in ("embed", "throttled", "injected", "iframe"):
        f = found[server.base + MINER_PAGES[name]]
        assert f.severity >= Severity.HIGH, (name, f.summary)
        assert {"MH-WEB-001", "MH-WEB-002", "MH-WEB-003"} <= evidence(f), name
        assert "remove it" in f.summary and "worker-src" in f.summary
        keys = [e for e in f.evidence if e.check_id == "MH-WEB-011"]
        assert keys and keys[0].attributes["pages"] >= 4
        posture = [e for e in f.evidence if e.check_id == "MH-WEB-012"]
        assert posture and posture[0].attributes["csp"] == "absent"
    injected = found[server.base + MINER_PAGES["injected"]]
    assert "MH-WEB-006" in evidence(injected)
    ad = found[server.base + MINER_PAGES["iframe"]]
    assert any((e.source or "").startswith("iframe ") for e in ad.evidence)
    # the renamed, self-hosted, minified copy escapes every name list, but not its shapes:
    # the loader logs in over its WebSocket and sizes its workers to the CPU
    renamed = found[server.base + MINER_PAGES["renamed"]]
    assert renamed.severity >= Severity.MEDIUM
    assert {"MH-WEB-023", "MH-WEB-024"} <= evidence(renamed)
    assert not {"MH-WEB-001", "MH-WEB-002"} & evidence(renamed)
    for page in BENIGN_PAGES.values():
        f = found.get(server.base + page)
        assert f is None or f.severity < Severity.MEDIUM, (page, f.summary)
    assert found[server.base + BENIGN_PAGES["captcha"]].severity is Severity.LOW
    skipped = {s.target: s.reason for s in report.skipped}
    assert "redirects" in skipped[server.base + "/hostile/redirect/0"]
    assert "only the start" in skipped[server.base + "/hostile/huge.html"]
    assert "timed out" in skipped[server.base + "/hostile/slow.html"]
    assert report.counters["pages"] >= 14


def test_depth_zero_scans_only_the_seed(server: SiteServer) -> None:
    res = scan(server, server.base + "/index.html")
    assert res.code == 0 and res.report.counters["pages"] == 1


def test_robots_txt_is_respected_on_request(server: SiteServer) -> None:
    url = server.base + "/blog/renamed.html"
    res = scan(server, url, "--respect-robots")
    assert any("robots.txt" in s.reason for s in res.report.skipped if s.target == url)
    assert scan(server, url).report.counters["pages"] == 1


def test_page_budget_is_reported(server: SiteServer) -> None:
    res = scan(server, server.base + "/index.html", "--depth", "1", "--max-pages", "3")
    assert res.report.counters["pages"] <= 3
    assert any("page budget" in s.reason for s in res.report.skipped)


def test_only_http_and_https(server: SiteServer) -> None:
    for bad in ("ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1"):
        res = run_cli("scan", "url", bad)
        assert res.code == 2 and "http" in res.stderr, bad


def test_scope_never_includes_pool_hosts(intel: Intel) -> None:
    scope = Scope.for_seeds(["http://127.0.0.1:8080/"], ["cdn.example", "coinhive.com"], intel)
    assert scope.contains("http://127.0.0.1:9999/a.js")
    assert scope.contains("https://static.cdn.example/x.js")
    assert not scope.contains("https://coinhive.com/lib/coinhive.min.js")
    assert not scope.contains("https://example.org/")
    assert not scope.contains("ftp://127.0.0.1/x")
