"""IDS log readers at their limits: a line over MAX_LINE is skipped and named, the rest of
its log is still judged."""

from __future__ import annotations

from pathlib import Path

from minehunt import intel as intel_mod
from minehunt.net.logs import logdb
from minehunt.net.logs.zeek import scan_zeek
from minehunt.report import Collector

CONN = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes orig_pkts resp_pkts"
)


FLOW = ("4000", "9000", "60", "60")


def _row(*values: str) -> str:
    return "\t".join(values)


def test_a_zeek_line_over_the_limit_is_skipped_and_the_rest_of_the_log_judged(
    tmp_path: Path,
) -> None:
    pool = "pool.supportxmr.com"
    (tmp_path / "dns.log").write_text(
        "#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n"
        + _row("1767225599.0", "Cd", "10.0.0.5", "10.0.0.1", pool, "127.0.0.9,127.0.0.10")
        + "\n"
    )
    over = "x" * (logdb.MAX_LINE + 1)
    lines = [
        "#fields\t" + CONN.replace(" ", "\t"),
        _row("1767225601.0", "C2", "10.0.0.6", "40001", "127.0.0.10", "3333", "tcp", over, *FLOW),
        _row(
            "1767225600.0",
            "C1",
            "10.0.0.5",
            "40000",
            "127.0.0.9",
            "3333",
            "tcp",
            "-",
            "3700",
            *FLOW,
        ),
    ]
    (tmp_path / "conn.log").write_text("\n".join(lines) + "\n")
    col = Collector("scan logs")
    findings = list(scan_zeek(tmp_path, intel_mod.default(), col))
    reasons = {s.target: s.reason for s in col.skipped}
    assert reasons == {
        str((tmp_path / "conn.log").resolve()): "1 line(s) over the 1 MiB line limit skipped"
    }
    # The flow after the overlong line is still read: a flow to the pool's address.
    servers = {e.attributes.get("server") for f in findings for e in f.evidence}
    assert "127.0.0.9:3333" in servers and "127.0.0.10:3333" not in servers, servers


def test_a_line_just_within_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "conn.log"
    path.write_text("#fields\tts\n" + "y" * (logdb.MAX_LINE - 1) + "\nnext\n")
    assert [len(x) for x in logdb.head_lines(path)] == [10, logdb.MAX_LINE - 1, 4]


def test_the_header_sniff_reads_no_more_than_the_line_limit(tmp_path: Path) -> None:
    path = tmp_path / "conn.log"
    path.write_text("z" * (3 * logdb.MAX_LINE) + "\n#fields\tts\n")
    lines = logdb.head_lines(path)
    assert [len(x) for x in lines] == [logdb.MAX_LINE, 10]


def test_a_zeek_connection_whose_port_is_not_a_number_is_skipped_and_counted(
    tmp_path: Path,
) -> None:
    """A damaged line (a fuzzer found ``4*312`` as a port) is left out and named; the other
    connections to the pool are judged. It ended the scan with a traceback."""
    pool = "pool.supportxmr.com"
    (tmp_path / "dns.log").write_text(
        "#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n"
        + _row("1767225599.0", "Cd", "10.0.0.5", "10.0.0.1", pool, "127.0.0.9")
        + "\n"
    )
    lines = [
        "#fields\t" + CONN.replace(" ", "\t"),
        _row("1767225601.0", "C2", "10.0.0.6", "4*312", "127.0.0.9", "3333", "tcp", "-", *FLOW),
        _row("1767225600.0", "C1", "10.0.0.5", "40000", "127.0.0.9", "3333", "tcp", "-", *FLOW),
    ]
    (tmp_path / "conn.log").write_text("\n".join(lines) + "\n")
    col = Collector("scan logs")
    findings = list(scan_zeek(tmp_path, intel_mod.default(), col))
    reasons = [s.reason for s in col.skipped]
    assert reasons == ["1 connection(s) with a port that is not a number skipped"]
    clients = {str(e.attributes.get("client")) for f in findings for e in f.evidence}
    assert "10.0.0.5:40000" in clients, clients
    assert not any(c.startswith("10.0.0.6") for c in clients), clients
