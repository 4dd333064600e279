/* minehunt blocker, page world: stops Web Workers and WebAssembly modules that have the
 * shape of a browser cryptocurrency miner, before they run. Shapes come from minehunt's
 * intel and WebAssembly fingerprints (generated into SHAPES below). */
(() => {
  "use strict";
  const SHAPES = __SHAPES__;
  const report = (kind, what) => {
    try { window.postMessage({ __minehunt: "blocked", kind, what }, "*"); } catch (e) { /* ignore */ }
  };
  const unhex = (h) => { const o = new Uint8Array(h.length / 2); for (let i = 0; i < o.length; i++) o[i] = parseInt(h.substr(i * 2, 2), 16); return o; };
  const sigs = SHAPES.wasm.map((s) => ({ name: s.name, tables: s.tables.map(unhex), imms: s.immediates.map(unhex), min: s.min }));
  const scratch = SHAPES.scratchpad.map(unhex);
  const has = (hay, needle) => {
    const n = needle.length, first = needle[0];
    outer: for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - n; i = hay.indexOf(first, i + 1)) {
      for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  function wasmVerdict(bytes) {
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return null;
    const prims = [];
    for (const s of sigs) {
      if (s.tables.some((t) => has(bytes, t))) { prims.push(s.name); continue; }
      let n = 0;
      for (const imm of s.imms) if (has(bytes, imm)) n++;
      if (s.imms.length && n >= s.min) prims.push(s.name);
    }
    const finalists = prims.filter((p) => SHAPES.finalists.includes(p));
    const core = prims.includes("keccak") && prims.includes("aes");
    const pad = prims.includes("keccak") && scratch.some((p) => has(bytes, p));
    if (core && (finalists.length >= 2 || pad)) return "CryptoNight WebAssembly (" + prims.join(", ") + (pad ? ", 2 MiB scratchpad" : "") + ")";
    if (prims.includes("aes") && prims.includes("argon2") && prims.includes("blake2b")) return "RandomX WebAssembly";
    return null;
  }
  const bytesOf = (src) => {
    if (src instanceof ArrayBuffer) return new Uint8Array(src);
    if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    return null;
  };
  const WA = WebAssembly;
  const orig = { instantiate: WA.instantiate, compile: WA.compile, Module: WA.Module };
  const blocked = (what) => new WA.CompileError("blocked by minehunt: " + what);
  const guard = (src, where) => {
    const b = bytesOf(src);
    const v = b && wasmVerdict(b);
    if (v) { report("wasm", where + ": " + v); throw blocked(v); }
  };
  WA.instantiate = function (src, imports) {
    if (!(src instanceof orig.Module)) {
      try { guard(src, "WebAssembly.instantiate"); } catch (e) { return Promise.reject(e); }
    }
    return orig.instantiate.apply(this, arguments);
  };
  WA.compile = function (src) {
    try { guard(src, "WebAssembly.compile"); } catch (e) { return Promise.reject(e); }
    return orig.compile.apply(this, arguments);
  };
  WA.instantiateStreaming = function (resp, imports) {
    return Promise.resolve(resp).then((r) => r.arrayBuffer()).then((buf) => WA.instantiate(buf, imports));
  };
  WA.compileStreaming = function (resp) {
    return Promise.resolve(resp).then((r) => r.arrayBuffer()).then((buf) => WA.compile(buf));
  };
  WA.Module = new Proxy(orig.Module, {
    construct(target, args, nt) { guard(args[0], "WebAssembly.Module"); return Reflect.construct(target, args, nt); },
  });

  const paths = SHAPES.script_paths.map((p) => new RegExp("(?:^|/)(?:" + p + ")(?:$|[?#])", "i"));
  const workerShape = SHAPES.worker_js.map((p) => new RegExp(p));
  const fetchBinary = (url) => {
    try {
      const x = new XMLHttpRequest();
      x.open("GET", url, false);
      x.overrideMimeType("text/plain; charset=x-user-defined");
      x.send();
      return (x.status === 200 || x.status === 0) ? x.responseText : null;
    } catch (e) { return null; }
  };
  const asBytes = (s) => { const o = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) o[i] = s.charCodeAt(i) & 0xff; return o; };
  function workerVerdict(url) {
    let u;
    try { u = new URL(url, location.href); } catch (e) { return null; }
    if (paths.some((rx) => rx.test(u.pathname + u.search))) return "miner script path";
    const text = fetchBinary(u.href);
    if (text === null) return null;
    if (workerShape.every((rx) => rx.test(text))) return "mining worker (WebAssembly over pool jobs: job_id, blob/target, nonce, result)";
    if (text.charCodeAt(0) === 0 && text.substr(1, 3) === "asm") return wasmVerdict(asBytes(text));
    for (const m of text.matchAll(/AGFzbQ[A-Za-z0-9+/]{60,}={0,2}/g)) {
      try { const v = wasmVerdict(asBytes(atob(m[0]))); if (v) return "embedded " + v; } catch (e) { /* not base64 */ }
    }
    for (const m of text.matchAll(/["']([^"'\s]{1,300}\.wasm)(?:\?[^"'\s]*)?["']/g)) {
      const bin = fetchBinary(new URL(m[1], u.href).href);
      const v = bin && wasmVerdict(asBytes(bin));
      if (v) return v;
    }
    return null;
  }
  for (const name of ["Worker", "SharedWorker"]) {
    const W = window[name];
    if (!W) continue;
    window[name] = new Proxy(W, {
      construct(target, args, nt) {
        const v = workerVerdict(String(args[0]));
        if (v) {
          report("worker", v + ": " + String(args[0]).slice(0, 200));
          throw new DOMException("blocked by minehunt: " + v, "SecurityError");
        }
        return Reflect.construct(target, args, nt);
      },
    });
  }
})();
