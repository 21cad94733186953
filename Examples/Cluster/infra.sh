#!/bin/sh
# The entry point of lightning-infra:dev: `infra.sh redis PORT` or `infra.sh postgres PORT PASSWORD`.
set -e
case "$1" in
redis)
    # appendfsync always: a write is on disk before Redis answers (docs/redis-eventbus.md).
    exec @REDIS@ --bind 127.0.0.1 --port "${2:-6379}" --appendonly yes --appendfsync always --dir /tmp --save ''
    ;;
postgres)
    data=/var/lib/postgresql/data
    if [ ! -s "$data/PG_VERSION" ]; then
        printf '%s\n' "${3:?password}" > /tmp/pwfile
        @PGBIN@/initdb -D "$data" -U lightning --pwfile=/tmp/pwfile --auth=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
        rm -f /tmp/pwfile
    fi
    exec @PGBIN@/postgres -D "$data" -p "${2:-5432}" -c listen_addresses=127.0.0.1 -k /tmp
    ;;
*)
    echo "usage: infra.sh redis PORT | postgres PORT PASSWORD" >&2
    exit 2
    ;;
esac
