"""The shape of the code: a generic engine, process packages, no cycles, small modules.

Read from the source (no import is executed): every module of the product's packages, the
imports it makes at module level and inside functions (imports under `if TYPE_CHECKING:` only
serve the type checker and run never, so they are left out of the graph).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from engine.config import PROJECT_ROOT

PACKAGES = ("engine", "web", "tasks", "workflows", "someflyt")
MAX_LINES = 400
# Words that are element ids of a diagram and also mean something else in generic code.
OTHER_MEANINGS = {
    "start": "the start page's blueprint (url_for('start.form'))",
    "revise": "a decision value of forms (a refusal that asks for changes)",
    "answer": "a saved reply's purpose",
}


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    imports: set[str] = field(default_factory=set)
    function_imports: list[tuple[int, str]] = field(default_factory=list)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules of ours an import statement loads (`from a import b` may name module a.b)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
            for alias in node.names
        ]
    return {name for name in names if name in known}


def _walk(body: list[ast.stmt], in_function: bool, module: Module, known: set[str]) -> None:
    for node in body:
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            targets = _targets(node, known)
            if in_function and targets:
                module.function_imports.append((node.lineno, ast.unparse(node)))
            module.imports |= targets
        inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child_body in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, child_body, None)
            if isinstance(children, list) and children and isinstance(children[0], ast.AST):
                stmts = [c for c in children if isinstance(c, ast.stmt)]
                stmts += [s for h in children if isinstance(h, ast.ExceptHandler) for s in h.body]
                _walk(stmts, in_function or inner, module, known)


def _modules() -> dict[str, Module]:
    paths = [
        path
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    known = {_module_name(path) for path in paths}
    modules = {}
    for path in paths:
        source = path.read_text(encoding="utf-8")
        module = Module(_module_name(path), path, source.count("\n"))
        _walk(ast.parse(source).body, False, module, known)
        module.imports.discard(module.name)
        modules[module.name] = module
    return modules


MODULES = _modules()


def _cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in sorted(modules[name].imports):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return found


def test_the_walk_sees_the_packages_and_their_imports() -> None:
    """A guard for the guards below: a walker that found nothing would pass them all."""
    assert {"engine.extensions", "web", "tasks.jobs", "someflyt.wiring"} <= set(MODULES)
    assert "engine.extensions" in MODULES["engine.cases.effects"].imports
    assert len(MODULES) > 80


def test_there_is_no_import_cycle() -> None:
    assert _cycles(MODULES) == []


def test_a_cycle_would_be_found() -> None:
    a = Module("a", Path("a.py"), 1, {"b"})
    b = Module("b", Path("b.py"), 1, {"c"})
    c = Module("c", Path("c.py"), 1, {"a"})
    assert _cycles({"a": a, "b": b, "c": c}) == [["a", "b", "c"]]


def test_web_and_tasks_never_import_each_other() -> None:
    crossing = [
        (name, target)
        for name, module in MODULES.items()
        for target in module.imports
        if {name.partition(".")[0], target.partition(".")[0]} == {"web", "tasks"}
    ]
    assert crossing == []


def test_the_engine_imports_neither_the_web_nor_the_worker_nor_a_process_package() -> None:
    """Process packages are found at run time (engine.extensions.discover), never imported."""
    wrong = [
        (name, target)
        for name, module in MODULES.items()
        if name.startswith("engine")
        for target in module.imports
        if target.partition(".")[0] in ("web", "tasks", "someflyt", "workflows")
    ]
    assert wrong == []


def test_no_import_inside_a_function() -> None:
    """An import inside a function hides a dependency (and is how cycles get dodged)."""
    hidden = [
        f"{module.path.relative_to(PROJECT_ROOT)}:{line}: {statement}"
        for module in MODULES.values()
        for line, statement in module.function_imports
    ]
    assert hidden == []


def test_a_function_import_would_be_found(tmp_path: Path) -> None:
    module = Module("x", tmp_path / "x.py", 3)
    source = (
        "def f():\n    from engine import errors\n    return errors\n"
        "class C:\n    def g(self):\n        with open('x'):\n            try:\n"
        "                pass\n            except Exception:\n                import web\n"
    )
    _walk(ast.parse(source).body, False, module, {"engine", "engine.errors", "web"})
    assert module.function_imports == [(2, "from engine import errors"), (10, "import web")]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name: str) -> None:
    assert MODULES[name].lines <= MAX_LINES, f"{MODULES[name].path}: {MODULES[name].lines} lines"


_NOT_STEPS = ("definitions", "collaboration", "participant", "laneSet")


def _our_ids() -> tuple[set[str], set[str]]:
    """The process ids and the element ids of every diagram and decision table of ours."""
    processes: set[str] = set()
    elements: set[str] = set()
    for path in sorted((PROJECT_ROOT / "workflows").glob("*/*.[bd][pm][mn]*")):
        root = etree.parse(str(path)).getroot()
        for node in root.iter():
            if not isinstance(node.tag, str) or node.get("id") is None:
                continue
            kind = etree.QName(node).localname
            if kind in ("process", "decision"):
                processes.add(node.get("id"))
            elif "/MODEL" in (etree.QName(node).namespace or "") and kind not in _NOT_STEPS:
                elements.add(node.get("id"))  # BPMN and DMN elements, not extensions or DI
    return processes, elements


def _literals(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_process_id_or_element_id_of_ours_in_the_engine_or_the_web() -> None:
    """A process id anywhere in the text (comments too); an element id as a string literal
    (the way code would look a step up: a renamed step would break it silently)."""
    processes, elements = _our_ids()
    assert {"account_application", "forum_pause", "account_closure"} <= processes
    assert {"publish_notice", "triage"} <= elements
    process_pattern = re.compile("|".join(sorted(map(re.escape, processes))))
    generic = [m for m in MODULES.values() if m.name.partition(".")[0] in ("engine", "web")]
    found = [
        f"{module.path.relative_to(PROJECT_ROOT)}:{number}: {match.group(0)}"
        for module in generic
        for number, line in enumerate(module.path.read_text(encoding="utf-8").splitlines(), 1)
        for match in process_pattern.finditer(line)
    ]
    found += [
        f"{module.path.relative_to(PROJECT_ROOT)}:{number}: element id {text!r}"
        for module in generic
        for number, text in _literals(module.path)
        if text in elements and text not in OTHER_MEANINGS
    ]
    assert found == []
