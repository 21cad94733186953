#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the postgres-storage tests
# (docs/postgres-storage.md#tests) and prints its connection URL on stdout
# (export it as LT_POSTGRES_URL).
#
# Idempotent: installs Debian's `postgresql` when missing (needs root and apt-get), creates a
# cluster with initdb in its own folder (not the system's /var/lib/postgresql), password
# authentication (scram-sha-256) for the role `lightning`, listening on 127.0.0.1 only, and
# starts it unless it already answers. As root, the server runs as the `postgres` user
# (PostgreSQL refuses to run as root). Everything lives in one folder:
#
#   $LT_POSTGRES_DIR (default /tmp/lt-postgres)
#     data/          the cluster (initdb)
#     password       the role's password (random, made once)
#     server.log
#
# The port is $LT_POSTGRES_PORT (default 55432); the database `lightning`.
set -euo pipefail

dir="${LT_POSTGRES_DIR:-/tmp/lt-postgres}"
port="${LT_POSTGRES_PORT:-55432}"
log() { echo "postgres-setup: $*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bindir)" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "PostgreSQL is not installed: apt-get install -y postgresql (as root)"
        exit 2
    fi
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
bin="$(bindir)"

# Run the server's programs as `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$dir"
if [ ! -s "$dir/password" ]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
fi
password="$(cat "$dir/password")"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb $dir/data"
    as_owner "$bin/initdb" -D "$dir/data" -U lightning --pwfile="$dir/password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
fi

url="postgres://lightning:${password}@127.0.0.1:${port}/lightning"
if ! as_owner "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "starting the server on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null
fi
if ! PGPASSWORD="$password" psql -q -h 127.0.0.1 -p "$port" -U lightning -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'lightning'" | grep -q 1; then
    PGPASSWORD="$password" psql -q -h 127.0.0.1 -p "$port" -U lightning -d postgres -c "CREATE DATABASE lightning" >/dev/null
fi
echo "$url"
