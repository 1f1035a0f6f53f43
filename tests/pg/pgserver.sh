#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# pgserver.sh - a private, throw-away PostgreSQL server for tests and benchmarks.
#
#   sh tests/pg/pgserver.sh start DIR PASSWORD   initdb in DIR/data, start it
#   sh tests/pg/pgserver.sh stop DIR             stop it (fast shutdown)
#
# The server listens on no TCP port (listen_addresses=''), only on a Unix
# socket in DIR/sock; its superuser is `dancu` with PASSWORD (scram-sha-256,
# so credentials are really checked). Connect with
#   postgresql://dancu:PASSWORD@/postgres?host=DIR/sock
# It uses Debian's `postgresql` package (/usr/lib/postgresql/*/bin). initdb
# refuses to run as root: as root the server runs as the `postgres` system
# user that the package creates (created here, as a system user, when it is
# missing), and DIR is handed to that user. Any failure exits non-zero: a
# test that cannot start its server fails, it is never skipped.
set -eu
cmd=${1:?usage: pgserver.sh start|stop DIR [PASSWORD]}
dir=${2:?DIR missing}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || { echo "pgserver.sh: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
    pw=${3:?PASSWORD missing}
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    mkdir -p "$dir/sock"
    chmod 0700 "$dir"
    umask 077
    printf '%s\n' "$pw" > "$dir/pwfile"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir"
        runuser -u postgres -- test -w "$dir" ||
            { echo "pgserver.sh: the postgres user cannot reach $dir (a parent folder is private)" >&2; exit 1; }
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U dancu --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
unix_socket_permissions = 0700
fsync = off
max_wal_size = 2GB
shared_buffers = 256MB
CONF
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 120 stop >/dev/null
    ;;
*)
    echo "usage: pgserver.sh start|stop DIR [PASSWORD]" >&2; exit 2 ;;
esac
