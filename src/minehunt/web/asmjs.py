"""Mining algorithms compiled to JavaScript: asm.js and wasm2js builds of CryptoNight.

Before WebAssembly, browser miners shipped CryptoNight as asm.js (emscripten
``-s WASM=0``). The algorithm's constants are still there, as integer-array literals
(``allocate([99,124,119,...])``, ``new Int32Array([...])``), as a base64 memory initialiser,
or as numeric literals in code. The same fingerprints the WebAssembly analyser uses
(``wasm.signatures``) are searched in those bytes; Keccak + AES + two of CryptoNight's
finalists (or the 2 MiB scratchpad) is CryptoNight, whatever the code is called.

Only that verdict is reported, so a script is let out first by what it cannot lack: AES has
no code fingerprint, so one of its tables must be in an integer array (found by a cheap
regex) or in a base64 blob (one of three spellings, found by the script's ``Hints`` pass).
The numeric literals of the whole text are read only for the few scripts that pass.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minehunt.web.wasm.signatures import SCRATCHPAD, SCRATCHPAD_LITE, SIGNATURES

if TYPE_CHECKING:
    from minehunt.web.hints import Hints

__all__ = ["ANCHORS", "AsmVerdict", "analyse_asm", "verdict"]

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
_AES_TABLES = tuple(t for sig in SIGNATURES if sig.primitive == "aes" for t in sig.tables)
# A table without a zero byte lies inside one decoded chunk (chunks are joined with b"\0"),
# so it is found in an integer array or in the base64 text of one blob.
assert _AES_TABLES and not any(0 in t for t in _AES_TABLES)


def _base64_spellings(table: bytes) -> tuple[str, ...]:
    """The base64 characters that encode ``table`` at each of the 3 byte offsets mod 3 (the
    characters that also carry bits of the bytes around it are left out)."""
    out = []
    for shift, skip in ((0, 0), (1, 2), (2, 3)):
        raw = b"\0" * shift + table
        out.append(base64.b64encode(raw[: len(raw) // 3 * 3]).decode()[skip:])
    return tuple(out)


ANCHORS: dict[str, tuple[tuple[str, bool], ...]] = {
    "aes_base64": tuple((s, False) for t in _AES_TABLES for s in _base64_spellings(t)),
}
"""Hint groups (``web.hints``): an AES table in a base64 memory initialiser."""
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


def _arrays(text: str) -> list[bytes]:
    """The bytes of the script's integer-array literals (up to MAX_DATA)."""
    chunks: list[bytes] = []
    size = 0
    for m in _INT_ARRAY.finditer(text):
        b = _array_bytes(m.group(0))
        chunks.append(b)
        size += len(b)
        if size > MAX_DATA:
            break
    return chunks


def _data(text: str, arrays: list[bytes]) -> bytes:
    """Integer arrays and base64 blobs, decoded and joined by a zero byte."""
    chunks = list(arrays)
    size = sum(map(len, chunks))
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


def analyse_asm(hints: Hints) -> AsmVerdict | None:
    """The verdict for a script that carries compiled hash code, or None (most scripts, and
    every script that cannot compute CryptoNight for want of an AES table)."""
    arrays = _arrays(hints.text)
    if not hints.has("aes_base64") and not any(t in a for a in arrays for t in _AES_TABLES):
        return None
    return verdict(hints.text, arrays)


def verdict(text: str, arrays: list[bytes] | None = None) -> AsmVerdict | None:
    """What ``analyse_asm`` would say without its first gate (also for non-mining hash
    code); ``arrays``: ``_arrays(text)`` when already read."""
    if not any(h in text for h in _HINTS):
        return None
    data = _data(text, _arrays(text) if arrays is None else arrays)
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
