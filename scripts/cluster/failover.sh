#!/usr/bin/env bash
# Failover drill on a fresh cluster of its own: with load on both nodes, stop the primary at once
# (pg_ctl stop -m immediate, as a crash), promote the replica PROMOTE_AFTER seconds later (the time a watchdog or
# an operator takes to decide), and let the nodes find it through their two-host DATABASE_URL
# (target_session_attrs=read-write) without a restart. Reports the seconds during which requests failed, and
# that nothing committed was lost: draws, report signatures and hazards counted before and after, every
# enterprise the load saw acknowledged still there, and `flask draws verify --all` on both sides.
# Every process it starts is stopped at the end, on error too.
#
#   scripts/cluster/failover.sh      # CLUSTER_DIR=/tmp/weida-cluster-drill; LOAD_BEFORE=20 LOAD_AFTER=30 PROMOTE_AFTER=5
set -euo pipefail
export CLUSTER_DIR="${CLUSTER_DIR:-/tmp/weida-cluster-drill}"
. "$(dirname "$0")/common.sh"
LOAD_BEFORE="${LOAD_BEFORE:-20}"
LOAD_AFTER="${LOAD_AFTER:-30}"
PROMOTE_AFTER="${PROMOTE_AFTER:-5}"

if [ -d "$CLUSTER_DIR" ]; then
    [ -f "$MARKER" ] || { echo "$CLUSTER_DIR exists and is not a cluster folder: choose another CLUSTER_DIR" >&2; exit 1; }
    "$HERE/stop.sh" --clean >/dev/null
fi
trap '"$HERE/stop.sh"' EXIT
"$HERE/start.sh"
REPORT="$CLUSTER_DIR/drill-report.txt"

counts() {  # counts PORT: the records that must survive
    psql_at "$1" "$DB_NAME" "SELECT (SELECT count(*) FROM draw) || ' draws, ' ||
        (SELECT count(*) FROM review_signature) || ' report signatures, ' ||
        (SELECT count(*) FROM site_hazard) || ' hazards, ' || (SELECT count(*) FROM chain_entry) || ' chain entries'"
}
verify() { (node_env a && cd "$ROOT" && "$BIN/flask" draws verify --all 2>&1 | tail -n 1); }
replica_reads() { psql_at "$REPLICA_PORT" postgres "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$DB_NAME'"; }

before=$(counts "$PRIMARY_PORT")
verified_before=$(verify)
reads0=$(replica_reads)
set -- $NODE_PORTS
"$BIN/python" "$HERE/drill_load.py" --nodes "http://127.0.0.1:$1,http://127.0.0.1:$2" \
    --seconds "$((LOAD_BEFORE + LOAD_AFTER))" --out "$CLUSTER_DIR/drill-load.json" &
echo $! >"$RUN/drill-load.pid"
sleep "$LOAD_BEFORE"
reads1=$(replica_reads)

echo "drill: stopping the primary (immediate)"
stopped_at=$(date +%s.%N)
as_postgres "$PGBIN/pg_ctl" -D "$PG/primary" -m immediate stop >/dev/null
sleep "$PROMOTE_AFTER"
echo "drill: promoting the replica"
as_postgres "$PGBIN/pg_ctl" -D "$PG/replica" -w promote >/dev/null
promoted_at=$(date +%s.%N)
wait "$(cat "$RUN/drill-load.pid")"
rm -f "$RUN/drill-load.pid"

after=$(counts "$REPLICA_PORT")
verified_after=$(verify)
acknowledged=$("$BIN/python" -c 'import json,sys; print(",".join(map(str, json.load(open(sys.argv[1]))["acknowledged"])) or "0")' \
    "$CLUSTER_DIR/drill-load.json")
found=$(psql_at "$REPLICA_PORT" "$DB_NAME" "SELECT count(*) FROM enterprise WHERE id IN ($acknowledged)")

{
    echo "failover drill, $(date -u +%FT%TZ): load ${LOAD_BEFORE}s before the stop and ${LOAD_AFTER}s after, promotion ${PROMOTE_AFTER}s after the stop"
    echo "replica: $((reads1 - reads0)) transactions served to the nodes before the failover (lag-tolerant pages)"
    "$BIN/python" - "$CLUSTER_DIR/drill-load.json" "$stopped_at" "$promoted_at" "$found" <<'EOF'
import json, sys
load = json.load(open(sys.argv[1]))
stopped, promoted, found = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
times = sorted(f["at"] for f in load["failures"])
print(f"load: {load['requests']} requests, {len(times)} failed; {len(load['acknowledged'])} enterprises acknowledged "
      f"to the load, {found} of them on the promoted replica; {load['stale_reads']} stale reads after a write")
if times:
    print(f"errors: from {times[0] - stopped:+.1f}s to {times[-1] - stopped:+.1f}s after the stop "
          f"({times[-1] - times[0]:.1f}s of errors; the last {times[-1] - promoted:+.1f}s after the promotion, "
          f"which came {promoted - stopped:.1f}s after the stop)")
    kinds: dict[str, int] = {}
    for f in load["failures"]:
        kinds[f["what"]] = kinds.get(f["what"], 0) + 1
    print("failed requests by page:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
else:
    print("errors: none")
EOF
    echo "before: $before; draws verify: $verified_before"
    echo "after:  $after; draws verify: $verified_after"
} | tee "$REPORT"
"$HERE/status.sh"
[ "$before" = "$after" ] && [ "$found" = "$(tr ',' '\n' <<<"$acknowledged" | grep -vc '^0$')" ] || {
    echo "LOST RECORDS" >&2
    exit 1
}
