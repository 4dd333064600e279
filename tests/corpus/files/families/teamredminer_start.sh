#!/bin/sh
# start_ethash.sh shipped with teamredminer-v0.10.21-linux
export GPU_MAX_ALLOC_PERCENT=100
export GPU_SINGLE_ALLOC_PERCENT=100
export GPU_MAX_HEAP_SIZE=100
export GPU_USE_SYNC_OBJECTS=1

./teamredminer -a ethash -o stratum+tcp://etc.pool.example:1010 -u 0x0123456789abcdef0123456789abcdef01234567.trmtest -p x --eth_config=B --init_style=3
