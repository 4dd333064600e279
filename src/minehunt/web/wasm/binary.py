"""WebAssembly module structure: sections, imports, exports, memory and function-body facts.

Parsing is done by PyPI ``pywasm`` (maintained, decodes post-MVP opcodes: SIMD, bulk memory,
sign extension, which emscripten emits by default). This module turns its untyped objects
into small frozen facts and walks function bodies iteratively (a hostile module can nest
blocks deeper than Python's recursion limit). Every parser failure becomes ``WasmError``.

pywasm decodes about 150 KB of code per second, so ``parse`` by default reads everything
but the code section with it and only frames the function bodies (their byte spans);
``decode_function`` decodes one body on demand and ``parse(data, thorough=True)`` decodes
them all (the full opcode histogram, loop shapes and constant set).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pywasm.core
import pywasm.opcode

MAGIC = b"\x00asm"
MAX_MODULE_BYTES = 16 * 1024 * 1024
"""Larger modules are not parsed (CPU/memory bound for a hostile page); see analyse()."""
MAX_CODE_BYTES = 2 * 1024 * 1024
"""Function bodies are decoded only below this code-section size: pywasm decodes about
150 KB/s, and browser miners are far smaller. Bigger modules keep their imports, exports,
memory and data tables (where the fingerprints live); ``bodies_decoded`` says so."""
MAX_TRACKED_LOOPS = 8
"""Innermost open loops whose shape is tracked: bounds work on hostile nesting."""
PAGE = 65536

SECTION_NAMES = {
    0: "custom",
    1: "type",
    2: "import",
    3: "function",
    4: "table",
    5: "memory",
    6: "global",
    7: "export",
    8: "start",
    9: "element",
    10: "code",
    11: "data",
    12: "datacount",
    13: "tag",
}
_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_BLOCK, _LOOP, _IF = pywasm.opcode.block, pywasm.opcode.loop, pywasm.opcode.if_then
_I32_CONST, _I64_CONST = pywasm.opcode.i32_const, pywasm.opcode.i64_const
# Opcodes that make a loop body "hashing-shaped": 64-bit multiply, rotations, xor and
# memory traffic are what every CryptoNight/RandomX/Keccak inner loop is built from.
_MIX_OPS = frozenset(
    {"i64.mul", "i64.rotl", "i64.rotr", "i32.rotl", "i32.rotr", "i64.xor", "i32.xor"}
)


class WasmError(Exception):
    """The bytes are not a WebAssembly module minehunt can read."""


@dataclass(frozen=True)
class Section:
    """One top-level section: id, name (custom sections: their own name), size in bytes."""

    id: int
    name: str
    size: int
    start: int = 0
    """Offset of the section's id byte in the module."""
    end: int = 0
    """Offset just past the section's payload."""


@dataclass(frozen=True)
class Import:
    """An imported function, table, memory or global."""

    module: str
    name: str
    kind: str


@dataclass(frozen=True)
class Export:
    """An exported entity (function names survive minification only when not renamed)."""

    name: str
    kind: str


@dataclass(frozen=True)
class LoopShape:
    """One ``loop`` construct: nesting depth and what its body (and nested blocks) does."""

    depth: int
    """1 for an outermost loop."""
    instructions: int
    """Instructions inside, nested blocks included."""
    mix_ops: int
    """64-bit multiplies, rotations and xors inside."""
    memory_ops: int
    """Loads and stores inside."""
    masks: frozenset[int]
    """Constants used inside (address masks such as 0x1FFFF0 show up here)."""


@dataclass(frozen=True)
class WasmModule:
    """The facts about one module that the analyser needs."""

    size: int
    sections: tuple[Section, ...]
    imports: tuple[Import, ...]
    exports: tuple[Export, ...]
    functions: int
    """Functions defined in the module (imports excluded)."""
    instructions: int
    """Instructions in all function bodies."""
    memory_min_pages: int | None
    """Initial memory (pages of 64 KiB) of the defined or imported memory."""
    memory_max_pages: int | None
    opcodes: Mapping[str, int] = field(default_factory=dict)
    """Opcode histogram over all function bodies."""
    constants: frozenset[int] = frozenset()
    """Distinct i32/i64 constants in code, as unsigned numbers of their width."""
    loops: tuple[LoopShape, ...] = ()
    data: bytes = b""
    """All data segments concatenated (tables of hash constants live here)."""
    bodies_decoded: bool = True
    """False when function bodies were not decoded (the default, fast parse, or a code
    section over MAX_CODE_BYTES): opcodes, loops and instructions are then empty, and
    ``constants`` holds only what the caller confirmed (see ``immediates``)."""
    bodies: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    """Byte span (start, end) in the module of each defined function's body."""

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory_min_pages is None else self.memory_min_pages * PAGE


def sections(data: bytes) -> Iterator[Section]:
    """Top-level sections, read directly: pywasm does not report sizes or custom names."""
    pos = 8
    while pos < len(data):
        start = pos
        sid = data[pos]
        size, pos = _uleb(data, pos + 1)
        name = SECTION_NAMES.get(sid, f"unknown-{sid}")
        if sid == 0:
            n, p = _uleb(data, pos)
            name = "custom:" + data[p : p + n].decode("utf-8", "replace")
        if pos + size > len(data):
            raise WasmError(f"section {name} runs past the end of the module")
        yield Section(sid, name, size, start, pos + size)
        pos += size


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    for _ in range(10):
        if pos >= len(data):
            raise WasmError("truncated LEB128 number")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos
    raise WasmError("LEB128 number too long")


def parse(data: bytes, *, thorough: bool = False) -> WasmModule:
    """Parse a module; raises WasmError for anything that is not a readable module.

    By default function bodies are framed, not decoded (``bodies`` gives their spans);
    ``thorough`` decodes every body when the code section is within MAX_CODE_BYTES.
    """
    if not data.startswith(MAGIC):
        raise WasmError("no \\0asm magic")
    if len(data) > MAX_MODULE_BYTES:
        raise WasmError(f"module of {len(data)} bytes is over the {MAX_MODULE_BYTES} byte cap")
    secs = tuple(sections(data))
    readable = data
    code = [sec for sec in secs if sec.id == 10]
    decoded = not code or (thorough and code[0].size <= MAX_CODE_BYTES)
    if not decoded:
        readable = data[: code[0].start] + data[code[0].end :]
    try:
        desc = pywasm.core.ModuleDesc.from_reader(io.BytesIO(readable))
    except Exception as e:  # pywasm asserts, raises Key/Type/Recursion errors
        raise WasmError(f"cannot parse module: {type(e).__name__}: {e}"[:200]) from e
    bodies = _frame(data, code[0], len(desc.func)) if code and not thorough else ()
    return replace(_facts(data, secs, desc, decoded), bodies=bodies)


def _frame(data: bytes, code: Section, functions: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) span of every function body in the code section."""
    n, pos = _uleb(data, code.end - code.size)
    if n != functions:
        raise WasmError(f"code section has {n} bodies for {functions} functions")
    spans: list[tuple[int, int]] = []
    for _ in range(n):
        size, pos = _uleb(data, pos)
        if pos + size > code.end:
            raise WasmError("function body runs past the code section")
        spans.append((pos, pos + size))
        pos += size
    if pos != code.end:
        raise WasmError("code section has bytes after its last function body")
    return tuple(spans)


def decode_function(data: bytes, span: tuple[int, int]) -> frozenset[int] | None:
    """The i32/i64 constants of one function body (unsigned, of their width), or None when
    pywasm cannot decode it."""
    try:
        func = pywasm.core.FuncDesc.from_reader_code(io.BytesIO(data[span[0] : span[1]]))
    except Exception:  # pywasm asserts, raises Key/Type/Recursion errors
        return None
    constants: set[int] = set()
    _walk(func.expr.data, Counter(), constants, [])
    return frozenset(constants)


def _facts(data: bytes, secs: tuple[Section, ...], desc: Any, decoded: bool) -> WasmModule:
    imports = tuple(Import(i.module, i.name, _KINDS.get(i.kind, "?")) for i in desc.imps)
    exports = tuple(Export(e.name, _KINDS.get(e.kind, "?")) for e in desc.exps)
    mem_min: int | None = None
    mem_max: int | None = None
    limits = [m.limits for m in desc.mems] + [i.desc.limits for i in desc.imps if i.kind == 2]
    if limits:
        mem_min, mem_max = int(limits[0].n), (int(limits[0].m) or None)
    opcodes: Counter[str] = Counter()
    constants: set[int] = set()
    loops: list[LoopShape] = []
    total = 0
    for func in desc.func:
        expr = getattr(func, "expr", None)
        if expr is not None:
            total += _walk(expr.data, opcodes, constants, loops)
    blobs = b"".join(bytes(d.init) for d in desc.data)
    return WasmModule(
        size=len(data),
        sections=secs,
        imports=imports,
        exports=exports,
        functions=len(desc.func),
        instructions=total,
        memory_min_pages=mem_min,
        memory_max_pages=mem_max,
        opcodes=dict(opcodes),
        constants=frozenset(constants),
        loops=tuple(loops),
        data=blobs,
        bodies_decoded=decoded,
    )


@dataclass
class _Open:
    """A loop being walked: counters filled while its body is visited."""

    depth: int
    instructions: int = 0
    mix_ops: int = 0
    memory_ops: int = 0
    masks: set[int] = field(default_factory=set)


def _walk(
    body: list[Any], opcodes: Counter[str], constants: set[int], loops: list[LoopShape]
) -> int:
    """Visit one function body without recursion; returns its instruction count."""
    names = pywasm.opcode.name
    # Stack of (instruction list, index, open loops active for this list).
    stack: list[tuple[list[Any], int, tuple[_Open, ...]]] = [(body, 0, ())]
    opened: list[_Open] = []
    count = 0
    while stack:
        insts, i, active = stack.pop()
        if i >= len(insts):
            continue
        inst = insts[i]
        stack.append((insts, i + 1, active))
        count += 1
        name = names.get(inst.opcode, f"0x{inst.opcode:x}")
        opcodes[name] += 1
        const: int | None = None
        if inst.opcode in (_I32_CONST, _I64_CONST) and inst.args:
            mask = 0xFFFFFFFF if inst.opcode == _I32_CONST else 0xFFFFFFFFFFFFFFFF
            const = int(inst.args[0]) & mask
            constants.add(const)
        for lp in active[-MAX_TRACKED_LOOPS:]:
            lp.instructions += 1
            if name in _MIX_OPS:
                lp.mix_ops += 1
            if ".load" in name or ".store" in name:
                lp.memory_ops += 1
            if const is not None and len(lp.masks) < 64:
                lp.masks.add(const)
        if inst.opcode in (_BLOCK, _LOOP, _IF):
            inner = active
            if inst.opcode == _LOOP:
                lp = _Open(depth=len(active) + 1)
                inner = (*active, lp)
                opened.append(lp)
            for sub in reversed(inst.args[1:]):
                if isinstance(sub, list) and sub:
                    stack.append((sub, 0, inner))
    # Loops are complete once the whole body has been visited.
    loops.extend(
        LoopShape(lp.depth, lp.instructions, lp.mix_ops, lp.memory_ops, frozenset(lp.masks))
        for lp in opened
    )
    return count
