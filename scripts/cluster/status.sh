#!/usr/bin/env bash
# What of the cluster runs: both database servers (primary or standby), the replication as the primary sees it,
# the two nodes and the job consumer.
set -uo pipefail
. "$(dirname "$0")/common.sh"

for name in primary replica; do
    port=$PRIMARY_PORT
    [ "$name" = replica ] && port=$REPLICA_PORT
    if recovery=$(psql_at "$port" postgres "SELECT pg_is_in_recovery()" 2>/dev/null); then
        role=$([ "$recovery" = t ] && echo "standby (read-only)" || echo "primary (read-write)")
        echo "postgres $name  127.0.0.1:$port  $role"
    else
        echo "postgres $name  127.0.0.1:$port  down"
    fi
done
for port in $PRIMARY_PORT $REPLICA_PORT; do
    rows=$(psql_at "$port" postgres "SELECT application_name, client_addr, state, sync_state,
        pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication" 2>/dev/null) || continue
    [ -n "$rows" ] && echo "replication from :$port (name|address|state|sync|replay lag bytes): $rows"
done
set -- $NODE_PORTS
for node in a b; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz" 2>/dev/null)
    pid=$( (is_running "$RUN/node-$node.pid" && cat "$RUN/node-$node.pid") || echo "-")
    echo "node $node  http://127.0.0.1:$1  pid $pid  healthz $code"
    shift
done
pid=$( (is_running "$RUN/jobs.pid" && cat "$RUN/jobs.pid") || echo "-")
echo "jobs consumer  pid $pid"
