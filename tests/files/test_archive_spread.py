"""A big archive's members are spread over the worker processes and still all reported."""

from __future__ import annotations

import io
import random
import tarfile
import zipfile
from pathlib import Path

from tests.conftest import run_cli

from .conftest import CORPUS, by_path, ids, scan

CONFIG = (CORPUS / "configs" / "xmrig_config.json").read_bytes()
WORDS = b"alpha beta gamma delta function return const let var window document".split()


def _text(rnd: random.Random, size: int) -> bytes:
    """Ordinary text that compresses like source code (not a run of one byte)."""
    out = bytearray()
    while len(out) < size:
        out += b" ".join(rnd.choice(WORDS) for _ in range(12)) + b";\n"
    return bytes(out[:size])


def _tree(tmp: Path) -> tuple[Path, list[str]]:
    """A tree with one 8 MB tar.gz (16 members, miner configs at the start, the middle, the
    end and inside a nested zip) and enough small files for the scan to use workers."""
    root = tmp / "tree"
    root.mkdir()
    rnd = random.Random(7)
    members: dict[str, bytes] = {f"pkg/lib/part{i:02}.js": _text(rnd, 512 << 10) for i in range(16)}
    configs = ["pkg/lib/part00.js", "pkg/lib/part08.js", "pkg/lib/part15.js"]
    for name in configs:
        members[name] = members[name][: 256 << 10] + b"\n" + CONFIG
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conf/config.json", CONFIG)
    members["pkg/vendor/tools.zip"] = nested.getvalue()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    (root / "pkg.tgz").write_bytes(buf.getvalue())
    for i in range(40):
        (root / f"note{i}.txt").write_text(f"an ordinary note {i}\n")
    expected = [f"{root}/pkg.tgz!{n}" for n in configs]
    expected.append(f"{root}/pkg.tgz!pkg/vendor/tools.zip!conf/config.json")
    return root, expected


def test_archive_members_spread_over_workers_are_all_scanned(tmp_path: Path) -> None:
    root, expected = _tree(tmp_path)
    # The workers hand shares over in files of a spool directory, here inside the scanned
    # tree: the scan must not report its own copies.
    (root / "tmp").mkdir()
    spread = run_cli(
        *("scan", "files", str(root), "--jobs", "2", "--format", "json"),
        env={"TMPDIR": str(root / "tmp")},
        timeout=300,
    )
    inline = scan(root, "--jobs", "1")
    assert spread.code == inline.code == 1, spread.stderr + inline.stderr
    # The members were dealt out: some were scanned by a worker that did not read them.
    assert spread.report.counters["archive_shares"] >= 1
    assert "archive_shares" not in inline.report.counters
    for res in (spread, inline):
        found = by_path(res.report)
        assert sorted(p for p in found if "!" in p) == sorted(expected)
        assert not [p for p in found if "minehunt-spool" in p]
        for path in expected:
            assert "MH-YARA-020" in ids(found[path]), path
            assert found[path].target.archive == f"{root}/pkg.tgz"
        assert res.report.counters["archive_members"] == 18
    assert spread.report.counters["bytes_scanned"] == inline.report.counters["bytes_scanned"]
    assert not spread.report.skipped and not inline.report.skipped
    assert list((root / "tmp").iterdir()) == []  # the spool directory is gone
