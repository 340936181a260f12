"""Load for the failover drill: signed-in users on every node, reading pages and registering enterprises.

Each reader signs in as the demo admin and loops over list pages (read from the replica), detail pages and the
workbench (read from the primary). Each writer registers an enterprise through the form, keeps the id the node
acknowledged (the redirect to its page), then looks for it in the lag-tolerant list at once: read-your-writes.
A request fails on a connection error, a status of 500 or more, or a page that is not the one asked for.
Writes the outcome to ``--out`` as JSON: every failure's time, the acknowledged ids, the request counts.

    .venv/bin/python scripts/cluster/drill_load.py --nodes http://127.0.0.1:5201,http://127.0.0.1:5202 \\
        --seconds 60 --out /tmp/weida-cluster/drill-load.json
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from knowledge.enterprises.creditcode import make_code  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CREATED = re.compile(r"/enterprises/(\d+)$")
PAGES = ["/works/", "/enterprises/", "/experts/", "/", "/enterprises/1", "/reviews"]
PASSWORD = "Demo@2024!"
T = TypeVar("T")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class User:
    signing_in = threading.Lock()  # one sign-in at a time: parallel ones of one account trip its throttle

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), ""

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        token = CSRF.search(self.request(path)[2])
        return self.request(path, {**fields, "csrf_token": token.group(1) if token else ""})

    def sign_in(self) -> bool:
        with self.signing_in:
            status, location, _ = self.form("/auth/login", {"username": "admin", "password": PASSWORD})
        return status == 302 and "/auth/login" not in location


class Drill:
    def __init__(self, seconds: float) -> None:
        self.until = time.time() + seconds
        self.lock = threading.Lock()
        self.failures: list[dict[str, object]] = []
        self.requests = 0
        self.acknowledged: list[int] = []
        self.stale_reads = 0
        self.serial = 0
        self.run = int(time.time())  # credit codes unique across runs (a run registers under 1,000)

    def record(self, node: str, what: str, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.requests += 1
            if not ok:
                self.failures.append({"at": time.time(), "node": node, "what": what, "detail": detail[:200]})

    def attempt(self, user: User, what: str, call: Callable[..., T], *args: Any) -> T | None:
        try:
            return call(*args)
        except (OSError, urllib.error.URLError) as exc:
            self.record(user.base, what, False, repr(exc))
            time.sleep(0.2)
            return None

    def read(self, user: User) -> None:
        signed_in = False
        while time.time() < self.until:
            if not signed_in:
                got_in = self.attempt(user, "sign-in", user.sign_in)
                signed_in = bool(got_in)
                if got_in is False:  # None: already recorded as a connection failure
                    self.record(user.base, "sign-in", False, "refused")
                    time.sleep(0.2)
                continue
            for path in PAGES:
                got = self.attempt(user, path, user.request, path)
                if got is not None:
                    status, location, _ = got
                    ok = status < 400
                    self.record(user.base, path, ok, f"{status} {location}")
                    signed_in = signed_in and "/auth/login" not in location
                time.sleep(0.1)

    def write(self, user: User) -> None:
        while not self.attempt(user, "sign-in", user.sign_in) and time.time() < self.until:
            time.sleep(0.2)
        while time.time() < self.until:
            with self.lock:
                self.serial = n = (self.serial + 1) % 1000
            name = f"演练单位{int(self.until)}-{n}"
            code = make_code("91", "320106", f"D{self.run % 10**4:04d}{n:03d}")
            fields = {"name": name, "credit_code": code, "type": "constructor", "city": "nanjing"}
            got = self.attempt(user, "register", user.form, "/enterprises/new", fields)
            if got is None:
                continue
            status, location, _ = got
            created = CREATED.search(location)
            self.record(user.base, "register", created is not None, f"{status} {location}")
            if created:
                with self.lock:
                    self.acknowledged.append(int(created.group(1)))
                listed = self.attempt(
                    user, "list", user.request, "/enterprises/?q=" + urllib.parse.quote(name)
                )
                if listed is not None:
                    with self.lock:
                        self.stale_reads += name not in listed[2]
            time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", required=True, help="comma-separated base URLs")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=3, help="per node")
    parser.add_argument("--writers", type=int, default=1, help="per node")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    drill = Drill(args.seconds)
    threads = []
    for base in args.nodes.split(","):
        for _ in range(args.readers):
            threads.append(threading.Thread(target=drill.read, args=(User(base),)))
        for _ in range(args.writers):
            threads.append(threading.Thread(target=drill.write, args=(User(base),)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome = {"requests": drill.requests, "failures": drill.failures, "acknowledged": drill.acknowledged,
               "stale_reads": drill.stale_reads}  # fmt: skip
    Path(args.out).write_text(json.dumps(outcome, ensure_ascii=False))
    print(
        f"{drill.requests} requests, {len(drill.failures)} failed, {len(drill.acknowledged)} enterprises registered"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
