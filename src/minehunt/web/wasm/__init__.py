"""The WebAssembly analyser: does this module mine, hash for a benign reason, or neither?

- ``verdict`` - ``analyse(module_bytes) -> WasmVerdict`` (the entry point, re-exported here).
- ``binary`` - module structure (sections, imports, exports, memory, function-body facts).
- ``signatures`` - constants of the cryptographic primitives mining algorithms are built from.
"""

from minehunt.web.wasm.verdict import WasmKind, WasmVerdict, analyse

__all__ = ["WasmKind", "WasmVerdict", "analyse"]
