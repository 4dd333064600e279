#!/bin/sh
# Install the monitoring agent from our package mirror.
set -e
ARCH=$(uname -m)
case "$ARCH" in
  x86_64) PKG=agent_amd64.deb ;;
  aarch64) PKG=agent_arm64.deb ;;
  *) echo "unsupported architecture $ARCH" >&2; exit 1 ;;
esac
curl -fsSL https://repo.example.org/gpg.key | gpg --dearmor -o /usr/share/keyrings/example.gpg
curl -fsSL -o /tmp/$PKG https://repo.example.org/pool/$PKG
dpkg -i /tmp/$PKG
rm -f /tmp/$PKG
cat > /etc/systemd/system/agent.service <<EOT
[Unit]
Description=Monitoring agent
[Service]
ExecStart=/usr/bin/agent --config /etc/agent.yml
Restart=always
[Install]
WantedBy=multi-user.target
EOT
systemctl daemon-reload
systemctl enable --now agent.service
