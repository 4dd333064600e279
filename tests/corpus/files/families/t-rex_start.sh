#!/bin/sh
# T-Rex NVIDIA GPU miner - start script
./t-rex -a kawpow -o stratum+tcp://rvn.pool.example:3636 -u RMinehuntFakeRvnAddressDoNotUse111 -p x -w rig01 \
  --api-bind-http 127.0.0.1:4067 --gpu-report-interval 30 --no-watchdog
