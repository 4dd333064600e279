"""scan url."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from minehunt.cli.common import (
    EXIT_USAGE,
    FailOnOpt,
    FormatOpt,
    IntelOpt,
    MinSevOpt,
    OutputOpt,
    QuietOpt,
    SendOpt,
    SendTokenOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    err,
    scan_app,
)
from minehunt.model import Severity


@scan_app.command("url")
def scan_url_cmd(
    urls: Annotated[list[str], typer.Argument(help="http:// or https:// page URLs to scan.")],
    browser: Annotated[
        bool, typer.Option("--browser", help="Also run each page in headless Chromium.")
    ] = False,
    depth: Annotated[int, typer.Option(min=0, max=10, help="Link levels to follow.")] = 0,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages to scan at most.")] = 50,
    window: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="Seconds each page runs (--browser).")
    ] = 10.0,
    respect_robots: Annotated[
        bool, typer.Option("--respect-robots", help="Skip pages robots.txt disallows.")
    ] = False,
    allow_host: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--allow-host", help="Also fetch from this host (repeatable)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Parallel fetches.")] = 8,
    timeout: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="Seconds per fetched resource.")
    ] = 10.0,
    max_bytes: Annotated[
        int, typer.Option(min=1, max=1024, help="MiB read of one resource at most.")
    ] = 5,
    chromium: Annotated[
        str, typer.Option("--chromium", help="Chromium executable for --browser.")
    ] = "/usr/bin/chromium",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    intel_dir: IntelOpt = None,
    csp: Annotated[
        bool,
        typer.Option("--csp", help="Report whether each page's CSP would stop browser miners."),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Scan web pages for browser miners (static; with --browser also in Chromium)."""
    from minehunt.web.browser import BrowserError, BrowserOptions
    from minehunt.web.crawl import CrawlOptions
    from minehunt.web.fetch import FetchLimits, UrlError, check_url
    from minehunt.web.scan import WebScanOptions, scan_urls

    for u in urls:
        try:
            check_url(u)
        except UrlError as e:
            err.print(f"[red]error:[/] {e}")
            raise typer.Exit(EXIT_USAGE) from e
    intel = _load_intel(intel_dir)
    options = WebScanOptions(
        crawl=CrawlOptions(
            depth=depth,
            max_pages=max_pages,
            concurrency=concurrency,
            respect_robots=respect_robots,
        ),
        limits=FetchLimits(max_bytes=max_bytes * 1024 * 1024, timeout=timeout),
        browser=BrowserOptions(window=window, executable=chromium) if browser else None,
        allow_hosts=tuple(allow_host or ()),
        csp=csp,
    )
    try:
        report = _run("scan url", lambda col: scan_urls(urls, options, intel, col), quiet=quiet)
    except BrowserError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)
