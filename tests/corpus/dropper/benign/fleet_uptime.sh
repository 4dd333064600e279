#!/bin/bash
# Print uptime and disk use of every host in our inventory.
while read -r host; do
  [ -z "$host" ] && continue
  echo "== $host"
  ssh -o BatchMode=yes -o ConnectTimeout=5 "admin@$host" 'uptime; df -h /' || echo "unreachable"
done < /etc/fleet/hosts.txt
