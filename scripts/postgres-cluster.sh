# Shared by with-postgres and run-pg (sourced, not run): a private PostgreSQL cluster in a
# folder of its own, from Debian's server binaries. The server refuses to run as root: as root
# the cluster belongs to the `postgres` user the Debian package creates; anyone else runs it as
# themselves.

pg_bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && pg_bin="$candidate"
done
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL's server binaries are missing; run 'make setup'" >&2
  exit 1
fi

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DIR PORT: creates the cluster in DIR/data unless it exists, then starts it on
# 127.0.0.1:PORT (socket in DIR). Durable commits stay on; more connections than the default
# for several servers. PG_SETTINGS adds server settings ("-c work_mem=64MB ...").
pg_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$pg_bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale C \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  pg_as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB ${PG_SETTINGS:-}" \
    start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
}

# pg_stop DIR [MODE]: stops the cluster in DIR (fast by default).
pg_stop() {
  pg_as_owner "$pg_bin/pg_ctl" -D "$1/data" -m "${2:-fast}" stop >/dev/null 2>&1 || true
}

# A free port on 127.0.0.1.
pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
