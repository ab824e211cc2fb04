"""No import circles between the project's modules, and metrics imports etl downward only.

Module-level imports are followed (``if TYPE_CHECKING:`` blocks are not: they never run). An
import inside a function is how the one intended upward step is made: a load refreshing KPI
values inside its transaction (``etl.store.kpi_layer`` imports ``metrics.materialise`` when
called), as ``docs/architecture.md`` says. Run this file to print any circle found.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("etl", "metrics", "ui", "reports", "app_pages")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        nodes = [node, *(ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [])]
        for item in nodes:
            if isinstance(item, ast.Import):
                found |= {a.name for a in item.names}
            elif isinstance(item, ast.ImportFrom):
                base = item.module or ""
                if item.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - item.level + 1]
                    base = ".".join([*here, base] if base else here)
                found.add(base)
                found |= {f"{base}.{a.name}" for a in item.names}
    return found


def import_graph() -> dict[str, set[str]]:
    """Each project module -> the project modules it imports at module level."""
    paths = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {_module(p): p for p in paths}
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _top_level_imports(tree, name, path.name == "__init__.py")
        graph[name] = {n for n in names if n in modules and n != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


#: Module-level imports that still point up a layer, each with its reason. The list may only
#: shrink: a new upward import fails the test below.
KNOWN_UPWARD = {
    # the demo generators write a council from the council settings; the settings belong in
    # a layer of their own under etl and metrics
    ("etl.demo", "metrics.config"),
    ("etl.demo_practice", "metrics.config"),
    # the packs draw the page charts; the chart builders belong below ui
    ("reports.content", "ui"),
    ("reports.content", "ui.charts"),
}


def test_no_module_imports_a_layer_above_it() -> None:
    """The layers: etl <- metrics <- reports, ui <- app_pages; nothing imports upward when
    it is imported (a load's refresh of KPI values is a call-time import, ``store.kpi_layer``)."""
    upward = {
        "etl": ("metrics", "ui", "reports", "app_pages"),
        "metrics": ("ui", "reports", "app_pages"),
        "reports": ("ui", "app_pages"),
    }
    wrong = sorted(
        (a, b)
        for a, targets in import_graph().items()
        for b in targets
        if b.split(".")[0] in upward.get(a.split(".")[0], ())
    )
    assert sorted(set(wrong) - KNOWN_UPWARD) == []


if __name__ == "__main__":
    graph = import_graph()
    for group in cycles(graph):
        print(" <-> ".join(group))


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
