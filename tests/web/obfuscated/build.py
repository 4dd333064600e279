"""Obfuscated and minified variants of browser miners and of benign npm code, made in the test run.

The transforms are the real tools: npm ``javascript-obfuscator`` (string-array rotation,
hex escapes, base64 and RC4 string encoding, wrappers, control-flow flattening, dead-code
injection, its high-obfuscation preset) and ``terser`` mangling, run by ``transform.js`` in
one node process. HTML samples keep their markup; each inline script is transformed. The
asm.js CryptoNight is emscripten's ``-s WASM=0`` build of the sources tests/build uses.
Outputs are cached under tests/.cache/obfuscated, keyed by inputs and tool versions.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.build.cache import CACHE_DIR, ToolMissing, digest, is_fresh, mark_fresh, run
from tests.build.cryptonight import CFLAGS, WASM_SOURCES, source_tree

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1]
MODULES = TESTS / "node_modules"
OUT = CACHE_DIR / "obfuscated"
CORPUS_WEB = TESTS / "corpus" / "files" / "web"

OBFUSCATOR_PRESETS = (
    "string-array",
    "hex-escapes",
    "base64",
    "rc4",
    "control-flow",
    "dead-code",
    "wrappers",
    "high",
)
PRESETS = (*OBFUSCATOR_PRESETS, "terser")
_INLINE = re.compile(r"(<script(?![^>]*\bsrc=)[^>]*>)(.*?)(</script>)", re.S | re.I)

BENIGN_NPM = (
    "lodash/lodash.js",
    "jquery/dist/jquery.js",
    "moment/moment.js",
    "axios/dist/axios.js",
    "react/cjs/react.development.js",
    "crypto-js/crypto-js.js",
    "crypto-js/sha3.js",
    "crypto-js/aes.js",
    "js-sha3/src/sha3.js",
    "hash-wasm/dist/sha3.umd.min.js",
    "hash-wasm/dist/argon2.umd.min.js",
    "hash-wasm/dist/blake2b.umd.min.js",
    "argon2-browser/dist/argon2.js",
    "argon2-browser/dist/argon2-bundled.min.js",
)
"""Benign look-alikes the tests transform: popular libraries and hashing/crypto/wasm code."""


@dataclass(frozen=True)
class Variant:
    """One transformed sample."""

    source: str
    """Name of the original sample."""
    preset: str
    path: Path


def require_tools() -> str:
    """The node binary, or ToolMissing when node or the npm packages are not installed."""
    return _node()


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (MODULES / "javascript-obfuscator").is_dir():
        raise ToolMissing("node and tests/node_modules are needed (npm ci in tests/)")
    return node


def asmjs_cryptonight() -> Path:
    """CryptoNight compiled to asm.js-style JavaScript (emscripten -s WASM=0), one file."""
    emcc = shutil.which("emcc")
    if emcc is None:
        raise ToolMissing("emcc not on PATH (apt-get install emscripten)")
    tree = source_tree()
    out = OUT / "cryptonight.asm.js"
    key = digest(run([emcc, "--version"]), (tree / s for s in WASM_SOURCES), "asm-1")
    if is_fresh(out, key):
        return out
    OUT.mkdir(parents=True, exist_ok=True)
    cmd: list[str | Path] = [emcc, *CFLAGS, "-I", tree, "-I", tree / "crypto", *WASM_SOURCES]
    cmd += ["-sWASM=0", "--memory-init-file", "0", "-sINITIAL_MEMORY=33554432"]
    cmd += ["-sEXPORTED_FUNCTIONS=_cryptonight_hash,_malloc,_free", "-o", out]
    # emscripten's JS optimiser needs acorn; Debian's node may not carry it, terser's does.
    run(cmd, cwd=tree, env={"NODE_PATH": str(MODULES)})
    mark_fresh(out, key)
    return out


def transform(samples: dict[str, Path], presets: tuple[str, ...], label: str) -> list[Variant]:
    """Every sample under every preset (cached); HTML keeps its markup."""
    node = _node()
    versions = [
        (MODULES / p / "package.json").read_text() for p in ("javascript-obfuscator", "terser")
    ]
    key = digest(
        (HERE / "transform.js").read_text(),
        *versions,
        json.dumps(sorted(presets)),
        *(f"{name}\0" + p.read_text(errors="replace") for name, p in sorted(samples.items())),
    )
    folder = OUT / label
    stamp = folder / "manifest.json"
    variants = [
        Variant(name, preset, folder / preset / f"{i:03d}-{p.name}")
        for i, (name, p) in enumerate(sorted(samples.items()))
        for preset in presets
    ]
    if is_fresh(stamp, key):
        return variants
    shutil.rmtree(folder, ignore_errors=True)
    parts = folder / "parts"
    parts.mkdir(parents=True)
    jobs: list[dict[str, object]] = []
    plans: list[tuple[Variant, str, list[Path]]] = []
    for n, v in enumerate(variants):
        v.path.parent.mkdir(parents=True, exist_ok=True)
        source = samples[v.source]
        text = source.read_text(errors="replace")
        if source.suffix in (".html", ".htm"):
            outs: list[Path] = []
            for j, m in enumerate(_INLINE.finditer(text)):
                if not m.group(2).strip():
                    continue
                src = parts / f"{n}-{j}.in.js"
                src.write_text(m.group(2))
                dst = parts / f"{n}-{j}.out.js"
                jobs.append(
                    {"input": str(src), "output": str(dst), "preset": v.preset, "seed": n + 1}
                )
                outs.append(dst)
            plans.append((v, text, outs))
        else:
            jobs.append(
                {"input": str(source), "output": str(v.path), "preset": v.preset, "seed": n + 1}
            )
    manifest = folder / "jobs.json"
    manifest.write_text(json.dumps(jobs))
    run([node, HERE / "transform.js", manifest], timeout=1800)
    for v, text, outs in plans:
        v.path.write_text(_embed(text, outs))
    stamp.write_text(json.dumps([str(v.path) for v in variants]))
    mark_fresh(stamp, key)
    return variants


def _embed(html: str, scripts: list[Path]) -> str:
    """``html`` with its non-empty inline scripts replaced, in order, by ``scripts``."""
    it = iter(scripts)

    def swap(m: re.Match[str]) -> str:
        if not m.group(2).strip():
            return m.group(0)
        return m.group(1) + next(it).read_text() + m.group(3)

    return _INLINE.sub(swap, html)


def corpus_positives() -> dict[str, Path]:
    """The browser-miner samples of tests/corpus (every file in files/web is a miner)."""
    return {f"corpus/{p.name}": p for p in sorted(CORPUS_WEB.iterdir()) if p.is_file()}


def benign_npm() -> dict[str, Path]:
    return {f"npm/{rel}": MODULES / rel for rel in BENIGN_NPM if (MODULES / rel).is_file()}
