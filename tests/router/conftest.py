"""Router test fixtures: the bundled intel, the authored exports, a real OpenSSH server
on loopback answering as a RouterOS device, and a RouterOS API server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from minehunt import intel as intel_mod

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEVICE = HERE / "device"
SSHD = "/usr/sbin/sshd"


@pytest.fixture(scope="session")
def intel() -> intel_mod.Intel:
    return intel_mod.load(use_user_dir=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(400):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


# The forced command: answers each read-only RouterOS command from a file named after it
# ('/export verbose' -> _export_verbose), logs what it was asked, and can misbehave on
# request (marker files in the device directory).
FAKE_ROUTEROS = textwrap.dedent(
    """\
    #!/bin/sh
    dir="$1"
    cmd="$SSH_ORIGINAL_COMMAND"
    printf '%s\\n' "$cmd" >> "$dir/commands.log"
    f="$dir/$(printf '%s' "$cmd" | tr ' /' '__')"
    if [ -f "$dir/hang" ]; then sleep 4; fi
    if [ ! -f "$f" ]; then
        echo "bad command name ${cmd%% *} (line 1 column 1)"
        exit 0
    fi
    if [ -f "$dir/close-during-export" ] && [ "$cmd" = "/export verbose" ]; then
        head -c 400 "$f"
        kill -9 "$PPID"
        sleep 2
        exit 0
    fi
    cat "$f"
    """
)


@dataclass
class SshDevice:
    host: str
    port: int
    user: str
    key_file: Path
    dir: Path

    def commands(self) -> list[str]:
        log = self.dir / "commands.log"
        return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def ssh_device(tmp_path: Path) -> Iterator[SshDevice]:
    """A real OpenSSH sshd on a loopback port: throwaway host key, its own config in a temp
    dir, key login for root from a temp AuthorizedKeysFile, ForceCommand to the fake
    RouterOS console. Nothing of the machine's own /etc/ssh is used or changed."""
    import asyncssh

    device = tmp_path / "device"
    shutil.copytree(DEVICE, device)
    host_key = tmp_path / "host_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(host_key))
    host_key.chmod(0o600)
    client = asyncssh.generate_private_key("ssh-ed25519")
    client_key = tmp_path / "client_ed25519"
    client.write_private_key(str(client_key))
    client_key.chmod(0o600)
    auth = tmp_path / "authorized_keys"
    client.write_public_key(str(auth))
    script = tmp_path / "fake_routeros.sh"
    script.write_text(FAKE_ROUTEROS)
    script.chmod(0o755)
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        textwrap.dedent(
            f"""\
            ListenAddress 127.0.0.1:{port}
            HostKey {host_key}
            PidFile {tmp_path / "sshd.pid"}
            AuthorizedKeysFile {auth}
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            MaxAuthTries 3
            LoginGraceTime 20
            ForceCommand /bin/sh {script} {device}
            PermitTTY no
            AllowTcpForwarding no
            X11Forwarding no
            PrintMotd no
            LogLevel ERROR
            """
        )
    )
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "sshd.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        wait_listening(port, proc)
        yield SshDevice("127.0.0.1", port, "root", client_key, device)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p
