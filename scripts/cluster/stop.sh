#!/usr/bin/env bash
# Stop every process start.sh started: the nodes, the job consumer, both database servers. Data stays;
# `stop.sh --clean` then removes CLUSTER_DIR (only a folder the scripts made).
set -uo pipefail
. "$(dirname "$0")/common.sh"

for name in node-a node-b jobs drill-load; do
    pidfile="$RUN/$name.pid"
    if is_running "$pidfile"; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid"
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "stopped $name ($pid)"
    fi
    rm -f "$pidfile"
done
for name in primary replica; do
    if [ -d "$PG/$name" ] && as_postgres "$PGBIN/pg_ctl" -D "$PG/$name" status >/dev/null 2>&1; then
        as_postgres "$PGBIN/pg_ctl" -D "$PG/$name" -m fast -w stop >/dev/null && echo "stopped postgres $name"
    fi
done
if [ "${1:-}" = "--clean" ] && [ -f "$MARKER" ]; then
    rm -rf "$CLUSTER_DIR"
    echo "removed $CLUSTER_DIR"
fi
