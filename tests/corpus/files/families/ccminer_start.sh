#!/bin/bash
# ccminer 2.3.1 launcher for the rig (NVIDIA GTX 1080 Ti x6)
# ccminer 2.3.1-tpruvot (Cuda 10.2) for nVidia GPUs by tpruvot@github
cd "$(dirname "$0")"
export GPU_FORCE_64BIT_PTR=1
./ccminer -a x16r -o stratum+tcp://rvn.pool.example:6060 -u RMinehuntFakeRvnAddressDoNotUse111.rig01 -p c=RVN \
  --intensity=21 --cuda-schedule=2 --max-temp=83 -d 0,1,2,3,4,5 --api-bind=127.0.0.1:4068
