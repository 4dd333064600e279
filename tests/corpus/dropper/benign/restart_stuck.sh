#!/bin/bash
# Restart workers that have been using more than 90% CPU for too long.
for pid in $(ps -eo pid,pcpu,comm --no-headers | awk '$2 > 90 && $3 == "worker" {print $1}'); do
  logger -t restart_stuck "restarting worker $pid"
  kill -TERM "$pid"
done
systemctl restart worker-pool.service
