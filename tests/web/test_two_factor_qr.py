"""The enrolment page's QR code: inline SVG that a phone's camera (here zbarimg) reads as the page's otpauth URI."""

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from knowledge.accounts.models import Role
from tests.factories import login, make_account

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
PATH = re.compile(r'\bd="([^"]+)"')
URI = re.compile(r'id="otpauth-uri">([^<]+)<')
SECRET = re.compile(r'id="secret">([A-Z2-7 ]+)<')
STEP = re.compile(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")
PIXELS = 4  # per module, enough for zbar


def enrol_page(client, session) -> str:
    account = make_account(session, Role.EXPERT)
    login(client, account)
    assert client.post("/auth/two-factor/enrol", data={"step": "start"}).status_code == 302
    response = client.get("/auth/two-factor/enrol")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def dark_cells(path_data: str) -> set[tuple[int, int]]:
    """The (column, row) cells a segno line path paints: each h draws a run on the row through y (a half-integer)."""
    x = y = 0.0
    cells: set[tuple[int, int]] = set()
    for op, a, b in STEP.findall(path_data):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a) if op == "h" else float(a) - x
            cells.update((int(x) + i, int(y)) for i in range(int(run)))
            x += run
    return cells


def as_pbm(cells: set[tuple[int, int]], tmp_path: Path) -> Path:
    """A plain black-and-white bitmap with a white quiet zone, which zbarimg reads without an image library."""
    size = max(max(c, r) for c, r in cells) + 5
    rows = [
        " ".join("1" if (col // PIXELS, row // PIXELS) in cells else "0" for col in range(size * PIXELS))
        for row in range(size * PIXELS)
    ]
    image = tmp_path / "qr.pbm"
    image.write_text(f"P1\n{size * PIXELS} {size * PIXELS}\n" + "\n".join(rows) + "\n")
    return image


def test_enrol_page_shows_the_otpauth_uri_as_inline_svg(client, session):
    page = enrol_page(client, session)
    svg = SVG.search(page)
    assert svg is not None and 'id="otpauth-qr"' in svg.group(0)
    assert "<img" not in svg.group(0) and "data:" not in svg.group(0)
    assert len(dark_cells(PATH.search(svg.group(0)).group(1))) > 200


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_enrol_qr_decodes_to_the_uri_and_secret_on_the_page(client, session, tmp_path):
    page = enrol_page(client, session)
    uri = html.unescape(URI.search(page).group(1))
    secret = SECRET.search(page).group(1).replace(" ", "")
    image = as_pbm(dark_cells(PATH.search(SVG.search(page).group(0)).group(1)), tmp_path)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False
    )
    assert decoded.stdout.strip() == uri
    assert f"secret={secret}" in uri


def test_no_qr_before_enrolment_starts(client, session):
    login(client, make_account(session, Role.EXPERT))
    page = client.get("/auth/two-factor/enrol").get_data(as_text=True)
    assert "开始设置" in page and "<svg" not in page
