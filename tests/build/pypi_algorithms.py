"""Other proof-of-work implementations from PyPI, built or unpacked in the test run.

They give the KawPow, Ethash and X16R rules real positives: the C/C++ extensions of the
``kawpow``, ``pyethash`` and ``x16r-hash`` sdists are compiled with their own setup.py, and
the ``ethash`` wheel (chfast's ethash, a prebuilt manylinux extension) is unpacked.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.build.cache import (
    CACHE_DIR,
    BuildError,
    digest,
    is_fresh,
    mark_fresh,
    pip_download,
    require_tool,
    run,
    unpack_sdist,
)

WORK = CACHE_DIR / "pypi-pow"


@dataclass(frozen=True)
class PowPackage:
    """One PyPI proof-of-work package and the rule ids its extension must match."""

    requirement: str
    """Pinned ``name==version``."""
    wheel: bool
    """True to unpack the published wheel instead of compiling the sdist."""
    expected: frozenset[str]
    """Rule ids the extension module must match, exactly."""
    cxx: bool = False
    """True when the sdist has C++ sources (needs g++)."""


PACKAGES = {
    "kawpow": PowPackage("kawpow==0.9.4.4", False, frozenset({"MH-YARA-072"}), cxx=True),
    "pyethash": PowPackage("pyethash==0.1.27", False, frozenset({"MH-YARA-073"})),
    "x16r-hash": PowPackage("x16r-hash==1.0.1", False, frozenset({"MH-YARA-075"})),
    "ethash": PowPackage("ethash==1.1.0", True, frozenset({"MH-YARA-073"})),
}


def _only_extension(folder: Path) -> Path:
    found = sorted(p for p in folder.rglob("*.so") if p.is_file())
    if len(found) != 1:
        raise BuildError(f"expected one extension module under {folder}, found {found}")
    return found[0]


def build(name: str) -> Path:
    """Return the compiled (or unpacked) extension module of package ``name``."""
    pkg = PACKAGES[name]
    archive = pip_download(pkg.requirement, binary=pkg.wheel)
    out_dir = WORK / name
    key = digest(archive, sys.version)
    marker = out_dir / "extension"
    if is_fresh(marker, key):
        return Path(marker.read_text())
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    if pkg.wheel:
        with zipfile.ZipFile(archive) as whl:
            for member in whl.namelist():
                if member.endswith(".so"):
                    whl.extract(member, out_dir / "lib")
    else:
        require_tool("gcc", "cc", package="gcc")
        if pkg.cxx:
            require_tool("g++", "c++", package="g++")
        src = unpack_sdist(archive, out_dir / "src")
        run(
            [
                sys.executable,
                "setup.py",
                "-q",
                "build_ext",
                "-j",
                "2",
                "--build-lib",
                out_dir / "lib",
                "--build-temp",
                out_dir / "tmp",
            ],
            cwd=src,
            timeout=900,
        )
    ext = _only_extension(out_dir / "lib")
    marker.write_text(str(ext))
    mark_fresh(marker, key)
    return ext
