"""The fileless RandomX miner of the memory tests, built and started in the test run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt import rules
from tests.build.cache import BuildError, run

DATA = Path(__file__).parent / "data"
LIBRANDOMX = Path("/usr/lib/x86_64-linux-gnu/librandomx.so.0")
KEY = b"minehunt-xor-key-7"


def build_fileless(out: Path) -> Path:
    """Compile the loader with librandomx embedded XOR-encrypted (never in the clear)."""
    gcc = shutil.which("gcc")
    if gcc is None or not Path("/usr/include/randomx.h").exists() or not LIBRANDOMX.exists():
        pytest.skip("needs gcc, librandomx-dev and librandomx0 (apt-get install ...)")
    lib = LIBRANDOMX.read_bytes()
    blob = out / "rx.enc"
    blob.write_bytes(bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(lib)))
    exe = out / "loader"
    run(
        [
            gcc,
            "-O2",
            "-Wall",
            f'-DBLOB="{blob}"',
            f'-DKEY="{KEY.decode()}"',
            DATA / "fileless_loader.c",
            "-o",
            exe,
            "-ldl",
        ]
    )
    blob.unlink()  # only the encrypted copy inside the loader is left
    # The RandomX code is not in the clear: a file scan of the loader cannot see it.
    assert not [m for m in rules.bundled().scan_file(exe) if m.rule.id == "MH-YARA-070"]
    return exe


@pytest.fixture(scope="session")
def fileless_miner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Pid of a running fileless miner: exe and librandomx both in memfds, hashing."""
    try:
        exe = build_fileless(tmp_path_factory.mktemp("fileless"))
    except BuildError as e:
        pytest.fail(str(e))
    proc = subprocess.Popen([exe], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready"), line
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()
