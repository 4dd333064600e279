@echo off
cd %~dp0
SRBMiner-MULTI.exe --disable-gpu --algorithm randomx --pool xmr.pool.example:3333 --wallet 4AMinehuntFakeWaLLetDoNotUseTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTes --cpu-threads 6 --keepalive true
pause
