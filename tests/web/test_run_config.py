"""`make run` takes a port, and the public address printed in QR codes follows it or warns when loopback."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import Config, is_loopback_url

ROOT = Path(__file__).resolve().parents[2]


def dry_run(*args: str, env: dict[str, str] | None = None) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | (env or {})
    done = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=environ, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout


def test_make_run_serves_on_the_port_given():
    out = dry_run("PORT=5101")
    assert "--port 5101" in out
    assert "--port 5000" not in out


def test_make_run_says_where_the_qr_codes_point():
    out = dry_run("PORT=5101")
    assert "PUBLIC_BASE_URL" in out and "serving on http://127.0.0.1:5101" in out


@pytest.mark.parametrize(
    ("url", "loopback"),
    [("http://127.0.0.1:5000", True), ("http://localhost:8000/", True), ("http://[::1]:5000", True),
     ("http://127.1.2.3", True), ("https://wdgc.jsszjt.gov.cn", False), ("http://10.2.3.4:8080", False)],
)  # fmt: skip
def test_loopback_addresses_are_recognised(url, loopback):
    assert is_loopback_url(url) is loopback


def test_a_loopback_public_address_is_warned_in_the_log(tmp_path, caplog):
    config = Config(tmp_path)
    config.PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    with caplog.at_level(logging.WARNING):
        create_app(config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}")
    assert any("PUBLIC_BASE_URL" in r.getMessage() and "loopback" in r.getMessage() for r in caplog.records)


def test_a_public_address_is_not_warned(tmp_path, caplog):
    config = Config(tmp_path)
    config.PUBLIC_BASE_URL = "https://wdgc.example.gov.cn"
    with caplog.at_level(logging.WARNING):
        create_app(config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}")
    assert not any("PUBLIC_BASE_URL" in r.getMessage() for r in caplog.records)
