#!/bin/sh
# GMiner 3.44 launcher (mine_kaspa.sh)
./miner --algo kheavyhash --server kas.pool.example:4444 --user kaspa:qq0example0wallet0address0for0minehunt0tests0only0x.rig --watchdog 1 --devices 0 1 2
# GMiner prints: GMiner v3.44 - Kaspa(kHeavyHash) - press 'h' for help
