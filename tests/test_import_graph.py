"""No import circles in ``src/cnocare``: the layers (knowledge → clinical → records → web, cli) point one way.

Every ``import`` statement counts, wherever it stands: a function-level import hides a circle from
the interpreter, not from the design. Imports under ``if TYPE_CHECKING:`` count too, since they say
one module depends on another just the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "cnocare"

# Circles whose fix is under way elsewhere: a circle lying wholly inside these packages is allowed,
# with the reason. Remove the entry with the fix (the last test fails once it is no longer needed).
PENDING_FIXES: dict[tuple[str, ...], str] = {}


def pending_fix(circle: frozenset[str]) -> str | None:
    for packages, why in PENDING_FIXES.items():
        if all(any(m == p or m.startswith(p + ".") for p in packages) for m in circle):
            return why
    return None


# Framework code has one home each: FastAPI/Starlette in web/, Typer in the CLI. Exceptions pending a
# move elsewhere, with who moves them; remove the entry with the move.
FRAMEWORK_HOMES = {"fastapi": "cnocare.web", "starlette": "cnocare.web", "typer": "cnocare.cli"}
PENDING_MOVES: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}


def frameworks_used(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & set(FRAMEWORK_HOMES)


def imported_by(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules one module imports (``from pkg import submodule`` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # "cnocare.a.b.func" -> the module "cnocare.a.b"
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imported_by(name, path, known) for name, path in found.items()}


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(frozenset(component))
    return out


def test_the_finder_sees_a_circle_hidden_in_a_function(tmp_path: Path) -> None:
    graph = {"cnocare.a": {"cnocare.b"}, "cnocare.b": {"cnocare.c"}, "cnocare.c": {"cnocare.a"}, "cnocare.d": set()}
    assert circles(graph) == [frozenset({"cnocare.a", "cnocare.b", "cnocare.c"})]
    source = tmp_path / "mod.py"
    source.write_text("def later():\n    from cnocare.records import versioned\n    import cnocare.web.app\n")
    assert imported_by("cnocare.x", source, {"cnocare.records", "cnocare.records.versioned", "cnocare.web.app"}) \
        == {"cnocare.records.versioned", "cnocare.web.app"}


def test_versioned_imports_nothing_above_the_base_layer() -> None:
    allowed = {"cnocare.records.clock", "cnocare.records.dates", "cnocare.records.errors"}
    assert import_graph()["cnocare.records.versioned"] <= allowed


def test_src_has_no_import_circles() -> None:
    found = circles(import_graph())
    assert [sorted(c) for c in found if pending_fix(c) is None] == []
    still_needed = {pending_fix(c) for c in found}
    assert [why for why in PENDING_FIXES.values() if why not in still_needed] == [], \
        "a pending circle is fixed: remove its PENDING_FIXES entry"


def test_fastapi_lives_in_web_and_typer_in_the_cli() -> None:
    misplaced = sorted((name, framework) for name, path in modules().items() for framework in frameworks_used(path)
                       if not (name == FRAMEWORK_HOMES[framework] or name.startswith(FRAMEWORK_HOMES[framework] + ".")))
    assert [m for m in misplaced if m[0] not in PENDING_MOVES] == []
    assert sorted(set(PENDING_MOVES) - {name for name, _ in misplaced}) == [], \
        "a pending move is done: remove its PENDING_MOVES entry"
