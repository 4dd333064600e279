#!/bin/sh
# reserve huge pages for PostgreSQL shared_buffers
PAGES=$(( $(grep -i shared_buffers /etc/postgresql/15/main/postgresql.conf | tr -dc 0-9) * 1024 / 2048 + 64 ))
sysctl -w vm.nr_hugepages=$PAGES
echo "vm.nr_hugepages=$PAGES" > /etc/sysctl.d/60-postgres-hugepages.conf
