/* minehunt test fixture: run the npm package coin-hive-stratum (a real CoinHive-protocol to
 * Stratum proxy) in front of the test pool, on 127.0.0.1 only.
 * Usage: node proxy.js POOL_PORT   -> prints "LISTENING <port>" once ready.
 * donations: [] matters: the package's defaults open a "donation" pool connection to a
 * public pool for every miner; the tests must never leave 127.0.0.1. */
"use strict";
const http = require("http");
const path = require("path");
const createProxy = require(path.join(__dirname, "..", "..", "node_modules", "coin-hive-stratum"));

const poolPort = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  res.writeHead(426, { "Content-Type": "text/plain" });
  res.end("WebSocket only\n");
});
server.listen(0, "127.0.0.1", () => {
  createProxy({ host: "127.0.0.1", port: poolPort, log: false, donations: [] }).listen({ server });
  process.stdout.write("LISTENING " + server.address().port + "\n");
});
process.on("SIGTERM", () => process.exit(0));
