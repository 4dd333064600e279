"""The WASM analyser on real modules: the CryptoNight miner vs. benign hashing libraries."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from minehunt.model import Confidence
from minehunt.web.wasm import WasmKind, analyse
from minehunt.web.wasm.binary import parse
from tests.web.miner.build import MinerBuild

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


def _hash_wasm_modules() -> list[bytes]:
    """Every module hash-wasm ships, base64-inlined in its UMD bundle."""
    text = (NODE_MODULES / "hash-wasm/dist/index.umd.min.js").read_text()
    return [base64.b64decode(m) for m in re.findall(r"AGFzbQ[A-Za-z0-9+/=]+", text)]


def test_named_miner_module_is_cryptonight(miner: MinerBuild) -> None:
    v = analyse(miner.wasm.read_bytes())
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"
    assert v.confidence is Confidence.HIGH
    assert {"keccak", "aes", "groestl", "jh", "skein", "blake256"} <= set(v.primitives)
    assert v.scratchpad and v.hashing_loops > 0
    assert "MH-YARA-062" in v.rule_ids  # its exports name cryptonight_hash


def test_renamed_stripped_miner_is_still_cryptonight(miner: MinerBuild) -> None:
    data = miner.wasm_renamed.read_bytes()
    module = parse(data)
    assert {e.name for e in module.exports} >= {"a", "b", "d"}
    assert not any("crypto" in e.name or "hash" in e.name for e in module.exports)
    v = analyse(data)
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"
    assert v.confidence is Confidence.HIGH
    assert v.module is not None and v.module.opcodes.get("i64.mul", 0) > 0
    assert v.attributes()["wasm_verdict"] == "miner"


def test_argon2_browser_is_benign_hashing() -> None:
    for name in ("argon2.wasm", "argon2-simd.wasm"):
        v = analyse((NODE_MODULES / "argon2-browser/dist" / name).read_bytes())
        assert v.kind is WasmKind.HASHING, v.summary()
        assert v.algorithm == "argon2"


def test_hash_wasm_modules_are_never_miners() -> None:
    modules = _hash_wasm_modules()
    assert len(modules) > 10
    verdicts = [analyse(m) for m in modules]
    assert not [v.summary() for v in verdicts if v.kind is WasmKind.MINER]
    found = {p for v in verdicts for p in v.primitives}
    assert {"keccak", "sha256", "blake2b"} <= found  # it does hash: just not mining


GARBAGE = [
    b"",
    b"\x00asm",
    b"\x00asm\x01\x00\x00\x00\x0a\xff\xff\xff\xff\x0f",  # section longer than the module
    b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 8,
    b"not wasm at all",
]


@pytest.mark.parametrize("data", GARBAGE)
def test_garbage_is_invalid_not_an_exception(data: bytes) -> None:
    assert analyse(data).kind in (WasmKind.INVALID, WasmKind.NONE)


def _nested(depth: int) -> bytes:
    """One function whose body is ``depth`` nested blocks."""
    return _module(b"\x02\x40" * depth + b"\x0b" * depth)


def test_deeply_nested_blocks_do_not_crash() -> None:
    # 5,000 nested blocks: deeper than Python's recursion limit
    module = _nested(5000)
    assert analyse(module).kind in (WasmKind.INVALID, WasmKind.NONE)
    assert analyse(module, thorough=True).kind in (WasmKind.INVALID, WasmKind.NONE)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_oversized_code_keeps_table_fingerprints(
    miner: MinerBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minehunt.web.wasm import binary as wasm_binary

    monkeypatch.setattr(wasm_binary, "MAX_CODE_BYTES", 1024)
    v = analyse(miner.wasm_renamed.read_bytes())
    assert v.module is not None and not v.module.bodies_decoded
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"


def _module(body: bytes, locals_decl: bytes = b"\x00") -> bytes:
    """A module with one function of type () -> () and the given body (``end`` appended)."""
    func = locals_decl + body + b"\x0b"
    code = b"\x01" + _leb(len(func)) + func
    return (
        b"\x00asm\x01\x00\x00\x00"
        + b"\x01\x04\x01\x60\x00\x00"
        + b"\x03\x02\x01\x00"
        + b"\x0a"
        + _leb(len(code))
        + code
    )


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            return bytes([*out, byte])
        out.append(byte | 0x80)


def _i64(value: int) -> bytes:
    return b"\x42" + _sleb(value - (1 << 64) if value >= 1 << 63 else value) + b"\x1a"  # drop


def _corpus(miner: MinerBuild) -> dict[str, bytes]:
    """Every module the tests build or ship: files, base64 inlined in scripts, hand-made."""
    from minehunt.web.script import _B64_WASM
    from tests.build import cryptonight

    found: dict[str, bytes] = {
        "miner": miner.wasm.read_bytes(),
        "miner renamed": miner.wasm_renamed.read_bytes(),
        "cryptonight build": cryptonight.build_wasm().path.read_bytes(),
    }
    roots = (NODE_MODULES, Path(__file__).resolve().parents[1] / "corpus")
    for path in sorted(p for root in roots for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data.startswith(b"\x00asm"):
            found[str(path)] = data
        elif path.suffix in (".js", ".mjs", ".html") and b"AGFzbQ" in data:
            for i, m in enumerate(_B64_WASM.finditer(data.decode("utf-8", "replace"))):
                blob = m.group(0)
                found[f"{path} #{i}"] = base64.b64decode(blob + "=" * (-len(blob) % 4))
    found.update({f"garbage #{i}": g for i, g in enumerate(GARBAGE)})
    found["nested"] = _nested(5000)
    # Keccak needs 4 of its round constants as immediates: three real i64.const, and the
    # bytes of "i64.const 0x8a" made of local.get 66; i64.rotr; nop - not a constant.
    three = _i64(0x8082) + _i64(0x800000000000808A) + _i64(0x8000000080008000)
    found["keccak look-alike"] = _module(three + b"\x20\x42\x8a\x01\x1a", b"\x01\x43\x7e")
    found["keccak immediates"] = _module(three + _i64(0x8A))
    found["scratchpad"] = _module(three + _i64(0x8A) + b"\x41\x80\x80\x80\x01\x1a")
    return found


def test_fast_path_reaches_the_full_decodes_verdict(miner: MinerBuild) -> None:
    """The raw-bytes analysis gives the verdict of decoding every instruction (the old path)
    on every module the tests have; where pywasm cannot decode a body, the fast path still
    reads the module's structure, and never calls it a miner on that account."""
    modules = _corpus(miner)
    assert len({hashlib.sha256(m).digest() for m in modules.values()}) > 30
    for name, data in modules.items():
        fast, full = analyse(data), analyse(data, thorough=True)
        if full.kind is WasmKind.INVALID and fast.kind is not WasmKind.INVALID:
            assert fast.kind is WasmKind.NONE, name
            continue
        assert (fast.kind, fast.confidence, fast.algorithm) == (
            full.kind,
            full.confidence,
            full.algorithm,
        ), name
        assert (fast.primitives, fast.scratchpad, fast.rule_ids) == (
            full.primitives,
            full.scratchpad,
            full.rule_ids,
        ), name
        if full.is_miner:
            assert fast.hashing_loops == full.hashing_loops, name
    assert analyse(modules["keccak look-alike"]).kind is WasmKind.NONE
    assert analyse(modules["keccak immediates"]).primitives == ("keccak",)
    assert analyse(modules["scratchpad"]).scratchpad  # found by the range patterns
