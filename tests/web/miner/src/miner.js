/* minehunt test fixture: a browser miner speaking the CoinHive WebSocket protocol.
 * Same shape as the 2017-2019 CoinHive script: a CoinHive.Anonymous/User API, one Web
 * Worker per logical CPU (navigator.hardwareConcurrency), CryptoNight in WebAssembly inside
 * the workers, jobs and shares over a WebSocket to a proxy (coin-hive-stratum) that speaks
 * Stratum to a pool. Only ever pointed at 127.0.0.1 by the tests. */
(function (global) {
  "use strict";
  var CoinHive = global.CoinHive || {};
  CoinHive.CONFIG = CoinHive.CONFIG || {};
  CoinHive.CONFIG.WORKER_URL = CoinHive.CONFIG.WORKER_URL || "/lib/cryptonight-worker.js";
  CoinHive.CONFIG.WASM_URL = CoinHive.CONFIG.WASM_URL || "/lib/cryptonight.wasm";

  function Miner(siteKey, options, user) {
    options = options || {};
    this._siteKey = siteKey;
    this._user = user || null;
    this._throttle = Math.max(0, Math.min(0.99, options.throttle || 0));
    this._threads = options.threads || navigator.hardwareConcurrency || 2;
    this._workers = [];
    this._socket = null;
    this._running = false;
    this._job = null;
    this._hashes = 0;
    this._accepted = 0;
    this._started = 0;
  }

  Miner.prototype.start = function () {
    if (this._running) return;
    this._running = true;
    this._started = Date.now();
    for (var i = 0; i < this._threads; i++) this._spawn(i);
    this._connect();
  };

  Miner.prototype.stop = function () {
    this._running = false;
    this._workers.forEach(function (w) { w.terminate(); });
    this._workers = [];
    if (this._socket) this._socket.close();
  };

  Miner.prototype._spawn = function (index) {
    var self = this;
    var worker = new Worker(CoinHive.CONFIG.WORKER_URL);
    worker.onmessage = function (e) { self._onWorker(e.data); };
    worker.postMessage({ "wasm": new URL(CoinHive.CONFIG.WASM_URL, location.href).href,
                         "index": index, "throttle": this._throttle });
    this._workers.push(worker);
  };

  Miner.prototype._connect = function () {
    var self = this;
    var shards = CoinHive.CONFIG.WEBSOCKET_SHARDS;
    var url = shards[Math.floor(Math.random() * shards.length)][0];
    var ws = new WebSocket(url);
    this._socket = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ "type": "auth", "params": {
        "site_key": self._siteKey, "type": self._user ? "user" : "anonymous",
        "user": self._user, "goal": 0 } }));
    };
    ws.onmessage = function (e) { self._onSocket(JSON.parse(e.data)); };
    ws.onclose = function () {
      // coin-hive-stratum drops the miner when the pool rejects a share: reconnect
      if (self._running) setTimeout(function () { self._connect(); }, 500);
    };
  };

  Miner.prototype._onSocket = function (msg) {
    if (msg["type"] === "job") {
      this._job = msg["params"];
      var job = this._job;
      this._workers.forEach(function (w) { w.postMessage({ "job": job }); });
    } else if (msg["type"] === "hash_accepted") {
      this._accepted = msg["params"]["hashes"];
    }
  };

  Miner.prototype._onWorker = function (data) {
    if (data["hashes"]) this._hashes += data["hashes"];
    if (data["share"] && this._socket && this._socket.readyState === 1) {
      this._socket.send(JSON.stringify({ "type": "submit", "params": data["share"] }));
    }
  };

  Miner.prototype.getHashesPerSecond = function () {
    return this._hashes / Math.max(1, (Date.now() - this._started) / 1000);
  };
  Miner.prototype.getTotalHashes = function () { return this._hashes; };
  Miner.prototype.getAcceptedHashes = function () { return this._accepted; };
  Miner.prototype.setThrottle = function (t) {
    this._throttle = t;
    this._workers.forEach(function (w) { w.postMessage({ "throttle": t }); });
  };
  Miner.prototype.getThrottle = function () { return this._throttle; };
  Miner.prototype.isRunning = function () { return this._running; };
  Miner.prototype.hasWASMSupport = function () { return typeof WebAssembly === "object"; };
  Miner.prototype.didOptOut = function () { return false; };

  CoinHive.Anonymous = function (siteKey, options) { return new Miner(siteKey, options); };
  CoinHive.User = function (siteKey, user, options) { return new Miner(siteKey, options, user); };
  global.CoinHive = CoinHive;
})(this);
