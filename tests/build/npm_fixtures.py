"""Install the benign look-alike npm packages of the false-positive corpus into tests/.

``tests/package.json`` pins hash-wasm, argon2-browser, crypto-js and js-sha3 (hashing code in
JavaScript and inlined WebAssembly that a careless browser-miner rule would flag); the lock
file is committed, so ``npm ci`` reproduces the same tree. Install scripts are not run.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.build.cache import TESTS_DIR, digest, is_fresh, mark_fresh, require_tool, run

PACKAGES = ("hash-wasm", "argon2-browser", "crypto-js", "js-sha3")
NODE_MODULES = TESTS_DIR / "node_modules"


def install() -> Path:
    """Run ``npm ci`` when node_modules is missing or older than the lock file."""
    lock = TESTS_DIR / "package-lock.json"
    key = digest(lock, TESTS_DIR / "package.json")
    marker = NODE_MODULES / ".minehunt-installed"
    if not (is_fresh(marker, key) and all((NODE_MODULES / p).is_dir() for p in PACKAGES)):
        npm = require_tool("npm", package="npm")
        run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TESTS_DIR,
            timeout=600,
        )
        marker.write_text(json.dumps(PACKAGES))
        mark_fresh(marker, key)
    return NODE_MODULES
