/* minehunt test fixture: the mining Web Worker. Loads the CryptoNight WebAssembly module,
 * scans nonces of the current job in short batches and reports shares; a throttle makes it
 * sleep between batches the way CoinHive's throttle option did. */
"use strict";
var api = null;
var job = null;
var throttle = 0;
var nonce = 0;
var BATCH = 4;

function hex(bytes) {
  var s = "";
  for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s;
}

function unhex(text) {
  var out = new Uint8Array(text.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function load(url) {
  var memory = null;
  var imports = {
    "env": { "ftime": function () { return 0; } },
    "wasi_snapshot_preview1": {
      "proc_exit": function () {}, "fd_close": function () { return 0; },
      "fd_write": function () { return 0; }, "fd_seek": function () { return 0; }
    }
  };
  return fetch(url).then(function (r) { return r.arrayBuffer(); })
    .then(function (bytes) { return WebAssembly.instantiate(bytes, imports); })
    .then(function (result) {
      var e = result.instance.exports;
      memory = e.memory;
      if (e._initialize) e._initialize();
      api = { memory: memory, blob: e.EXPORT_BLOB, result: e.EXPORT_RESULT, scan: e.EXPORT_SCAN };
      nonce = Math.floor(Math.random() * 0x7fffffff);
      work();
    });
}

function work() {
  if (!api || !job) { setTimeout(work, 100); return; }
  var started = Date.now();
  var blob = unhex(job["blob"]);
  new Uint8Array(api.memory.buffer, api.blob(), 76).set(blob.subarray(0, 76));
  var target = new DataView(unhex(job["target"]).buffer).getUint32(0, true);
  var found = api.scan(nonce, BATCH, target);
  var current = job;
  if (found) {
    var mem = new Uint8Array(api.memory.buffer);
    var b = api.blob();
    var r = api.result();
    postMessage({ "hashes": BATCH, "share": { "job_id": current["job_id"],
      "nonce": hex(mem.subarray(b + 39, b + 43)), "result": hex(mem.subarray(r, r + 32)) } });
  } else {
    postMessage({ "hashes": BATCH });
  }
  nonce = (nonce + BATCH) >>> 0;
  var elapsed = Date.now() - started;
  setTimeout(work, throttle > 0 ? elapsed * throttle / (1 - throttle) : 0);
}

onmessage = function (e) {
  var d = e.data;
  if (d["throttle"] !== undefined) throttle = d["throttle"];
  if (d["job"]) { job = d["job"]; }
  if (d["wasm"]) load(d["wasm"]);
};
