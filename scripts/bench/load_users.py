"""Locust users for ``scripts/bench/load.py``: the demo accounts browsing as people do (DOMAIN 10).

Each simulated user signs in once through the login form (CSRF token included), then browses its role's pages.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo@2024!")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WORK_LINK = re.compile(r'href="/works/(\d+)"')
QUERIES = ["基坑", "高支模", "塔式起重机", "脚手架", "深基坑 支护", "模板支撑体系", "拆除", "监测"]


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def on_start(self) -> None:
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

    def works(self) -> None:
        page = self.client.get(f"/works/?page={random.randint(1, 5)}", name="/works/?page=N")
        self.work_ids = [int(i) for i in WORK_LINK.findall(page.text)] or self.work_ids

    def work(self) -> None:
        if self.work_ids:
            self.client.get(f"/works/{random.choice(self.work_ids)}", name="/works/<id>")

    def search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(QUERIES)}, name="/search/?q=…")


class Regulator(SignedIn):
    weight = 3
    username = "regulator"

    @task(3)
    def browse(self) -> None:
        self.works()
        self.work()

    @task(2)
    def find(self) -> None:
        self.search()

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/")


class Team(SignedIn):
    weight = 2
    username = "team"

    @task(3)
    def browse(self) -> None:
        self.works()
        self.work()

    @task(1)
    def find(self) -> None:
        self.search()


class Office(SignedIn):
    weight = 1
    username = "office"

    @task
    def browse(self) -> None:
        self.works()
        self.work()
        self.client.get("/experts/", name="/experts/")
