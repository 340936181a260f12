"""The dependency arrows of ARCHITECTURE.md section 1, checked by walking the imports.

Each domain package is cut into areas: its subpackages and its top-level modules. ``ALLOWED`` lists, for each
area, the areas of the same package it may import; any other arrow fails. Imports under ``if TYPE_CHECKING:``
name a class for the type checker only (no arrow at run time) and are not counted.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_migrate"}
FORBIDDEN = {
    "knowledge": FLASK | {"webapp", "expert_pool"},
    "expert_pool": FLASK | {"webapp"},
    "search_index": FLASK | {"webapp", "knowledge", "expert_pool"},
}
OURS = {"knowledge", "expert_pool", "search_index", "webapp", "tests"}
KNOWLEDGE_KERNEL = {
    "db",
    "errors",
    "regions",
    "clock",
    "pagination",
    "outbox",
    "audit",
    "audit_labels",
    "identity",
    "keyed_chain",
    "job_runs",
}
ALLOWED: dict[str, dict[str, set[str]]] = {
    "knowledge": {
        "db": set(),
        "errors": set(),
        "regions": set(),
        "clock": set(),
        "pagination": set(),
        "outbox": {"db"},
        "audit": {"db", "keyed_chain", "audit_labels"},
        "audit_labels": set(),
        "identity": {"errors"},
        "keyed_chain": set(),
        "job_runs": {"db"},
        "settings": {"db", "errors"},
        "spreadsheets": {"audit", "errors", "regions"},
        "enterprises": KNOWLEDGE_KERNEL,
        "accounts": KNOWLEDGE_KERNEL | {"enterprises", "spreadsheets"},
        "registry": KNOWLEDGE_KERNEL | {"spreadsheets", "enterprises", "accounts"},
        "plans": KNOWLEDGE_KERNEL | {"enterprises", "accounts", "registry"},
        "search_docs": KNOWLEDGE_KERNEL | {"enterprises", "accounts", "registry", "plans"},
        "site": KNOWLEDGE_KERNEL
        | {"enterprises", "accounts", "registry", "plans", "settings", "spreadsheets"},
        "cranes": KNOWLEDGE_KERNEL
        | {"enterprises", "accounts", "registry", "plans", "site", "settings", "spreadsheets"},
        "demo": KNOWLEDGE_KERNEL
        | {"spreadsheets", "enterprises", "accounts", "registry", "plans", "site", "cranes"},
        # Each role's open tasks read every area that keeps one waiting (issue 22 item 1).
        "workbench": KNOWLEDGE_KERNEL
        | {"enterprises", "accounts", "registry", "plans", "site", "cranes", "settings"},
    },
    # reviews -> draws -> conflicts -> experts; credit below the draws and reviews that record its events;
    # the policy reads credit's rules and the conflict limits; demo above everything it seeds.
    "expert_pool": {
        "errors": set(),
        "pdf": set(),
        "experts": {"errors"},
        "credit": {"errors", "experts"},
        "conflicts": {"errors", "experts"},
        "policy": {"errors", "credit", "conflicts"},
        "draws": {"errors", "pdf", "experts", "credit", "conflicts", "policy"},
        "reviews": {"errors", "pdf", "experts", "credit", "conflicts", "policy", "draws"},
        "demo": {"errors", "experts", "credit", "conflicts", "policy", "draws", "reviews"},
        # The read side above the reviews (issue 22): workbench, figures, portraits, integrity, the periodic report.
        "workbench": {"errors", "experts", "credit", "conflicts", "policy", "draws", "reviews"},
        # The dashboard counts common problems and lists the works their pre-check flags (issue 23 item 3).
        "analytics": {"errors", "experts", "credit", "conflicts", "policy", "draws", "reviews", "precedents"},
        "portraits": {"errors", "experts", "credit", "draws", "reviews"},
        "integrity": {"errors", "experts", "credit", "draws", "reviews"},
        # Common problems of concluded reviews and of the site, and the plan pre-check (issue 23).
        "precedents": {"errors", "experts", "draws", "reviews"},
        "supervision_report": {
            "errors",
            "pdf",
            "experts",
            "credit",
            "draws",
            "reviews",
            "analytics",
            "integrity",
        },
    },
}


def imports_of(path: Path) -> list[str]:
    """Absolute module names imported at run time (``from a import b`` gives ``a.b`` as well as ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports_of(path)}


def area_of(package: str, dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != package or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def wrong_arrows(package: str) -> dict[str, list[str]]:
    """``module -> [imported areas it may not import]`` for every module of the package."""
    allowed = ALLOWED[package]
    wrong: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        source = area_of(package, module_name(path))
        if source is None:
            continue
        assert source in allowed, f"{package}.{source} is not in ALLOWED: add it with its arrows"
        targets = {area_of(package, name) for name in imports_of(path)} - {None, source}
        bad = sorted(t for t in targets if t is not None and t not in allowed[source] and t in allowed)
        if bad:
            wrong[module_name(path)] = bad
    return wrong


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_domain_packages_do_not_import_flask_or_webapp(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_areas_import_only_the_areas_below_them(package):
    assert wrong_arrows(package) == {}


def test_the_allowed_arrows_have_no_cycle():
    for package, allowed in ALLOWED.items():
        order: list[str] = []
        pending = dict(allowed)
        while pending:
            ready = [a for a, deps in pending.items() if deps <= set(order)]
            assert ready, f"{package}: a cycle among {sorted(pending)}"
            order.extend(sorted(ready))
            for a in ready:
                del pending[a]


def test_the_expert_pool_may_import_any_knowledge_area_but_its_demo():
    for path in (ROOT / "expert_pool").rglob("*.py"):
        if area_of("expert_pool", module_name(path)) == "demo":
            continue
        demo = [name for name in imports_of(path) if name.startswith("knowledge.demo")]
        assert demo == [], path


def test_the_checker_sees_a_wrong_arrow_and_ignores_type_only_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\nfrom flask import current_app\nimport webapp.extensions\n"
        "from expert_pool.reviews import meetings\n"
        "if TYPE_CHECKING:\n    from expert_pool.demo import pool\n"
    )
    assert {"flask", "webapp"} <= imported_roots(bad)
    names = imports_of(bad)
    assert "expert_pool.reviews.meetings" in names and "expert_pool.demo" not in names
    assert area_of("expert_pool", "expert_pool.reviews.meetings") == "reviews"
    assert "reviews" not in ALLOWED["expert_pool"]["draws"]


def private_reads(path: Path, modules: set[str]) -> list[str]:
    """Underscore names of our modules that ``path`` imports (``from m import _x``) or reads (``m._x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in OURS:
                found += [a.name for a in node.names if a.name.startswith("_")]
            aliases |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" in modules}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.asname and a.name in modules}
    for node in ast.walk(tree):
        is_read = (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        )
        if is_read and node.attr.startswith("_") and not node.attr.startswith("__"):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_imports_or_reads_another_modules_private_names():
    files = [p for p in ROOT.glob("*/**/*.py") if p.parts[len(ROOT.parts)] not in {".venv", "migrations"}]
    modules = {module_name(p) for p in files}
    offenders = {str(p.relative_to(ROOT)): bad for p in files if (bad := private_reads(p, modules))}
    assert offenders == {}


def test_the_private_check_sees_both_forms(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from expert_pool.experts import services\nfrom knowledge.db import _x\nservices._clean()\n"
    )
    assert private_reads(bad, {"expert_pool.experts.services"}) == ["_x", "services._clean"]


def test_the_domain_imports_nothing_inside_a_function():
    """An import inside a function hides an arrow (the draw's lazy import held a cycle together)."""
    lazy = []
    for package in ("knowledge", "expert_pool"):
        for path in (ROOT / package).rglob("*.py"):
            for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    lazy += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(fn)
                             if isinstance(n, ast.Import | ast.ImportFrom)]  # fmt: skip
    assert lazy == []


def test_whoosh_networkx_and_reportlab_stay_in_their_modules():
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "scripts", "migrations"}:
            continue
        roots = imported_roots(path)
        rel = path.relative_to(ROOT).as_posix()
        if "whoosh" in roots:
            assert rel.startswith("search_index/"), rel
        if "networkx" in roots:
            assert rel == "expert_pool/conflicts/graph.py", rel
        if "reportlab" in roots:  # only the modules that build PDFs
            pdf_module = rel.startswith("expert_pool/pdf/") or rel.endswith("_pdf.py")
            assert rel.startswith("expert_pool/") and pdf_module, rel


def test_no_module_of_the_domain_is_part_of_an_import_cycle():
    """A package's ``__init__`` counts as the module it is: ``from a import b`` runs ``a/__init__.py`` first."""
    modules = {
        module_name(path): path
        for package in ("knowledge", "expert_pool", "search_index")
        for path in (ROOT / package).rglob("*.py")
    }
    edges = {
        name: {i for i in imports_of(path) if i in modules and i != name} for name, path in modules.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                return [*path, name, target]
            if target not in state and (cycle := visit(target, [*path, name])):
                return cycle
        state[name] = 2
        return []

    for name in sorted(modules):
        if name not in state:
            assert visit(name, []) == []
