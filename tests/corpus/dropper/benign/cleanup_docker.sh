#!/bin/sh
# Free disk space on CI runners.
docker ps -aq --filter status=exited | xargs -r docker rm
docker image prune -af --filter "until=168h"
docker volume prune -f
journalctl --vacuum-time=7d
apt-get clean
rm -rf /tmp/ci-* /var/tmp/ci-*
