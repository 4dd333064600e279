@echo off
REM PhoenixMiner 6.2c launcher
setx GPU_FORCE_64BIT_PTR 0
setx GPU_MAX_HEAP_SIZE 100
setx GPU_USE_SYNC_OBJECTS 1
setx GPU_MAX_ALLOC_PERCENT 100
PhoenixMiner.exe -pool etc.pool.example:1010 -wal 0x0123456789abcdef0123456789abcdef01234567 -worker rig01 -epsw x -coin etc -amd
pause
