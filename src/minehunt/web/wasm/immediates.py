"""Code constants found from the raw bytes, without decoding every instruction.

The fingerprints need only a few dozen constants (signature immediates and CryptoNight's
scratchpad sizes). Compilers write ``i32.const``/``i64.const`` immediates as minimal signed
LEB128, so each wanted value has one byte spelling per opcode: YARA-X finds them all in one
pass over the code section. A byte hit may still sit inside another instruction's
immediate, so it counts only once the function that holds it has been decoded and really
has that constant; and only when it can matter (a signature with enough distinct raw hits
to reach its threshold; scratchpad sizes when the caller asks, i.e. next to Keccak).
Decoding stops after MAX_DECODE_BYTES of bodies: the remaining hits then count as found.
"""

from __future__ import annotations

import bisect
from functools import cache

import yara_x

from minehunt.web.wasm.binary import WasmModule, decode_function
from minehunt.web.wasm.signatures import SCRATCHPAD, SCRATCHPAD_LITE, SIGNATURES

I32_CONST, I64_CONST = 0x41, 0x42
MAX_DECODE_BYTES = 256 * 1024
"""Function-body bytes decoded per module to confirm hits (pywasm: ~150 KB/s)."""
SCRATCH_RANGES = (SCRATCHPAD, SCRATCHPAD_LITE)


def sleb128(value: int, bits: int) -> bytes:
    """Minimal signed LEB128 of ``value`` read as a two's complement number of ``bits``."""
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _spellings() -> dict[bytes, int]:
    """Opcode + immediate bytes -> the constant (unsigned, as the full decode records it)."""
    out: dict[bytes, int] = {}
    for sig in SIGNATURES:
        for v in sig.immediates:
            out[bytes([I64_CONST]) + sleb128(v, 64)] = v
            if v < 1 << 32:
                out[bytes([I32_CONST]) + sleb128(v, 32)] = v
    return out


def _range_patterns() -> list[str]:
    """Hex patterns covering every minimal encoding of the scratchpad-sized constants: 4-byte
    LEB128 whose last two bytes are fixed by the range; the first two are checked after."""
    tails = sorted({sleb128(low, 32)[2:] for low, _ in SCRATCH_RANGES})
    return [f"{{ (41|42) ?? ?? {tail.hex(' ')} }}" for tail in tails]


@cache
def _compiled() -> tuple[yara_x.Rules, dict[str, int]]:
    spellings = _spellings()
    names: dict[str, int] = {}
    lines: list[str] = []
    for i, (spelling, value) in enumerate(sorted(spellings.items())):
        names[f"$c{i}"] = value
        lines.append(f"$c{i} = {{ {spelling.hex(' ')} }}")
    for i, pattern in enumerate(_range_patterns()):
        lines.append(f"$r{i} = {pattern}")
    source = "rule immediates { strings: " + " ".join(lines) + " condition: any of them }"
    return yara_x.compile(source), names


def _leb_value(data: bytes, pos: int, bits: int) -> int:
    """Unsigned value (of ``bits`` width) of the signed LEB128 at ``pos``."""
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result & ((1 << bits) - 1)


def raw_hits(data: bytes, module: WasmModule) -> dict[int, list[int]]:
    """Wanted constant -> offsets in the module where its i32/i64.const spelling occurs
    inside a function body (scratchpad-sized constants included)."""
    if not module.bodies:
        return {}
    rules, names = _compiled()
    start, end = module.bodies[0][0], module.bodies[-1][1]
    scanner = yara_x.Scanner(rules)
    hits: dict[int, list[int]] = {}
    for rule in scanner.scan(data[start:end]).matching_rules:
        for pattern in rule.patterns:
            value = names.get(pattern.identifier)
            for m in pattern.matches:
                off = start + m.offset
                if value is None:  # a scratchpad range pattern: decode and check
                    bits = 32 if data[off] == I32_CONST else 64
                    v = _leb_value(data, off + 1, bits)
                    if not any(low <= v <= high for low, high in SCRATCH_RANGES):
                        continue
                    hits.setdefault(v, []).append(off)
                else:
                    hits.setdefault(value, []).append(off)
    return hits


class Confirmer:
    """Decides which raw hits are real immediates, decoding each function at most once."""

    def __init__(self, data: bytes, module: WasmModule) -> None:
        self._data = data
        self._bodies = module.bodies
        self._starts = [s for s, _ in module.bodies]
        self._decoded: dict[int, frozenset[int] | None] = {}
        self._budget = MAX_DECODE_BYTES
        self.hits = raw_hits(data, module)

    def _constants(self, index: int) -> frozenset[int] | None:
        if index not in self._decoded:
            span = self._bodies[index]
            if span[1] - span[0] > self._budget:
                return None  # over budget: the raw hit stands
            self._budget -= span[1] - span[0]
            self._decoded[index] = decode_function(self._data, span)
        return self._decoded[index]

    def present(self, value: int) -> bool:
        """True when some function really has ``value`` as an i32/i64 constant (or could not
        be decoded, within budget or at all: then its raw hit stands)."""
        for off in self.hits.get(value, ()):
            index = bisect.bisect_right(self._starts, off) - 1
            found = self._constants(index)
            if found is None or value in found:
                return True
        return False


def code_constants(data: bytes, module: WasmModule, *, scratchpad: bool = False) -> frozenset[int]:
    """The signature immediates (and, with ``scratchpad``, the scratchpad-sized constants)
    that the module's code holds, as far as a signature's threshold can be reached."""
    conf = Confirmer(data, module)
    found: set[int] = set()
    for sig in SIGNATURES:
        raw = [v for v in sig.immediates if v in conf.hits]
        if not sig.immediates or len(raw) < sig.min_immediates:
            continue
        found.update(v for v in raw if v in found or conf.present(v))
    if scratchpad:
        found.update(
            v
            for v in conf.hits
            if any(low <= v <= high for low, high in SCRATCH_RANGES) and conf.present(v)
        )
    return frozenset(found)
