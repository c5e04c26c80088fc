#!/usr/bin/env bash
# cluster.sh: a throwaway PostgreSQL 15 cluster for the demo and the tests.
# Source it, then call cluster_start / cluster_stop.  The server runs as
# the postgres user (it refuses root) on a private socket directory and
# port; the clients connect as the postgres superuser.
PGBIN=${RS_PGBIN:-/usr/lib/postgresql/15/bin}   # RS_PGBIN: another copy of the server

cluster_start() {
  RS_CLUSTER_DIR=$(mktemp -d /tmp/raresynth-cluster.XXXXXX)
  chmod 755 "$RS_CLUSTER_DIR"
  mkdir -p "$RS_CLUSTER_DIR/data" "$RS_CLUSTER_DIR/sock"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$RS_CLUSTER_DIR"
    RS_AS="runuser -u postgres --"
  else
    RS_AS=""
  fi
  RS_PORT=${RS_PORT:-$(( 20000 + RANDOM % 20000 ))}
  $RS_AS "$PGBIN/initdb" -D "$RS_CLUSTER_DIR/data" -U postgres -A trust --no-sync >"$RS_CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$RS_CLUSTER_DIR/initdb.log"; return 1; }
  $RS_AS "$PGBIN/pg_ctl" -D "$RS_CLUSTER_DIR/data" -l "$RS_CLUSTER_DIR/server.log" -w \
    -o "-k $RS_CLUSTER_DIR/sock -p $RS_PORT -c listen_addresses='' -c fsync=off -c max_worker_processes=4" start >/dev/null \
    || { cat "$RS_CLUSTER_DIR/server.log"; return 1; }
  export PGHOST="$RS_CLUSTER_DIR/sock" PGPORT="$RS_PORT" PGUSER=postgres PGDATABASE=postgres
  export RS_CLUSTER_DIR RS_AS
}

cluster_stop() {
  [ -n "${RS_CLUSTER_DIR:-}" ] || return 0
  $RS_AS "$PGBIN/pg_ctl" -D "$RS_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$RS_CLUSTER_DIR"
  RS_CLUSTER_DIR=
}
