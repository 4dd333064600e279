#!/bin/sh
# NBMiner v42.3 - start_kawpow.sh
./nbminer -a kawpow -o stratum+tcp://rvn.pool.example:3636 -u RMinehuntFakeRvnAddressDoNotUse111.default --api 127.0.0.1:22333 --no-nvml
