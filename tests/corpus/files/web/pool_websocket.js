// browser side of a stratum-over-websocket proxy (CoinHive protocol)
var ws = new WebSocket("wss://ws.pool.example/proxy");
ws.onopen = function () {
  ws.send(JSON.stringify({ type: "auth", params: { site_key: "minehunt-test-site", type: "anonymous", user: null, goal: 0 } }));
};
ws.onmessage = function (ev) {
  var msg = JSON.parse(ev.data);
  if (msg.type === "job") {
    worker.postMessage({ type: "job", job_id: msg.params.job_id, blob: msg.params.blob, target: msg.params.target });
  } else if (msg.type === "hash_accepted") {
    console.log("accepted hashes: " + msg.params.hashes);
  }
};
worker.onmessage = function (ev) {
  if (ev.data.type === "submit") {
    ws.send(JSON.stringify({ type: "submit", params: { job_id: ev.data.job_id, nonce: ev.data.nonce, result: ev.data.result } }));
  }
};
