"""The house's layout rules that a reader relies on, checked: routers share dependencies through app.deps."""

import ast
from pathlib import Path

from app.config import ROOT


def _router_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".router")
    ]


def test_no_router_imports_another_router():
    """Shared dependencies (the session, the principal, the matcher) live in app.deps; only app.main wires routers."""
    routers = sorted((ROOT / "app").rglob("router.py"))
    assert len(routers) > 10
    found = {str(p.relative_to(ROOT)): _router_imports(p) for p in routers}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_sees_a_router_import(tmp_path):
    sample = tmp_path / "router.py"
    sample.write_text("from app.matching.router import MatcherDep\n", encoding="utf-8")
    assert _router_imports(sample) == ["app.matching.router"]
