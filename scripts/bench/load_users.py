"""Locust users for ``scripts/bench/load.py``: the demo accounts of every role working as people do (DOMAIN 10).

Each simulated user signs in once through the login form (CSRF token included), then works its role's pages:
the workbench, lists, a work, a review and its report PDF, search, the dashboard. Ids are taken from the pages
the user has just seen (as a person follows links), never guessed. Request names group pages by kind, and
``load.py`` holds each kind to its target.

With ``LOAD_HOSTS`` (several nodes, comma-separated) each user works on one node, taken in turn, as a load balancer
without sticky sessions would spread them; with ``LOAD_SAMPLES`` every request's node, name, time, status and
failure are written to that CSV file at the end, for ``load.py``'s per-node figures.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import re
from typing import Any

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo@2024!")
PERIOD = os.environ.get("LOAD_PERIOD", "2024")  # the demo's reviews fall in 2024
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WORK_LINK = re.compile(r'href="/works/(\d+)"')
REVIEW_LINK = re.compile(r'href="/reviews/(\d+)"')
REPORT_PDF = re.compile(r'href="(/reviews/\d+/reports/\d+\.pdf)"')
QUERIES = [
    "基坑",
    "高支模",
    "塔式起重机",
    "脚手架",
    "深基坑 支护",
    "模板支撑体系",
    "拆除",
    "监测",
    "建质〔2009〕87号",
]
QUARTERS = [f"{PERIOD}Q{q}" for q in range(1, 5)] + [PERIOD]
HOSTS = [h.strip().rstrip("/") for h in os.environ.get("LOAD_HOSTS", "").split(",") if h.strip()]
SAMPLES = os.environ.get("LOAD_SAMPLES", "")
_turn = itertools.count()
_samples: list[tuple[str, str, float, int, int]] = []


@events.request.add_listener
def _sample(name: str, response_time: float, context: dict[str, Any], response: Any = None,
            exception: BaseException | None = None, **_: Any) -> None:  # fmt: skip
    if SAMPLES:
        status = int(getattr(response, "status_code", 0) or 0)
        _samples.append((context.get("node", ""), name, response_time, status, int(exception is not None)))


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    if SAMPLES:
        with open(SAMPLES, "w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(_samples)


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1.0, 3.0)  # think time between pages (issue 22 item 8)
    username = ""

    def context(self) -> dict[str, Any]:
        return {"node": self.client.base_url}

    def on_start(self) -> None:
        if HOSTS:
            self.client.base_url = HOSTS[next(_turn) % len(HOSTS)]
        page = self.client.get("/auth/login", name="/auth/login")
        token = CSRF.search(page.text)
        data = {
            "username": self.username,
            "password": PASSWORD,
            "csrf_token": token.group(1) if token else "",
        }
        with self.client.post("/auth/login", data=data, name="/auth/login [POST]", catch_response=True) as r:
            if "/auth/login" in r.url:
                r.failure(f"{self.username} could not sign in")
        self.work_ids: list[int] = []
        self.review_ids: list[int] = []

    def home(self) -> None:
        page = self.client.get("/", name="/ (workbench)")
        self.review_ids = [int(i) for i in REVIEW_LINK.findall(page.text)] or self.review_ids
        self.client.get("/tasks/count", name="/tasks/count")

    def works(self) -> None:
        page = self.client.get(f"/works/?page={random.randint(1, 5)}", name="/works/?page=N")
        self.work_ids = [int(i) for i in WORK_LINK.findall(page.text)] or self.work_ids
        if self.work_ids:
            self.client.get(f"/works/{random.choice(self.work_ids)}", name="/works/<id>")

    def reviews(self) -> None:
        page = self.client.get(f"/reviews?page={random.randint(1, 5)}", name="/reviews?page=N")
        self.review_ids = [int(i) for i in REVIEW_LINK.findall(page.text)] or self.review_ids

    def review(self, pdf: bool = False) -> None:
        if not self.review_ids:
            return
        page = self.client.get(f"/reviews/{random.choice(self.review_ids)}", name="/reviews/<id>")
        found = REPORT_PDF.findall(page.text)
        if pdf and found:
            self.client.get(found[-1], name="/reviews/<id>/reports/<id>.pdf")

    def search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(QUERIES)}, name="/search/?q=…")

    def dashboard(self) -> None:
        self.client.get("/dashboard", params={"period": random.choice(QUARTERS)}, name="/dashboard")


class Regulator(SignedIn):
    weight = 3
    username = "regulator"

    @task(2)
    def workbench(self) -> None:
        self.home()

    @task(3)
    def browse(self) -> None:
        self.works()

    @task(2)
    def read_reviews(self) -> None:
        self.reviews()
        self.review(pdf=random.random() < 0.3)

    @task(2)
    def find(self) -> None:
        self.search()

    @task(2)
    def figures(self) -> None:
        self.dashboard()

    @task(1)
    def hazards(self) -> None:
        self.client.get("/site/hazards", name="/site/hazards")


class CityRegulator(SignedIn):
    weight = 1
    username = "regulator_sz"

    @task(2)
    def figures(self) -> None:
        self.dashboard()

    @task(2)
    def browse(self) -> None:
        self.works()

    @task(1)
    def hazards(self) -> None:
        self.client.get("/site/hazards", name="/site/hazards")


class Team(SignedIn):
    weight = 3
    username = "team"

    @task(2)
    def workbench(self) -> None:
        self.home()

    @task(3)
    def browse(self) -> None:
        self.works()

    @task(1)
    def read_reviews(self) -> None:
        self.reviews()
        self.review(pdf=random.random() < 0.3)

    @task(1)
    def find(self) -> None:
        self.search()


class Office(SignedIn):
    weight = 2
    username = "office"

    @task(2)
    def workbench(self) -> None:
        self.home()

    @task(2)
    def browse(self) -> None:
        self.works()

    @task(1)
    def pool(self) -> None:
        self.client.get("/experts/", name="/experts/")

    @task(1)
    def read_reviews(self) -> None:
        self.reviews()
        self.review()


class Expert(SignedIn):
    weight = 1
    username = "expert"

    @task(3)
    def workbench(self) -> None:
        self.home()
        self.review()

    @task(1)
    def portrait(self) -> None:
        self.client.get("/experts/me/portrait", name="/experts/me/portrait")
