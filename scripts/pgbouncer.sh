#!/usr/bin/env bash
# Start Debian's PgBouncer in transaction mode on 127.0.0.1:${PGBOUNCER_PORT:-6432}, in front of
# the PostgreSQL on 127.0.0.1:5432 (every database, trust auth as on this machine), as
# docker-compose runs it in front of `db`. Used by .ci/run for the suite's pass through it.
#   bash scripts/pgbouncer.sh          # start (or leave running)   --stop   stop it
set -euo pipefail
port=${PGBOUNCER_PORT:-6432}
dir=${PGBOUNCER_DIR:-/tmp/shouchuang-pgbouncer}
if [ "${1:-}" = "--stop" ]; then
  [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
  exit 0
fi
if pg_isready -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  exit 0
fi
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || {
  echo "==> installing pgbouncer"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
}
mkdir -p "$dir"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
; Django's psycopg sends these at connect; transaction pooling cannot keep them per client.
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
printf '"postgres" ""\n"root" ""\n' > "$dir/users.txt"
if [ "$(id -u)" = 0 ]; then
  # PgBouncer will not run as root.
  chown -R postgres "$dir"
  su postgres -s /bin/sh -c "/usr/sbin/pgbouncer -d '$dir/pgbouncer.ini'"
else
  pgbouncer -d "$dir/pgbouncer.ini"
fi
for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p "$port" -q && exit 0; sleep 0.5; done
echo "pgbouncer did not start; see $dir/pgbouncer.log" >&2
exit 1
