"""Mining algorithms compiled to JavaScript: asm.js and wasm2js builds of CryptoNight.

Before WebAssembly, browser miners shipped CryptoNight as asm.js (emscripten
``-s WASM=0``). The algorithm's constants are still there, as integer-array literals
(``allocate([99,124,119,...])``, ``new Int32Array([...])``), as a base64 memory initialiser,
or as numeric literals in code. The same fingerprints the WebAssembly analyser uses
(``wasm.signatures``) are searched in those bytes; Keccak + AES + two of CryptoNight's
finalists (or the 2 MiB scratchpad) is CryptoNight, whatever the code is called.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

from minehunt.web.wasm.signatures import SCRATCHPAD, SCRATCHPAD_LITE, SIGNATURES

__all__ = ["AsmVerdict", "analyse_asm"]

MAX_DATA = 32 * 1024 * 1024
"""Bytes of decoded tables and memory initialisers kept per script."""
_FINALISTS = ("blake256", "groestl", "jh", "skein")
_HINTS = (
    "use asm",
    "asmFunc",
    "HEAP32",
    "HEAPU8",
    "Math.imul",
    "Int32Array",
    "Uint32Array",
    "Uint8Array",
    "memoryInitializer",
    "allocate(",
)
_INT_ARRAY = re.compile(
    r"\[\s*-?(?:0x[0-9a-fA-F]+|\d+)(?:\s*,\s*-?(?:0x[0-9a-fA-F]+|\d+)){15,}\s*\]"
)
_NUMBER = re.compile(r"-?(?:0x[0-9a-fA-F]+|\d+)")
_B64 = re.compile(
    r"""["'](?:data:application/octet-stream;base64,)?([A-Za-z0-9+/]{256,}={0,2})["']"""
)
_LITERAL = re.compile(r"\d(?<![\w$.]\d)(?:(?<=0)x[0-9a-fA-F]{1,8}|\d{3,9})(?![\w$.])")
r"""``(?<![\w$.])(?:0x[0-9a-fA-F]{1,8}|\d{4,10})(?![\w$.])``, starting with the digit so that
``re`` looks only at digits (a look-behind first makes it try every position)."""


@dataclass(frozen=True)
class AsmVerdict:
    """What the JavaScript-compiled code computes."""

    algorithm: str | None
    """'cryptonight' / 'cryptonight-lite' when it mines, else None."""
    primitives: tuple[str, ...]
    scratchpad: str | None
    """'full' or 'lite' when a CryptoNight scratchpad size is a literal in the code."""
    asm: bool
    """The script declares an asm.js module ("use asm") or is a wasm2js build."""

    @property
    def is_miner(self) -> bool:
        return self.algorithm is not None

    def summary(self) -> str:
        kind = "asm.js module" if self.asm else "JavaScript"
        return f"{kind} computes {self.algorithm}: primitives {', '.join(self.primitives)}" + (
            f", {self.scratchpad} scratchpad size" if self.scratchpad else ""
        )


def _array_bytes(literal: str) -> bytes:
    values = [
        int(v, 0) if not v.startswith("-") else -int(v[1:], 0) for v in _NUMBER.findall(literal)
    ]
    if all(0 <= v <= 255 for v in values):
        return bytes(values)
    if all(-128 <= v <= 255 for v in values):
        return bytes(v & 0xFF for v in values)
    return struct.pack(f"<{len(values)}I", *(v & 0xFFFFFFFF for v in values))


def _data(text: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for m in _INT_ARRAY.finditer(text):
        b = _array_bytes(m.group(0))
        chunks.append(b)
        size += len(b)
        if size > MAX_DATA:
            break
    for m in _B64.finditer(text):
        blob = m.group(1)
        if blob.startswith("AGFzbQ") or size > MAX_DATA:
            continue  # a WebAssembly module: analysed by the wasm analyser
        try:
            b = base64.b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            continue
        chunks.append(b)
        size += len(b)
    return b"\x00".join(chunks)


def analyse_asm(text: str) -> AsmVerdict | None:
    """The verdict for a script that carries compiled hash code, or None (most scripts)."""
    if not any(h in text for h in _HINTS):
        return None
    data = _data(text)
    literals: set[int] = set()
    # Each distinct spelling converted once, in order of first appearance (a bundle
    # repeats the same few thousand numbers hundreds of thousands of times).
    for v in dict.fromkeys(_LITERAL.findall(text)):
        literals.add(int(v, 16 if v[:2] in ("0x", "0X") else 10) & 0xFFFFFFFF)
        if len(literals) > 200_000:
            break
    found: set[str] = set()
    for sig in SIGNATURES:
        small = frozenset(v for v in sig.immediates if v <= 0xFFFFFFFF)
        if any(t in data for t in sig.tables) or (
            small and len(small & literals) >= min(sig.min_immediates, len(small))
        ):
            found.add(sig.primitive)
    if "blake256" in found and "blake-sigma" not in found:
        found.discard("blake256")  # Blowfish's P-array shares BLAKE's digits of pi
    prims = tuple(p for p in ("keccak", "aes", *_FINALISTS) if p in found)
    scratch = None
    for (low, high), name in ((SCRATCHPAD, "full"), (SCRATCHPAD_LITE, "lite")):
        if any(low <= v <= high for v in literals):
            scratch = name
            break
    asm = "use asm" in text or "asmFunc" in text or ("HEAP32" in text and "Math.imul" in text)
    if not prims:
        return None
    algo = None
    finalists = [p for p in prims if p in _FINALISTS]
    if "keccak" in prims and "aes" in prims and (len(finalists) >= 2 or scratch):
        algo = "cryptonight-lite" if scratch == "lite" else "cryptonight"
    return AsmVerdict(algo, prims, scratch if "keccak" in prims else None, asm)
