"""Layering of plutarc/, read from the source with ``ast`` (nothing is imported).

Every ``import`` counts, at module level, inside functions and under ``TYPE_CHECKING``:
a lazy import still ties two modules together. Issue 22: the live and paper workers
imported each other, the BitMEX adapter was a circle of mixins, and modules grew past
400 lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from tests.source_tree import parse_source

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plutarc"
MAX_LINES = 400


def _module_name(path: Path) -> tuple[str, bool]:
    """Dotted name of ``path``, and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


@cache
def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, is_package = _module_name(path)
        found[name] = (path, is_package)
    return found


def _known(name: str) -> str | None:
    """The plutarc module ``name`` is, or lives in (``a.b.func`` -> ``a.b``)."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, is_package: bool, tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[:len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            # ``from pkg import sub`` imports the submodule pkg.sub
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in (_known(n) for n in names if n.startswith("plutarc")) if m != module}


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Each module of plutarc/ -> the plutarc modules it imports, anywhere in its body."""
    graph = {}
    for module, (path, is_package) in _modules().items():
        tree = parse_source(path.read_text(encoding="utf-8"), str(path))
        graph[module] = frozenset(_imported(module, is_package, tree))
    return graph


def cycles(modules: Iterable[str]) -> list[list[str]]:
    """Import circles among ``modules`` (strongly connected components, Tarjan)."""
    inside = set(modules)
    graph = {m: [d for d in import_graph()[m] if d in inside] for m in inside}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(inside):
        if node not in index:
            visit(node)
    return found


def _in(package: str) -> list[str]:
    return [m for m in import_graph() if m == package or m.startswith(package + ".")]


def _imports_of(package: str, other: str) -> list[str]:
    """``module -> imported`` for each import of ``other``'s modules by ``package``'s."""
    targets = set(_in(other))
    return [f"{m} -> {d}" for m in _in(package) for d in sorted(import_graph()[m])
            if d in targets]


def test_the_graph_sees_lazy_imports() -> None:
    """Function-level imports count: the daemon's registry finds workers lazily."""
    assert "plutarc.daemon.live" in import_graph()["plutarc.daemon.runtime.registry"]
    assert "plutarc.daemon.paper" in import_graph()["plutarc.daemon.runtime.registry"]


def test_live_and_paper_workers_do_not_import_each_other() -> None:
    """What both use lives outside both (daemon/bot_strategy.py); paper bots on a real
    venue build on the live worker from daemon/paper_venue/, which neither imports."""
    assert _imports_of("plutarc.daemon.live", "plutarc.daemon.paper") == []
    assert _imports_of("plutarc.daemon.paper", "plutarc.daemon.live") == []
    for package in ("plutarc.daemon.live", "plutarc.daemon.paper"):
        assert _imports_of(package, "plutarc.daemon.paper_venue") == []


def test_the_bitmex_adapter_has_no_import_cycle() -> None:
    assert cycles(_in("plutarc.exchanges.bitmex")) == []


def test_no_module_is_over_400_lines() -> None:
    long = {str(path.relative_to(ROOT)): n for path, _ in _modules().values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split by concept (STYLE.md: never over {MAX_LINES} lines): {long}"
