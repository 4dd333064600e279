#!/bin/bash
# nightly maintenance for the build farm
set -euo pipefail
pkill -f 'gradle daemon' || true
killall -q chrome || true
chattr +i /etc/resolv.conf
setenforce 0   # the build containers need permissive mode, see INFRA-2231
journalctl --vacuum-time=14d
truncate -s 0 /var/log/app/build.log
curl -fsSL https://get.example.org/install.sh -o /tmp/install.sh
sha256sum -c /opt/infra/install.sh.sha256
bash /tmp/install.sh --prefix /opt/tool
