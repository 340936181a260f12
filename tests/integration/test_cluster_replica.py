"""scripts/cluster with a real streaming replica: the nodes read lag-tolerant pages from it, and a session that
has just written reads its write at once. Opt-in (about two minutes, as root, PostgreSQL 15 binaries):
``WEIDA_CLUSTER_TEST=1 .venv/bin/python -m pytest tests/integration/test_cluster_replica.py``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "cluster"
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))

pytestmark = pytest.mark.skipif(
    os.environ.get("WEIDA_CLUSTER_TEST") != "1"
    or not (PGBIN / "pg_basebackup").exists()
    or os.geteuid() != 0,
    reason="opt-in (WEIDA_CLUSTER_TEST=1), as root, with PostgreSQL's binaries",
)
sys.path.insert(0, str(SCRIPTS))
from drill_load import User  # noqa: E402

from knowledge.enterprises.creditcode import make_code  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, str]]:
    folder = tempfile.mkdtemp(prefix="weida-cluster-test-")  # under /tmp: the postgres account must reach it
    env = {**os.environ, "CLUSTER_DIR": folder, "PRIMARY_PORT": str(free_port()), "REPLICA_PORT": str(free_port()),
           "NODE_PORTS": f"{free_port()} {free_port()}", "REPLICA_AFTER_WRITE_SECONDS": "3"}  # fmt: skip
    try:
        subprocess.run([str(SCRIPTS / "start.sh")], env=env, check=True, stdout=subprocess.DEVNULL)
        yield env
    finally:
        subprocess.run([str(SCRIPTS / "stop.sh"), "--clean"], env=env, check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def psql(env: dict[str, str], port: str, sql: str) -> str:
    command = [
        str(PGBIN / "psql"),
        "-XAt",
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-U",
        "postgres",
        "-d",
        "weida",
        "-c",
        sql,
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def replica_transactions(env: dict[str, str]) -> int:
    time.sleep(1.2)  # the statistics reach pg_stat_database within a second
    sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'weida'"
    return int(psql(env, env["REPLICA_PORT"], sql))


def test_the_replica_streams_synchronously(cluster: dict[str, str]) -> None:
    row = psql(cluster, cluster["PRIMARY_PORT"], "SELECT state, sync_state FROM pg_stat_replication")
    assert row == "streaming|sync"
    assert psql(cluster, cluster["REPLICA_PORT"], "SELECT pg_is_in_recovery()") == "t"


def test_a_node_reads_its_write_at_once_and_lists_from_the_replica_after_the_window(
    cluster: dict[str, str],
) -> None:
    node_a, node_b = (f"http://127.0.0.1:{port}" for port in cluster["NODE_PORTS"].split())
    user = User(node_a)
    assert user.sign_in()
    name = f"集群测试单位{int(time.time())}"
    code = make_code("91", "320106", f"T{int(time.time()) % 10**7:07d}")
    fields = {"name": name, "credit_code": code, "type": "constructor", "city": "nanjing"}
    status, location, _ = user.form("/enterprises/new", fields)
    assert status == 302 and "/enterprises/" in location
    listed = "/enterprises/?q=" + urllib.parse.quote(name)
    assert name in user.request(listed)[2]  # the primary: inside the read-your-writes window

    time.sleep(float(cluster["REPLICA_AFTER_WRITE_SECONDS"]) + 0.5)
    before = replica_transactions(cluster)
    assert name in user.request(listed)[2]  # now from the replica, which has it
    assert replica_transactions(cluster) > before
    other = User(node_b)  # the other node, on the primary: the detail page is not lag-tolerant
    assert other.sign_in()
    assert name in other.request(urllib.parse.urlsplit(location).path)[2]
