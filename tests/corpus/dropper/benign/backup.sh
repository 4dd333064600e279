#!/bin/bash
# Nightly database backup with retention; installs its own cron entry on first run.
set -euo pipefail
DEST=/srv/backup/db
KEEP_DAYS=14
mkdir -p "$DEST"
if ! crontab -l 2>/dev/null | grep -q backup.sh; then
  (crontab -l 2>/dev/null; echo "30 2 * * * /usr/local/sbin/backup.sh >/var/log/backup.log 2>&1") | crontab -
fi
pg_dumpall -U postgres | gzip > "$DEST/all-$(date +%F).sql.gz"
find "$DEST" -name '*.sql.gz' -mtime +$KEEP_DAYS -delete
rm -f /var/log/backup.log.1
