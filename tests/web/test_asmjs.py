"""CryptoNight compiled to JavaScript is found wherever its AES table sits, and the cheap
first gate of ``analyse_asm`` never changes a verdict."""

from __future__ import annotations

import base64
import random
import struct

import pytest

from minehunt import intel as intel_mod
from minehunt.web.asmjs import analyse_asm, verdict
from minehunt.web.hints import Hints
from minehunt.web.wasm.signatures import _AES_TE0, AES_SBOX_HEAD, JH_C0

INTEL = intel_mod.default()
KECCAK = "a[0] = 0x8082; a[1] = 0x808b; a[2] = 0x80000001; a[3] = 0x8000808b;"
"""Four Keccak round constants as the unrolled rounds of an asm.js build spell them."""
BODY = f'"use asm"; var HEAP32 = new Int32Array(buffer); {KECCAK} var size = 2097152;'


def _asm(text: str) -> object:
    return analyse_asm(Hints(text, text.encode(), INTEL))


def _memory(table: bytes, offset: int) -> str:
    rnd = random.Random(offset)
    blob = rnd.randbytes(offset) + table + JH_C0 + rnd.randbytes(300)
    return f'var memoryInitializer = "{base64.b64encode(blob).decode()}";'


@pytest.mark.parametrize("offset", range(6))
def test_aes_table_in_a_base64_initialiser_is_found_at_every_offset(offset: int) -> None:
    found = _asm(BODY + _memory(AES_SBOX_HEAD, offset))
    assert found is not None and found.algorithm == "cryptonight"  # type: ignore[attr-defined]
    assert _asm(BODY + _memory(b"\x01" * 16, offset)) is None


def _words(table: bytes, shift: int = 0) -> str:
    """A table as 32-bit words, starting ``shift`` bytes into a word."""
    raw = b"\x11" * shift + table
    raw += b"\x22" * (-len(raw) % 4)
    words = struct.unpack(f"<{len(raw) // 4}i", raw) * 4  # signed, as asm.js spells them
    return "new Int32Array([" + ",".join(map(str, words)) + "]);"


@pytest.mark.parametrize(
    "array",
    [
        "allocate([" + ",".join(map(str, AES_SBOX_HEAD)) + "], 'i8');",
        "allocate([" + ", ".join(str(b - 256 if b > 127 else b) for b in AES_SBOX_HEAD) + "]);",
        "allocate([" + ",".join(hex(b) for b in AES_SBOX_HEAD) + "]);",
        *(_words(_AES_TE0, shift) for shift in range(4)),
        _words(AES_SBOX_HEAD, 3).replace("[", "[0x7fffffff,"),
    ],
    ids=["bytes", "signed-bytes", "hex-bytes", *(f"te0-words-{n}" for n in range(4)), "sbox"],
)
def test_aes_table_in_an_integer_array_is_found(array: str) -> None:
    text = BODY + array + _memory(JH_C0, 0)
    found = _asm(text)
    assert found is not None and found.algorithm == "cryptonight"  # type: ignore[attr-defined]
    assert found == verdict(text)


def test_hash_code_without_aes_is_let_out_by_the_gate() -> None:
    text = BODY + _memory(JH_C0, 0)
    full = verdict(text)
    assert full is not None and full.primitives == ("keccak", "jh")  # not CryptoNight
    assert _asm(text) is None
