"""Progress bars on stderr: drawn on a terminal (a real pseudo-terminal here), never when
stderr is a pipe or a file, and not with --quiet."""

from __future__ import annotations

import fcntl
import io
import json
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.console import Console

from minehunt.cli.progressbar import TerminalProgress
from minehunt.progress import Progress, Unit
from minehunt.report import Collector
from tests.conftest import run_cli

BAR = "━"
_ENV_DROP = ("TTY_INTERACTIVE", "TTY_COMPATIBLE", "FORCE_TERMINAL", "NO_COLOR", "COLUMNS")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env["TERM"] = "xterm-256color"
    return env


def run_in_pty(tmp_path: Path, *args: str, columns: int = 160) -> tuple[int, str]:
    """Run ``minehunt ARGS`` with stderr on a pseudo-terminal of ``columns`` x 40 (stdout
    to a file); returns the exit code and everything written to the terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    with open(tmp_path / "stdout", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "minehunt", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=slave,
            env=_env(),
        )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 files, 8 MB: a web root with scripts and binaries (more than an inline scan)."""
    root = tmp_path_factory.mktemp("webroot")
    for i in range(20):
        (root / f"lib{i}.js").write_text(f"export function f{i}(a) {{ return a + {i}; }}\n" * 4000)
        (root / f"blob{i}.bin").write_bytes(os.urandom(300_000))
    return root


def test_files_scan_draws_a_bar_with_bytes_rate_and_total_on_a_terminal(
    tree: Path, tmp_path: Path
) -> None:
    code, screen = run_in_pty(tmp_path, "scan", "files", str(tree), "-f", "json")
    assert code == 0, screen
    assert "scan files: scanning" in screen
    assert BAR in screen
    total = sum(p.stat().st_size for p in tree.iterdir()) / 1e6
    assert f"/{total:.1f} MB" in screen  # done of total
    assert f"{total:.1f}/{total:.1f} MB" in screen  # and all of it by the end
    assert "MB/s" in screen
    assert "minehunt scan files: 0 finding(s)" in screen  # the summary still follows
    # The bar's refresh thread was stopped while the workers started: they were forked
    # (started with what the scan had imported), as they are off a terminal.
    counters = json.loads((tmp_path / "stdout").read_text())["counters"]
    assert counters["workers"] == counters["workers_forked"] == 2
    plain = run_cli("scan", "files", str(tree), "-f", "json").report
    assert plain.counters["workers_forked"] == 2


def test_the_bar_keeps_to_one_line_on_an_80_column_terminal(tree: Path, tmp_path: Path) -> None:
    code, screen = run_in_pty(tmp_path, "scan", "files", str(tree), "-f", "json", columns=80)
    assert code == 0, screen
    total = sum(p.stat().st_size for p in tree.iterdir()) / 1e6
    assert f"{total:.1f}/{total:.1f} MB" in screen and "MB/s" in screen
    # A display of more than one line moves the cursor up at every redraw; a line of its
    # own only once, when it is cleared at the end.
    assert screen.count("\x1b[1A") == 1


def test_quiet_draws_nothing_but_the_summary(tree: Path, tmp_path: Path) -> None:
    code, screen = run_in_pty(tmp_path, "scan", "files", str(tree), "-f", "json", "--quiet")
    assert code == 0
    assert BAR not in screen and "scanning" not in screen
    assert "minehunt scan files: 0 finding(s)" in screen


def test_the_host_scan_draws_a_bar_unless_quiet(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    for args in (("scan",), ("scan", "host")):
        code, screen = run_in_pty(tmp_path, *args, "--cpu-window", "0.5", "-o", str(out))
        assert code in (0, 1), screen
        assert BAR in screen
        code, screen = run_in_pty(tmp_path, *args, "--cpu-window", "0.5", "-o", str(out), "-q")
        assert code in (0, 1), screen
        assert BAR not in screen
        assert f"minehunt {' '.join(args)}: " in screen


def test_no_bar_when_stderr_is_not_a_terminal(tree: Path) -> None:
    r = run_cli("scan", "files", str(tree), "-f", "json", env={"TERM": "xterm-256color"})
    assert r.code == 0
    assert r.stderr.splitlines() == [r.stderr.strip()]  # one line: the summary
    assert r.stderr.startswith("minehunt scan files: 0 finding(s)")
    assert "\x1b" not in r.stderr and BAR not in r.stderr


def _pcap(path: Path, packets: int) -> None:
    """A classic Ethernet pcap of small UDP datagrams between two private hosts."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n in range(packets):
        udp = struct.pack("!HHHH", 40000 + n % 100, 5353, 8 + 16, 0) + bytes(16)
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
            bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]),
        )  # fmt: skip
        frame = bytes(6) + bytes(5) + b"\x01" + b"\x08\x00" + ip + udp
        out += struct.pack("<IIII", 1_700_000_000 + n // 1000, n % 1000, len(frame), len(frame))
        out += frame
    path.write_bytes(bytes(out))


def test_pcap_scan_shows_its_phase_and_bytes_on_a_terminal(tmp_path: Path) -> None:
    capture = tmp_path / "udp.pcap"
    _pcap(capture, 20_000)
    code, screen = run_in_pty(tmp_path, "scan", "pcap", str(capture), "-f", "json")
    assert code == 0, screen
    assert "scan pcap: reading captures" in screen
    size = capture.stat().st_size / 1e6
    assert f"/{size:.1f} MB" in screen and BAR in screen


def test_zeek_scan_shows_its_phase_on_a_terminal(tmp_path: Path) -> None:
    logs = tmp_path / "zeek"
    logs.mkdir()
    (logs / "conn.log").write_text(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto"
        "\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount"
        "\tstring\n"
        "1700000000.0\tC1\t10.0.0.1\t40000\t10.0.0.2\t80\ttcp\thttp\t1.0\t100\t200\tSF\n"
    )
    code, screen = run_in_pty(tmp_path, "scan", "logs", "zeek", str(logs), "-f", "json")
    assert code == 0, screen
    assert "scan logs zeek: reading the logs" in screen


class _Recorder(Progress):
    """Records what a scan reports (the CLI would draw it)."""

    enabled = True

    def __init__(self) -> None:
        self.tasks: list[tuple[str, float | None, Unit, str | None]] = []
        self.done: dict[str, float] = {}
        self._counter: str | None = None

    def task(
        self,
        label: str,
        total: float | None = None,
        unit: Unit = Unit.BYTES,
        *,
        counter: str | None = None,
    ) -> None:
        self.tasks.append((label, total, unit, counter))
        self._counter = counter
        self.done[label] = 0

    def advance(self, amount: float = 1) -> None:
        self.done[self.tasks[-1][0]] += amount

    def counted(self, key: str, amount: float) -> None:
        if key == self._counter:
            self.advance(amount)


def test_url_scan_counts_pages_as_it_fetches_them(tmp_path: Path) -> None:
    from minehunt import intel
    from minehunt.web.crawl import CrawlOptions
    from minehunt.web.scan import WebScanOptions, scan_urls
    from tests.web.server import serving

    links = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(5))
    (tmp_path / "index.html").write_text(f"<html><body>{links}</body></html>")
    for i in range(5):
        (tmp_path / f"p{i}.html").write_text(f"<html><body>page {i}</body></html>")
    col = Collector("scan url")
    col.progress = rec = _Recorder()
    opts = WebScanOptions(crawl=CrawlOptions(depth=1, max_pages=20))
    with serving(tmp_path) as srv:
        list(scan_urls([srv.base + "/index.html"], opts, intel.default(), col))
    assert rec.tasks == [("fetching pages", None, Unit.PAGES, "pages")]
    assert rec.done["fetching pages"] == 6 == col.counters["pages"]


def test_wide_characters_in_labels_leave_the_figures_whole() -> None:
    # A CJK character takes two cells: labels cut by characters left the figures no room,
    # and rich cut them instead ("0.0 M…", "ETA …").
    console = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    bar = TerminalProgress(console, "minehunt scan url")
    try:
        bar.task("ページ" * 20, 1000, Unit.BYTES)
        bar.advance(10)
        bar.note("路径" * 30)
        lines = console.render_lines(bar._bar.get_renderable(), console.options)
    finally:
        bar.close()
    assert len(lines) == 1
    line = "".join(segment.text for segment in lines[0])
    assert "0.0/1.0 kB" in line and "MB/s" in line and "ETA 0:00" in line, line
    assert "ページ" in line and "路径" in line  # what fits of the labels is kept
