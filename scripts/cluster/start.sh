#!/usr/bin/env bash
# Start on loopback a PostgreSQL primary, a hot-standby streaming replica (synchronous: a commit returns once the
# replica has it on disk), the app's database seeded with small demo data, two gunicorn nodes with their own
# instance folders and one job consumer. Run again, it starts whatever is not running; stop.sh stops it all.
#
#   scripts/cluster/start.sh            # CLUSTER_DIR=/tmp/weida-cluster, ports 5433/5434 and 5201/5202
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || { echo "run as root: the database clusters run as the postgres account" >&2; exit 1; }
[ -x "$PGBIN/pg_ctl" ] || { echo "no PostgreSQL binaries in $PGBIN (set PGBIN)" >&2; exit 1; }
mkdir -p "$CLUSTER_DIR" "$RUN" "$LOGS" "$CLUSTER_DIR/uploads" "$CLUSTER_DIR/nodes/a" "$CLUSTER_DIR/nodes/b" "$PG"
touch "$MARKER"
chmod 755 "$CLUSTER_DIR"
chown postgres: "$PG"
chmod 700 "$PG"

pg_up() {  # pg_up NAME: start a data folder's server unless it runs
    if ! as_postgres "$PGBIN/pg_ctl" -D "$PG/$1" status >/dev/null 2>&1; then
        as_postgres "$PGBIN/pg_ctl" -D "$PG/$1" -l "$PG/$1.log" -w -t 60 start >/dev/null
    fi
}

if [ ! -d "$PG/primary" ]; then
    echo "primary: initdb, port $PRIMARY_PORT"
    as_postgres "$PGBIN/initdb" -D "$PG/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PG/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$PG'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
EOF
fi
pg_up primary

if [ ! -d "$PG/replica" ]; then
    echo "replica: pg_basebackup -R from the primary, slot 'replica', port $REPLICA_PORT"
    psql_at "$PRIMARY_PORT" postgres "SELECT pg_create_physical_replication_slot('replica')" >/dev/null
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$PG/replica" \
        -R -S replica -X stream --checkpoint=fast
    echo "port = $REPLICA_PORT" >>"$PG/replica/postgresql.conf"
fi
pg_up replica

for _ in $(seq 60); do
    state=$(psql_at "$PRIMARY_PORT" postgres "SELECT state FROM pg_stat_replication LIMIT 1" || true)
    [ "$state" = streaming ] && break
    sleep 1
done
[ "$state" = streaming ] || { echo "the replica does not stream (see $PG/replica.log)" >&2; exit 1; }
if [ "$(psql_at "$PRIMARY_PORT" postgres "SHOW synchronous_standby_names")" = "" ]; then
    # Only on the primary (ALTER SYSTEM after the base backup): a promoted replica must not wait for a standby.
    psql_at "$PRIMARY_PORT" postgres "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    psql_at "$PRIMARY_PORT" postgres "SELECT pg_reload_conf()" >/dev/null
fi

if [ ! -f "$CLUSTER_DIR/keys.env" ]; then  # the nodes' shared keys, as production passes them in the environment
    (umask 077 && "$BIN/python" - >"$CLUSTER_DIR/keys.env" <<'EOF'
import secrets
from cryptography.fernet import Fernet
for name in ("SECRET_KEY", "DRAW_CHAIN_KEY", "DRAW_DIGEST_KEY", "AUDIT_CHAIN_KEY", "REPORT_KEY"):
    print(f"{name}={secrets.token_hex(32)}")
for name in ("EXPERT_ID_KEY", "TOTP_KEY", "SIGNING_KEY_WRAP_KEY"):
    print(f"{name}={Fernet.generate_key().decode()}")
EOF
    )
fi

cd "$ROOT"
if [ -z "$(psql_at "$PRIMARY_PORT" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    psql_at "$PRIMARY_PORT" postgres "CREATE DATABASE $DB_NAME" >/dev/null
fi
echo "database $DB_NAME: migrate, seed small demo data if empty (log: $LOGS/setup.log)"
(node_env a && "$BIN/flask" db upgrade >>"$LOGS/setup.log" 2>&1 &&
    "$BIN/flask" seed-demo --scale small --if-empty --demo >>"$LOGS/setup.log" 2>&1)

for node in a b; do
    (node_env "$node" && { "$BIN/flask" search check >/dev/null 2>&1 || "$BIN/flask" search reindex >>"$LOGS/setup.log" 2>&1; })
done

set -- $NODE_PORTS
for node in a b; do
    if ! is_running "$RUN/node-$node.pid"; then  # gunicorn writes its master's pid; stop.sh ends it by that pid
        (node_env "$node" && "$BIN/gunicorn" -w 2 --threads 4 -b "127.0.0.1:$1" --daemon --pid "$RUN/node-$node.pid" \
            --access-logfile "$LOGS/node-$node.access.log" --error-logfile "$LOGS/node-$node.log" wsgi:app)
    fi
    shift
done
if ! is_running "$RUN/jobs.pid"; then
    node_env a
    "$BIN/huey_consumer" webapp.jobs.huey --workers 1 --quiet </dev/null >"$LOGS/jobs.log" 2>&1 &
    echo $! >"$RUN/jobs.pid"
fi

set -- $NODE_PORTS
for port in "$@"; do
    for _ in $(seq 60); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 1
    done
    curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "node on $port does not answer" >&2; exit 1; }
done
"$HERE/status.sh"
