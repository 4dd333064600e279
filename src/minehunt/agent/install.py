"""``minehunt agent install``: a systemd unit that runs the agent at boot."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

UNIT_NAME = "minehunt-agent.service"


def unit_text(
    server: str, token_file: Path, interval: float, state_dir: Path, extra: list[str]
) -> str:
    argv = [
        sys.executable, "-m", "minehunt", "agent", "--server", server,
        "--token-file", str(token_file.resolve()), "--state-dir", str(state_dir),
        "--interval", f"{interval:g}", *extra,
    ]  # fmt: skip
    return f"""[Unit]
Description=minehunt agent: report cryptojacking on this host to {server}
Documentation=https://github.com/minehunt/minehunt/blob/main/docs/fleet.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={shlex.join(argv)}
Restart=always
RestartSec=10
# Root sees every process and socket; the agent writes only its state directory.
User=root
Nice=10
IOSchedulingClass=idle
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=-{state_dir}
ProtectHome=read-only
PrivateTmp=no
StateDirectory=minehunt
StateDirectoryMode=0700

[Install]
WantedBy=multi-user.target
"""


def write_unit(unit_dir: Path, text: str) -> Path:
    unit_dir.mkdir(parents=True, exist_ok=True)
    path = unit_dir / UNIT_NAME
    path.write_text(text)
    path.chmod(0o644)
    return path
