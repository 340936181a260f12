# Settings and helpers shared by the cluster scripts (sourced, never run).
# Everything lives under CLUSTER_DIR; every process started is recorded in $CLUSTER_DIR/run/*.pid.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/.venv/bin"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
CLUSTER_DIR="${CLUSTER_DIR:-/tmp/weida-cluster}"
PRIMARY_PORT="${PRIMARY_PORT:-5433}"
REPLICA_PORT="${REPLICA_PORT:-5434}"
NODE_PORTS="${NODE_PORTS:-5201 5202}"
DB_NAME="${DB_NAME:-weida}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/5}"
PG="$CLUSTER_DIR/pg"    # owned by the postgres account: both data folders and their sockets
RUN="$CLUSTER_DIR/run"  # pid files
HERE="$ROOT/scripts/cluster"
LOGS="$CLUSTER_DIR/logs"
MARKER="$CLUSTER_DIR/.weida-cluster"  # says this folder is the scripts' own (stop.sh --clean removes only such)

# Both hosts, the writable one chosen at connect time: after a failover the nodes reach the promoted replica
# without a restart. Reads of lag-tolerant pages prefer the standby and fall back to the primary.
DATABASE_URL="postgresql+psycopg://postgres@/$DB_NAME?host=127.0.0.1:$PRIMARY_PORT&host=127.0.0.1:$REPLICA_PORT&target_session_attrs=read-write&connect_timeout=3"
DATABASE_REPLICA_URL="postgresql+psycopg://postgres@/$DB_NAME?host=127.0.0.1:$REPLICA_PORT&host=127.0.0.1:$PRIMARY_PORT&target_session_attrs=prefer-standby&connect_timeout=3"

as_postgres() { runuser -u postgres -- "$@"; }
psql_at() {  # psql_at PORT DB SQL: the rows unaligned, no headers
    "$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"
}

# The environment of every app process: both nodes and the CLI share the keys, the database and the uploads;
# each node has its own instance folder (node name in $1).
node_env() {
    local node="$1"
    set -a
    # shellcheck disable=SC1091
    . "$CLUSTER_DIR/keys.env"
    set +a
    export FLASK_APP=wsgi INSTANCE_DIR="$CLUSTER_DIR/nodes/$node" UPLOAD_DIR="$CLUSTER_DIR/uploads"
    export DATABASE_URL DATABASE_REPLICA_URL REDIS_URL
    export SEARCH_INDEX_DIR="$CLUSTER_DIR/nodes/$node/search-index" PUBLIC_BASE_URL="http://127.0.0.1:5201"
}

is_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
