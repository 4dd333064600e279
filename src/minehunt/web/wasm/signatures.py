"""Fingerprints of the cryptographic primitives mining algorithms are built from.

These are the published constants of each primitive (round constants, S-boxes, IVs), not
indicators of any one miner: they survive renaming, minification and stripping because the
algorithm cannot work without them. A table is searched in the module's data segments (in the
byte orders compilers lay them out in); an immediate in code (``i64.const``) is matched by
value, for implementations that unroll rounds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

KECCAK_RC = (
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808A,
    0x8000000080008000,
    0x000000000000808B,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008A,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000A,
    0x000000008000808B,
    0x800000000000008B,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800A,
    0x800000008000000A,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
)
AES_SBOX_HEAD = bytes.fromhex("637c777bf26b6fc53001672bfed7ab76")
BLAKE256_PI = (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822, 0x299F31D0)
# The BLAKE family's message permutation (rows 0-2); BLAKE-256, Blake2s and Blake2b share it.
BLAKE_SIGMA = (
    bytes(range(16))
    + bytes(
        (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3, 11, 8, 12, 0, 5, 2, 15, 13, 10, 14)
    )
    + bytes((3, 6, 7, 1, 9, 4))
)
SHA512_IV = (0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1)
SHA512_K = (0x428A2F98D728AE22, 0x7137449123EF65CD, 0xB5C0FBCFEC4D3B2F)
SHA256_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A)
SHA256_K = (0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5)
JH_C0 = bytes.fromhex("72d5dea2df15f8677b84150ab7231557")
SKEIN_512_256_IV0 = 0xCCD044A12FDB3E13
SKEIN_512_512_IV0 = 0x4903ADFF749C51CE
THREEFISH_C240 = 0x1BD11BDAA9FC1A22

# CryptoNight's scratchpad: 2 MiB (1 MiB for the lite variant). Code carries the size as the
# bound of the fill loop and, a few bytes more, as the size of the context it allocates
# (scratchpad + Keccak state + AES blocks). The address mask of the main loop (0x1FFFF0) is
# not reliable: clang turns it into a pair of shifts.
SCRATCHPAD = (0x200000, 0x200000 + 4096)
SCRATCHPAD_LITE = (0x100000, 0x100000 + 4096)


def _gmul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) with the AES/Groestl polynomial x^8+x^4+x^3+x+1."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else a << 1
        b >>= 1
    return out


def _groestl_t0(n: int) -> bytes:
    """The first ``n`` entries of Groestl's T0 table, computed from the S-box and MDS row.

    Byte order as the 32-bit reference code stores it (two uint32 words per entry, little
    endian): for S-box output s the entry is 2s, 7s, 5s, 3s, 5s, 4s, 3s, 2s.
    """
    out = bytearray()
    for s in AES_SBOX_HEAD[:n]:
        out += bytes(_gmul(s, m) for m in (2, 7, 5, 3, 5, 4, 3, 2))
    return bytes(out)


def _u64le(values: tuple[int, ...]) -> bytes:
    return struct.pack(f"<{len(values)}Q", *values)


def _u32le(values: tuple[int, ...]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


_GROESTL = _groestl_t0(4)
# 64-bit sph-style tables store each entry as one little-endian uint64 (bytes reversed).
_GROESTL_SPH = b"".join(_GROESTL[i : i + 8][::-1] for i in range(0, len(_GROESTL), 8))
# AES T-table Te0 as uint32 little endian: (2s, s, s, 3s) for s = S-box output.
_AES_TE0 = b"".join(bytes((_gmul(s, 2), s, s, _gmul(s, 3))) for s in AES_SBOX_HEAD[:4])
_AES_TE0_BE = b"".join(bytes((_gmul(s, 3), s, s, _gmul(s, 2))) for s in AES_SBOX_HEAD[:4])


@dataclass(frozen=True)
class Signature:
    """How to recognise one primitive: byte tables in data, or immediates in code."""

    primitive: str
    tables: tuple[bytes, ...] = ()
    """Any of these byte strings in a data segment is a match."""
    immediates: frozenset[int] = frozenset()
    """Constants of which ``min_immediates`` in code are a match."""
    min_immediates: int = 3


SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "keccak",
        tables=(_u64le(KECCAK_RC[:3]),),
        immediates=frozenset(KECCAK_RC[1:]),  # 1 is too common to count
        min_immediates=4,
    ),
    Signature("aes", tables=(AES_SBOX_HEAD, _AES_TE0, _AES_TE0_BE)),
    Signature(
        "blake256",
        tables=(_u32le(BLAKE256_PI[:4]),),
        immediates=frozenset(BLAKE256_PI),
    ),
    Signature("groestl", tables=(_GROESTL, _GROESTL_SPH)),
    Signature("jh", tables=(JH_C0,)),
    Signature(
        "skein",
        tables=(_u64le((SKEIN_512_256_IV0,)), _u64le((SKEIN_512_512_IV0,))),
        immediates=frozenset({THREEFISH_C240, SKEIN_512_256_IV0, SKEIN_512_512_IV0}),
        min_immediates=1,
    ),
    Signature("blake-sigma", tables=(BLAKE_SIGMA,)),
    Signature(
        "sha512-iv",
        tables=(_u64le(SHA512_IV),),
        immediates=frozenset(SHA512_IV),
    ),
    Signature("sha512-k", tables=(_u64le(SHA512_K),), immediates=frozenset(SHA512_K)),
    Signature("sha256-iv", tables=(_u32le(SHA256_IV),), immediates=frozenset(SHA256_IV)),
    Signature("sha256-k", tables=(_u32le(SHA256_K),), immediates=frozenset(SHA256_K)),
)
"""Raw signatures; verdict.py combines them into primitives (blake2b = SHA-512 IV without
SHA-512's round constants, argon2 = blake2b plus Argon2's markers, ...)."""
