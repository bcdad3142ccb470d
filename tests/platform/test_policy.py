"""The authorisation policy is the only place that decides by an organisation's kind, and its table is documented."""

import ast
from pathlib import Path

import pytest

from app import authz
from app.authz import ORG_KINDS, RULES, OrgKind

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "app" / "authz.py"
ORG_KIND_VALUES = frozenset(ORG_KINDS)
# A receiver annotated with one of these holds an organisation's kind; any other annotated receiver (a report Scope,
# an import column) has a vocabulary of its own that may share a word ("employer") with OrgKind.
ORG_TYPES = frozenset({"Principal", "Org", "Tenant"})


def _is_kind(node: ast.expr) -> bool:
    """An expression that holds a kind: x.kind, kind, org_kinds, x["kind"], org_kind(...)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "kind" or node.attr.endswith("_kind")
    if isinstance(node, ast.Name):
        return node.id in ("kind", "kinds") or node.id.endswith(("_kind", "_kinds"))
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "kind"
    if isinstance(node, ast.Call):
        return _is_kind(node.func)
    return False


def _strings(node: ast.expr, constants: dict[str, set[str]]) -> set[str]:
    """The string literals an expression stands for: a literal, a tuple/list/set of them, or a module constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_strings(e, constants) for e in node.elts))
    containers = ("set", "frozenset", "tuple", "list")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in containers and node.args:
        return _strings(node.args[0], constants)
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    return set()


def _annotation_names(node: ast.expr | None) -> frozenset[str]:
    if node is None:
        return frozenset()
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.add(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):  # "Principal" as a forward reference
            names.update(part.strip() for part in sub.value.replace("|", " ").split())
    return frozenset(names)


class _Finder(ast.NodeVisitor):
    """Comparisons of a kind with OrgKind values written as strings, with the line of each."""

    def __init__(self, constants: dict[str, set[str]]) -> None:
        self.constants = constants
        self.scopes: list[dict[str, frozenset[str]]] = [{}]
        self.found: list[int] = []

    def _in_scope(self, node: ast.AST, types: dict[str, frozenset[str]]) -> None:
        self.scopes.append({**self.scopes[-1], **types})
        self.generic_visit(node)
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._in_scope(node, {"self": frozenset({node.name}), "cls": frozenset({node.name})})

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        self._in_scope(node, {a.arg: _annotation_names(a.annotation) for a in args if a.annotation is not None})

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _not_an_org(self, kind: ast.expr) -> bool:
        """x.kind where x is annotated (or is `self` of a class) as something that is not an organisation."""
        if not (isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name)):
            return False
        known = self.scopes[-1].get(kind.value.id)
        return known is not None and not (known & ORG_TYPES)

    def _check(self, kind: ast.expr, other: ast.expr, line: int) -> None:
        if _is_kind(kind) and not self._not_an_org(kind) and _strings(other, self.constants) & ORG_KIND_VALUES:
            self.found.append(line)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for left, right in zip(operands, operands[1:], strict=False):
            self._check(left, right, node.lineno)
            self._check(right, left, node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("in_", "not_in", "is_", "__eq__"):
            for arg in node.args:
                self._check(func.value, arg, node.lineno)
        for keyword in node.keywords:  # latest_reviews(org_kinds=("employer",))
            if keyword.arg is not None:
                self._check(ast.Name(keyword.arg), keyword.value, node.lineno)
        self.generic_visit(node)

    def visit_Match(self, node: ast.Match) -> None:
        for case in node.cases:
            for pattern in ast.walk(case.pattern):
                if isinstance(pattern, ast.MatchValue):
                    self._check(node.subject, pattern.value, node.lineno)
        self.generic_visit(node)


def kind_comparisons(source: str) -> list[int]:
    """Lines where a module decides by an organisation's kind written as a string."""
    tree = ast.parse(source)
    constants: dict[str, set[str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name):
            constants[target.id] = _strings(value, {})
    finder = _Finder(constants)
    finder.visit(tree)
    return sorted(set(finder.found))


def test_no_module_outside_the_policy_compares_an_org_kind_with_a_string():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "app").rglob("*.py"))
        if path != POLICY and (lines := kind_comparisons(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"ask app.authz instead of comparing kinds: {found}"


# Every form the old walls used, each of which the check must catch.
CAUGHT = {
    "attribute": 'def f(principal):\n    return principal.kind == "county_office"',
    "reversed": 'def f(org):\n    return "employer" != org.kind',
    "tuple": 'def f(principal):\n    return principal.kind not in ("county_office", "employer")',
    "module constant": 'READERS = ("county_office", "agency")\ndef f(p):\n    return p.kind in READERS',
    "frozenset constant": 'READERS = frozenset({"agency"})\ndef f(p):\n    return p.kind in READERS',
    "sql in_": 'def f():\n    return select(Org.id).where(Org.kind.in_(["county_office", "provincial_office"]))',
    "sql ==": 'def f():\n    return select(Org.id).where(Org.kind == "provincial_office")',
    "a query's result": 'def f(s, i):\n    return repository.org_kind(s, i) == "provincial_office"',
    "a bare kind": 'def reasons_for(kind: str, reasons):\n    if kind != "employer":\n        return reasons',
    "an annotated principal": 'def f(p: "Principal"):\n    return p.kind == "employer"',
    "an array of kinds": 'def f(kinds):\n    return kinds == "county_office"',
    "a keyword": 'def f(s, ids):\n    return latest_reviews(s, ids, org_kinds=("employer",))',
    "a dict field": 'def f(me):\n    return me["kind"] == "broker"',
    "formatting": "def f(principal):\n    if (\n        principal\n        .kind\n        ==\n"
    '        "station"\n    ):\n        pass',
    "match": 'def f(p):\n    match p.kind:\n        case "agency":\n            return 1',
}


@pytest.mark.parametrize("source", CAUGHT.values(), ids=CAUGHT.keys())
def test_the_check_catches_every_form_of_a_kind_comparison(source):
    assert kind_comparisons(source), source


# Other vocabularies called `kind`, and comparisons with the enum itself, are not decisions by an org's kind.
LEFT_ALONE = {
    "the enum": "def f(principal):\n    return principal.kind == OrgKind.employer",
    "a report scope": 'def f(scope: Scope):\n    return scope.kind == "employer"',
    "a report scope's own method": 'class Scope:\n    def slug(self):\n        return self.kind == "employer"',
    "an import column": 'def f(col):\n    return col.kind in ("text", "id")',
    "a model artefact": 'def f(kind):\n    return kind == "ranker"',
    "a message": 'def f(principal):\n    return f"a {principal.kind} key may not read placements"',
}


@pytest.mark.parametrize("source", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_the_check_leaves_other_vocabularies_alone(source):
    assert kind_comparisons(source) == []


def test_org_kinds_come_from_the_enum_and_every_rule_has_its_refusal():
    assert tuple(k.value for k in OrgKind) == ORG_KINDS
    assert {"station", "broker"} <= set(ORG_KINDS)
    assert set(RULES) == set(authz.REFUSALS)
    for grants in RULES.values():
        assert set(grants) <= set(OrgKind)


def test_the_documented_table_is_the_policy():
    """docs/authorisation.md carries the table rendered from RULES; regenerate it with `authz.table()`."""
    doc = (ROOT / "docs" / "authorisation.md").read_text(encoding="utf-8")
    assert authz.table() in doc


@pytest.mark.parametrize("role", ["broker"])  # a station reads its region's report (rights/station)
def test_a_kind_without_the_right_cannot_sign_in_to_the_report_page(client, tenants, role):
    resp = client.post("/reports/weekly/sign-in", data={"api_key": tenants[role].key}, follow_redirects=False)
    assert resp.status_code == 403
    assert f"a {OrgKind(role)} key may not read the weekly report" in resp.text
    assert "set-cookie" not in resp.headers
