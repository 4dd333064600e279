#!/usr/bin/env python3
"""Download yesterday's report and mail it to the team."""
import subprocess
import urllib.request

URL = "https://reports.example.org/daily.csv"
with urllib.request.urlopen(URL, timeout=30) as r:
    data = r.read()
with open("/var/tmp/daily.csv", "wb") as f:
    f.write(data)
subprocess.run(["mail", "-s", "daily report", "-A", "/var/tmp/daily.csv", "team@example.org"], check=True)
