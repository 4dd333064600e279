# Set up a developer workstation.
$ErrorActionPreference = 'Stop'
Set-ExecutionPolicy Bypass -Scope Process -Force
[System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor 3072
Invoke-WebRequest -Uri 'https://example.org/tools/setup.msi' -OutFile "$env:TEMP\setup.msi"
Start-Process msiexec.exe -ArgumentList "/i `"$env:TEMP\setup.msi`" /qn" -Wait
New-Item -ItemType Directory -Force -Path "$env:USERPROFILE\src" | Out-Null
git config --global core.autocrlf true
