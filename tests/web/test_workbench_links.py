"""Issue 22 item 1: every task the workbench can produce opens a page that exists and answers GET."""

import ast
from pathlib import Path

from webapp.main.workbench import LIST_PAGES, PAGES

ROOT = Path(__file__).resolve().parents[2]


def produced_targets() -> set[str]:
    """The ``target`` of every Task built in the two workbench packages (keyword or fourth positional argument)."""
    found: set[str] = set()
    for path in [*ROOT.glob("knowledge/workbench/*.py"), *ROOT.glob("expert_pool/workbench/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Task":
                args = {k.arg: k.value for k in node.keywords}
                target = args.get("target", node.args[3] if len(node.args) > 3 else None)
                if isinstance(target, ast.Constant):
                    found.add(target.value)
            if (
                isinstance(node, ast.Tuple)
                and len(node.elts) == 3
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
            ):  # the expert's steps table: (kind, label, target)
                found.add(node.elts[2].value)
    return found


def test_every_produced_target_has_a_get_page(app):
    targets = produced_targets()
    assert {"plan_version", "hazard", "invitation", "review", "work", "draw"} <= targets
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    for target in targets:
        endpoint = LIST_PAGES.get(target) or PAGES.get(target, ("", ""))[0]
        assert endpoint in rules, target
        assert "GET" in rules[endpoint].methods, (target, endpoint)
