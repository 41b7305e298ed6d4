"""The layout's rules, checked from the source: packages import along the data flow (no
cycles between packages), and each outside dependency has exactly one importing module.

Imports inside functions count too: a lazy import still couples two packages. Imports under
`if TYPE_CHECKING:` do not, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "collector"

# Who may import an outside dependency at run time.
OWNERS = {
    "playwright": {"collector.capture.browser"},
    "sqlite_utils": {"collector.records.index"},
}
# Top-level modules every step shares; they import no step.
CORE = "core"
# The layers, bottom first (docs/architecture.md): a package imports only packages below it.
# Evidence and records know nothing of who calls them; a step that drives others (a run
# drives captures, an export reads the report) sits above them.
LAYERS = (
    CORE,
    "sites",
    "evidence",
    "records",
    "monitor",
    "capture",
    "lists",
    "review",
    "export",
    "demo",
    "desk",
    "cli",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """collector.capture.browser -> capture; collector.models -> core."""
    parts = module.split(".")
    if len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").exists():
        return CORE if parts[1] not in {"__main__"} else "cli"
    return parts[1] if len(parts) > 1 else CORE


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for s in node.orelse for n in _runtime_imports_stmt(s))
            continue
        yield from _runtime_imports_stmt(node)


def _runtime_imports_stmt(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    yield from _runtime_imports(node)


def imported(path: Path) -> set[str]:
    """Absolute names a module imports (relative imports resolved)."""
    here = module_name(path)
    names: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            package = here if path.name == "__init__.py" else here.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}".rstrip(".")
        names.add(base)
        # `from collector import models` imports the module collector.models
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules() -> dict[str, set[str]]:
    return {module_name(p): imported(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _known(name: str, graph: dict[str, set[str]]) -> bool:
    return name in graph


def package_graph() -> dict[str, set[str]]:
    graph = modules()
    edges: dict[str, set[str]] = {}
    for mod, names in graph.items():
        src = unit_of(mod)
        edges.setdefault(src, set())
        for name in names:
            if name.startswith("collector.") and _known(name, graph):
                dst = unit_of(name)
                if dst != src:
                    edges[src].add(dst)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_packages() -> None:
    assert cycles(package_graph()) == []


def test_packages_import_only_lower_layers() -> None:
    edges = package_graph()
    assert set(edges) <= set(LAYERS), f"a new package belongs in LAYERS: {set(edges) - set(LAYERS)}"
    upward = sorted(
        f"{src} -> {dst}"
        for src, dsts in edges.items()
        for dst in dsts
        if LAYERS.index(dst) >= LAYERS.index(src)
    )
    assert upward == []


def test_core_modules_import_no_step() -> None:
    edges = package_graph()
    assert edges.get(CORE, set()) == set(), "models/errors/timeutil/text must stay at the bottom"


def test_nothing_imports_the_command_line() -> None:
    edges = package_graph()
    offenders = sorted(src for src, dsts in edges.items() if "cli" in dsts and src != "cli")
    assert offenders == []


@pytest.mark.parametrize("dependency", sorted(OWNERS))
def test_one_module_owns_each_outside_dependency(dependency: str) -> None:
    importers = {
        mod
        for mod, names in modules().items()
        if any(n == dependency or n.startswith(dependency + ".") for n in names)
    }
    assert importers == OWNERS[dependency]


def test_the_checker_sees_a_cycle() -> None:
    # the checker itself can fail: a two-package loop is reported
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
