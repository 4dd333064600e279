"""The WebAssembly analyser: does this module mine, hash for a benign reason, or neither?

Used by the website scan (modules fetched statically or caught in the browser) and by
``minehunt scan files`` for ``.wasm`` files. Entry point: ``analyse(module_bytes)``.

By default the code is not decoded instruction by instruction: the constants the
fingerprints need are found from the raw bytes (``immediates``), and only a module found
to mine is decoded in full, for the loop shapes and opcode histogram its evidence shows.
``analyse(data, thorough=True)`` decodes every body first, as the reference path.

A miner has to compute its algorithm: CryptoNight is Keccak, then AES rounds over a 2 MiB
scratchpad, then one of BLAKE-256/Groestl/JH/Skein; RandomX is Argon2 (Blake2b) + AES +
a big dataset. Renaming, minifying and stripping cannot remove those constants, so the
verdict rests on primitive fingerprints, scratchpad constants and loop shapes, plus the
shared YARA-X rules (export names, family tables). A single hash function (hash-wasm's
SHA-3, argon2-browser's Argon2) is benign hashing, not mining.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace

from minehunt import rules
from minehunt.model import Confidence, Scalar
from minehunt.web.wasm.binary import WasmError, WasmModule, parse
from minehunt.web.wasm.immediates import code_constants
from minehunt.web.wasm.signatures import (
    SCRATCHPAD,
    SCRATCHPAD_LITE,
    SIGNATURES,
)

__all__ = ["WasmKind", "WasmVerdict", "analyse"]

CRYPTONIGHT_FINALISTS = ("blake256", "groestl", "jh", "skein")
"""CryptoNight's final hash is one of these four, chosen by the state's low bits."""
_RULE_KINDS = frozenset({"web", "algorithm", "family"})


class WasmKind(enum.StrEnum):
    """What a module is, as far as mining goes."""

    MINER = "miner"
    """Computes a mining algorithm (CryptoNight, RandomX ...)."""
    HASHING = "hashing"
    """Implements hash functions, but not a mining algorithm (password/file hashing, PoW)."""
    NONE = "none"
    """No cryptographic primitive recognised."""
    INVALID = "invalid"
    """Not a readable module."""


@dataclass(frozen=True)
class WasmVerdict:
    """The analyser's conclusion about one module, with the facts behind it."""

    kind: WasmKind
    sha256: str
    size: int
    confidence: Confidence = Confidence.LOW
    algorithm: str | None = None
    """Mining algorithm (cryptonight, cryptonight-lite, randomx) or benign one (argon2 ...)."""
    primitives: tuple[str, ...] = ()
    """Primitives fingerprinted: keccak, aes, blake256, groestl, jh, skein, blake2b ..."""
    scratchpad: bool = False
    """A CryptoNight-sized (2 MiB, or 1 MiB lite) scratchpad constant is used in code."""
    hashing_loops: int = 0
    """Loops whose body is dominated by 64-bit multiply/rotate/xor and memory traffic."""
    rule_ids: tuple[str, ...] = ()
    """Shared YARA-X rules (web/algorithm/family kinds) that matched the module bytes."""
    reasons: tuple[str, ...] = ()
    """Why, in words, strongest first."""
    module: WasmModule | None = field(default=None, compare=False, repr=False)
    error: str | None = None

    @property
    def is_miner(self) -> bool:
        return self.kind is WasmKind.MINER

    def summary(self) -> str:
        """One line for evidence."""
        head = f"WebAssembly module sha256:{self.sha256[:16]} ({self.size} bytes)"
        if self.kind is WasmKind.INVALID:
            return f"{head}: not readable ({self.error})"
        what = {
            WasmKind.MINER: f"computes {self.algorithm or 'a mining algorithm'}",
            WasmKind.HASHING: f"benign hashing ({self.algorithm or ', '.join(self.primitives)})",
            WasmKind.NONE: "no hashing primitive",
        }[self.kind]
        return f"{head} {what}" + (f": {'; '.join(self.reasons[:3])}" if self.reasons else "")

    def attributes(self) -> dict[str, Scalar]:
        """Machine-readable facts for Evidence.attributes."""
        attrs: dict[str, Scalar] = {
            "wasm_sha256": self.sha256,
            "wasm_size": self.size,
            "wasm_verdict": self.kind.value,
        }
        if self.algorithm:
            attrs["algorithm"] = self.algorithm
        if self.primitives:
            attrs["primitives"] = ",".join(self.primitives)
        if self.scratchpad:
            attrs["scratchpad"] = True
        if self.rule_ids:
            attrs["rules"] = ",".join(self.rule_ids)
        m = self.module
        if m is not None:
            attrs["functions"] = m.functions
            if m.bodies_decoded:
                attrs["instructions"] = m.instructions
            if m.memory_min_pages is not None:
                attrs["memory_pages"] = m.memory_min_pages
            if m.exports:
                attrs["exports"] = ",".join(e.name for e in m.exports[:12])
            if m.imports:
                attrs["imports"] = ",".join(f"{i.module}.{i.name}" for i in m.imports[:12])
        return attrs


def fingerprint(module: WasmModule) -> list[str]:
    """Primitives whose constants the module holds (data tables or code immediates)."""
    raw: set[str] = set()
    for sig in SIGNATURES:
        if any(t in module.data for t in sig.tables) or (
            sig.immediates and len(sig.immediates & module.constants) >= sig.min_immediates
        ):
            raw.add(sig.primitive)
    # Blowfish's P-array is the same digits of pi as BLAKE-256's constants: BLAKE needs its
    # message permutation table too (bcrypt in hash-wasm has the pi digits only).
    if "blake256" in raw and "blake-sigma" not in raw:
        raw.discard("blake256")
        raw.add("blowfish")
    found = [p for p in ("keccak", "aes", *CRYPTONIGHT_FINALISTS, "blowfish") if p in raw]
    if "sha512-iv" in raw and "sha512-k" not in raw:
        found.append("blake2b")
        if b"argon2" in module.data.lower() or any(
            "argon2" in e.name.lower() for e in module.exports
        ):
            found.append("argon2")
    elif "sha512-k" in raw:
        found.append("sha512")
    if "sha256-k" in raw:
        found.append("sha256")
    elif "sha256-iv" in raw and "blake-sigma" in raw:
        found.append("blake2s")
    return found


def _hashing_loops(module: WasmModule) -> int:
    # A mining main loop is long, mixes with 64-bit multiplies/xors and touches memory a lot.
    return sum(
        1 for lp in module.loops if lp.instructions >= 40 and lp.mix_ops >= 4 and lp.memory_ops >= 8
    )


def _scratchpad(module: WasmModule) -> str | None:
    """'full' or 'lite' when code sizes or bounds a CryptoNight scratchpad."""
    for (low, high), name in ((SCRATCHPAD, "full"), (SCRATCHPAD_LITE, "lite")):
        if any(low <= c <= high for c in module.constants):
            return name
    return None


def analyse(data: bytes, *, use_rules: bool = True, thorough: bool = False) -> WasmVerdict:
    """Analyse one module's bytes; never raises (an unreadable module is INVALID).

    ``thorough`` decodes every function body up front (slow: pywasm reads ~150 KB of code
    a second); the default reaches the same verdict from the raw bytes.
    """
    digest = hashlib.sha256(data).hexdigest()
    try:
        module = parse(data, thorough=thorough)
    except WasmError as e:
        return WasmVerdict(WasmKind.INVALID, digest, len(data), error=str(e))
    if not thorough and module.bodies:
        module = replace(module, constants=code_constants(data, module))
        if "keccak" in fingerprint(module):  # scratchpad sizes only count next to Keccak
            module = replace(module, constants=code_constants(data, module, scratchpad=True))
    prims = fingerprint(module)
    scratch = _scratchpad(module)
    rule_ids: list[str] = []
    rule_algos: list[str] = []
    if use_rules:
        try:
            for m in rules.bundled().scan(data, timeout=10):
                if m.rule.kind in _RULE_KINDS:
                    rule_ids.append(m.rule.id)
                    rule_algos.append(m.rule.family)
        except Exception:  # a rule timeout must not lose the structural verdict
            pass
    verdict = _decide(digest, module, prims, scratch, tuple(rule_ids), rule_algos)
    if verdict.is_miner and not module.bodies_decoded and not thorough:
        try:  # a miner's evidence shows its loops and opcodes: decode it in full
            full = parse(data, thorough=True)
        except WasmError:
            return verdict
        verdict = _decide(
            digest,
            replace(full, constants=module.constants | full.constants),
            prims,
            scratch,
            tuple(rule_ids),
            rule_algos,
        )
    return verdict


def _decide(
    digest: str,
    module: WasmModule,
    prims: list[str],
    scratch: str | None,
    rule_ids: tuple[str, ...],
    rule_algos: list[str],
) -> WasmVerdict:
    loops = _hashing_loops(module)
    finalists = [p for p in CRYPTONIGHT_FINALISTS if p in prims]
    if "keccak" not in prims:
        scratch = None  # a 1-2 MiB constant alone is common (buffers, Argon2 memory sizes)
    reasons: list[str] = []
    kind, conf, algo = WasmKind.NONE, Confidence.LOW, None
    if prims:
        reasons.append("primitives " + ", ".join(prims))
    if scratch:
        reasons.append(f"CryptoNight {'lite ' if scratch == 'lite' else ''}scratchpad constants")
    if loops:
        reasons.append(f"{loops} hashing-shaped loop(s)")
    cn_core = "keccak" in prims and "aes" in prims
    if cn_core and (len(finalists) >= 2 or scratch):
        kind, conf = WasmKind.MINER, Confidence.HIGH
        algo = "cryptonight-lite" if scratch == "lite" else "cryptonight"
    elif cn_core and finalists:
        kind, conf, algo = WasmKind.MINER, Confidence.MEDIUM, "cryptonight"
    elif "aes" in prims and "argon2" in prims and "blake2b" in prims:
        kind, conf, algo = WasmKind.MINER, Confidence.MEDIUM, "randomx"
    elif rule_ids:
        kind, conf = WasmKind.MINER, Confidence.MEDIUM
        algo = next((a for a in rule_algos if a not in ("generic", "unknown")), None)
        reasons.append("matches rules " + ", ".join(rule_ids))
    elif prims:
        kind = WasmKind.HASHING
        algo = "argon2" if "argon2" in prims else prims[0]
    if kind is WasmKind.MINER and rule_ids and not any(r.startswith("matches") for r in reasons):
        reasons.append("matches rules " + ", ".join(rule_ids))
        conf = Confidence.HIGH
    return WasmVerdict(
        kind=kind,
        sha256=digest,
        size=module.size,
        confidence=conf,
        algorithm=algo,
        primitives=tuple(prims),
        scratchpad=scratch is not None,
        hashing_loops=loops,
        rule_ids=rule_ids,
        reasons=tuple(reasons),
        module=module,
    )
