"""The dependency arrows of ARCHITECTURE.md section 1, checked by walking the imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "knowledge": {
        "flask",
        "flask_sqlalchemy",
        "flask_login",
        "flask_wtf",
        "flask_migrate",
        "webapp",
        "expert_pool",
    },
    "expert_pool": {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_migrate", "webapp"},
    "search_index": {"flask", "flask_sqlalchemy", "flask_login", "webapp", "knowledge", "expert_pool"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_domain_packages_do_not_import_flask_or_webapp(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_sees_a_flask_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import current_app\nimport webapp.extensions\n")
    assert {"flask", "webapp"} <= imported_roots(bad)


def test_whoosh_and_networkx_stay_in_their_packages():
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "scripts", "migrations"}:
            continue
        roots = imported_roots(path)
        if "whoosh" in roots:
            assert path.parts[len(ROOT.parts)] == "search_index", path
        if "networkx" in roots:
            assert path.name == "conflicts.py", path
        if "reportlab" in roots:  # only the modules that build PDFs
            pdf_module = path.name.startswith("pdf_") or path.name.endswith("_pdf.py")
            assert path.parent.name == "expert_pool" and pdf_module, path
