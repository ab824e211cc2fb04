"""No import circles between the project's modules, and metrics imports etl downward only.

Module-level imports are followed (``if TYPE_CHECKING:`` blocks are not: they never run). An
import inside a function is how the one intended upward step is made: a load refreshing KPI
values inside its transaction (``etl.write.store.kpi_layer`` imports ``metrics.materialise`` when
called), as ``docs/architecture.md`` says. Run this file to print any circle found.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("etl", "metrics", "charts", "demo", "ui", "reports", "app_pages", "benchmarks")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _names(item: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> set[str]:
    """The modules (and ``module.name`` candidates) one import statement brings in."""
    if isinstance(item, ast.Import):
        return {a.name for a in item.names}
    base = item.module or ""
    if item.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        here = here[: len(here) - item.level + 1]
        base = ".".join([*here, base] if base else here)
    return {base} | {f"{base}.{a.name}" for a in item.names}


def _top_level_imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        nodes = [node, *(ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [])]
        for item in nodes:
            if isinstance(item, (ast.Import, ast.ImportFrom)):
                found |= _names(item, name, is_package)
    return found


def _modules() -> dict[str, Path]:
    return {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    """Each project module -> the project modules it imports at module level."""
    modules = _modules()
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


def _anywhere(source: str, name: str, is_package: bool) -> set[str]:
    """Every module one module's source imports: at module level, under ``if TYPE_CHECKING:``
    and inside functions."""
    found: set[str] = set()
    for item in ast.walk(ast.parse(source)):
        if isinstance(item, (ast.Import, ast.ImportFrom)):
            found |= _names(item, name, is_package)
    return found


def package_graph() -> dict[str, set[str]]:
    """Each project module -> the modules of its own package (``etl``, ``metrics``...) it
    imports anywhere (``_anywhere``).

    Within a package an import made late is still a circle: the two modules cannot be
    understood, moved or tested one without the other (``etl`` had load -> annex_a -> reader
    -> xlsx -> formats -> ees -> load, closed by a call-time import). Across packages the
    intended call-time step up stays allowed (see ``CALL_TIME_UPWARD``).
    """
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        found = _anywhere(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        own = name.split(".")[0]
        graph[name] = {n for n in found if n in modules and n != name and n.split(".")[0] == own}
    return graph


def test_no_import_circles_inside_a_package() -> None:
    """No two modules of one package import each other, however late the import is made."""
    assert cycles(package_graph()) == []


def test_late_and_type_checking_imports_close_a_circle() -> None:
    """A call-time import and a type-checking one each count, as a circle inside a package."""
    late = "def f():\n    from etl.read.reader import x\n"
    typing_only = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from etl.write.load import y\n"
    )
    assert "etl.read.reader" in _anywhere(late, "etl.write.load", False)
    assert "etl.write.load" in _anywhere(typing_only, "etl.read.reader", False)
    graph = {"etl.write.load": {"etl.read.reader"}, "etl.read.reader": {"etl.write.load"}}
    assert cycles(graph) == [["etl.read.reader", "etl.write.load"]]


#: Layers, lowest first: etl; metrics; charts (figures and tables, no Streamlit); demo (writes
#: a fictional council's files and loads them through etl); reports and ui, side by side;
#: app_pages; benchmarks (drives everything).
LAYERS = ["etl", "metrics", "charts", "demo", "reports|ui", "app_pages", "benchmarks"]
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer.split("|")}

#: Imports made when a function runs that still reach up a layer, each with its reason. The
#: first is the one intended upward step; the other two read what metrics declares (a council
#: setting, the KPI ids) when called. A command line (``__main__``) is an entry point, like
#: app.py, and may use every layer.
CALL_TIME_UPWARD = {
    # a load refreshes the KPI values inside its own transaction (docs/architecture.md)
    ("etl.write.store", "metrics"),
    # the kept-file retention period is a council setting
    ("etl.write.retention", "metrics.config"),
    # an EES mapping that names an undeclared KPI is reported
    ("etl.sources.ees.convert", "metrics.declarations"),
    # a census's LEA is checked against the council's la_code
    ("etl.sources.census", "metrics.config"),
    # an SSD extract is read with the council's visiting timescales and job-title mapping
    ("etl.sources.ssd.settings", "metrics.config"),
    # an actions row (commentary) that names an undeclared KPI is refused
    ("etl.sources.actions", "metrics.declarations"),
}


def _upward(module: str, target: str) -> bool:
    low, high = module.split(".")[0], target.split(".")[0]
    return low != high and RANK[high] >= RANK[low]


def call_time_imports() -> set[tuple[str, str]]:
    """(module, imported module) for every import inside a function of a project module."""
    found = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            name = _module(path)
            for func in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.Import):
                        found |= {(name, a.name) for a in node.names}
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        found.add((name, node.module))
    return {(a, b) for a, b in found if b.split(".")[0] in RANK}


def test_no_module_imports_a_layer_above_it() -> None:
    """Nothing imports its own layer's neighbour or a layer above it when it is imported."""
    wrong = sorted(
        (a, b) for a, targets in import_graph().items() for b in targets if _upward(a, b)
    )
    assert wrong == []


def test_the_only_call_time_upward_imports_are_the_listed_ones() -> None:
    """The one intended upward step (``etl.write.store.kpi_layer``) and two reads of declarations;
    ``etl.write.load`` refreshes through ``kpi_layer`` rather than importing metrics itself."""
    upward = {
        (a, b) for a, b in call_time_imports() if _upward(a, b) and not a.endswith("__main__")
    }
    assert sorted(upward) == sorted(CALL_TIME_UPWARD)


if __name__ == "__main__":
    for group in cycles(import_graph()) + cycles(package_graph()):
        print(" <-> ".join(group))


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
