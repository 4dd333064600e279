"""Cache directory, tool lookup, digest-stamped outputs and subprocess helpers."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
CACHE_DIR = TESTS_DIR / ".cache"
DOWNLOADS = CACHE_DIR / "downloads"


class ToolMissing(Exception):
    """A program or system package the build needs is not installed (tests skip)."""


class BuildError(Exception):
    """A build step ran and failed (tests error out with the tool's output)."""


def require_tool(*names: str, package: str) -> str:
    """Return the path of the first of ``names`` on PATH, or raise ToolMissing."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissing(f"none of {', '.join(names)} on PATH (apt-get install {package})")


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> str:
    """Run a command, return its combined output, raise BuildError on failure."""
    argv = [os.fspath(c) for c in cmd]
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(argv)} exited {proc.returncode}:\n{out[-4000:]}")
    return out


def digest(*parts: bytes | str | Path | Iterable[Path]) -> str:
    """SHA-256 over strings, bytes and file contents: the cache key of a build."""
    h = hashlib.sha256()

    def feed(p: bytes | str | Path) -> None:
        if isinstance(p, Path):
            if p.is_dir():
                return
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        elif isinstance(p, str):
            h.update(p.encode())
        else:
            h.update(p)
        h.update(b"\0")

    for part in parts:
        if isinstance(part, (bytes, str, Path)):
            feed(part)
        else:
            for item in sorted(part):
                feed(item)
    return h.hexdigest()


def is_fresh(output: Path, key: str) -> bool:
    """True when ``output`` exists and was built from inputs with digest ``key``."""
    stamp = output.with_name(output.name + ".stamp")
    return output.exists() and stamp.exists() and stamp.read_text() == key


def mark_fresh(output: Path, key: str) -> None:
    output.with_name(output.name + ".stamp").write_text(key)


def pip_download(requirement: str, *, binary: bool) -> Path:
    """Fetch one sdist (``binary=False``) or wheel from PyPI into the download cache."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    name, _, version = requirement.partition("==")
    stem = name.replace("-", "_").lower()
    suffixes = (".whl",) if binary else (".tar.gz", ".zip")

    def cached() -> Path | None:
        for p in sorted(DOWNLOADS.iterdir()):
            low = p.name.lower().replace("-", "_")
            if low.startswith(f"{stem}_{version}") and p.name.endswith(suffixes):
                return p
        return None

    hit = cached()
    if hit is None:
        fmt = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
                *fmt,
                "-d",
                DOWNLOADS,
                requirement,
            ],
            timeout=300,
        )
        hit = cached()
        if hit is None:
            raise BuildError(f"pip download {requirement} left no matching file in {DOWNLOADS}")
    return hit


def unpack_sdist(archive: Path, dest: Path) -> Path:
    """Extract an sdist once (refusing paths that leave ``dest``); return its top folder."""
    top = dest / archive.name.removesuffix(".tar.gz")
    if top.is_dir():
        return top
    tmp = dest / (top.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    (inner,) = list(tmp.iterdir())
    inner.rename(top)
    tmp.rmdir()
    return top
