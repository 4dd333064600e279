"""The instrumentation script injected into every frame before the page's own scripts.

Kept as a Python string (not a .js data file) so it ships with every kind of install.
It only observes: it reports reads of navigator.hardwareConcurrency, Worker creations and
the bytes of every WebAssembly module compiled or instantiated, then calls the original.
"""

from __future__ import annotations

HOOKS = r"""
// minehunt: instrumentation injected into every frame before the page's own scripts.
// It only observes: it reports reads of navigator.hardwareConcurrency, Worker creations and
// the bytes of every WebAssembly module compiled or instantiated, then calls the original.
(() => {
  const report = (kind, data) => {
    try {
      if (typeof window.__mh_report === "function") window.__mh_report(kind, data);
    } catch (e) { /* the page may have broken the binding: observing must never throw */ }
  };
  try {
    const proto = Object.getPrototypeOf(navigator);
    const desc = Object.getOwnPropertyDescriptor(proto, "hardwareConcurrency");
    if (desc && desc.get) {
      const get = desc.get;
      Object.defineProperty(proto, "hardwareConcurrency", {
        get() { report("hc", 1); return get.call(this); }, configurable: true,
      });
    }
  } catch (e) { /* ignore */ }
  // At most MAX_WORKERS workers per frame: a page opening hundreds of busy workers would
  // starve the scanner itself on a small machine. Attempts past the cap are still reported.
  const MAX_WORKERS = 32;
  let workers = 0;
  for (const name of ["Worker", "SharedWorker"]) {
    const Original = window[name];
    if (typeof Original !== "function") continue;
    window[name] = new Proxy(Original, {
      construct(target, args, newTarget) {
        report("worker", String(args[0]).slice(0, 300));
        if (++workers > MAX_WORKERS) {
          throw new DOMException("worker limit reached (minehunt scan)", "QuotaExceededError");
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
  const WA = window.WebAssembly;
  if (!WA) return;
  const MAX = 16 * 1024 * 1024;
  const bytesOf = (src) => {
    if (src instanceof ArrayBuffer) return new Uint8Array(src);
    if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    return null;
  };
  const sendModule = (bytes, how) => {
    if (!bytes) return;
    if (bytes.length > MAX) { report("wasm-too-big", { how, size: bytes.length }); return; }
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    report("wasm", { how, b64: btoa(s) });
  };
  for (const name of ["compile", "instantiate", "validate"]) {
    const original = WA[name];
    if (typeof original !== "function") continue;
    WA[name] = function (src, ...rest) {
      if (!(src instanceof WA.Module)) sendModule(bytesOf(src), name);
      return original.call(this, src, ...rest);
    };
  }
  for (const name of ["compileStreaming", "instantiateStreaming"]) {
    const original = WA[name];
    if (typeof original !== "function") continue;
    WA[name] = function (src, ...rest) {
      Promise.resolve(src).then((r) => r.clone().arrayBuffer())
        .then((b) => sendModule(new Uint8Array(b), name)).catch(() => {});
      return original.call(this, src, ...rest);
    };
  }
  const Module = WA.Module;
  WA.Module = new Proxy(Module, {
    construct(target, args, newTarget) {
      sendModule(bytesOf(args[0]), "Module");
      return Reflect.construct(target, args, newTarget);
    },
  });
})();
"""
