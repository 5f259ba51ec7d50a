"""The package's house: no import circles, renderers below the orchestrator, engine data
immutable, the import name.

The import graph is read from the source (every ``import`` and ``from ... import`` statement,
those inside functions included; those under ``if TYPE_CHECKING:`` excepted), not from what
Python happens to have imported, so a circle hidden in a function body is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "coverage" / "adcov"
PACKAGE = "adcov"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules that ``path`` imports, anywhere in its body."""
    name = _module_name(path)
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        # The longest package module that is a prefix of the dotted target.
        parts = target.split(".")
        for n in range(len(parts), 0, -1):
            cand = ".".join(parts[:n])
            if cand in modules:
                return cand
        return None

    def visit(node):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                hit = resolve(alias.name)
                if hit:
                    found.add(hit)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                hit = resolve(f"{target}.{alias.name}") if alias.name != "*" else None
                hit = hit or resolve(target)
                if hit:
                    found.add(hit)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    # A package's own __init__ runs before any of its modules; importing a module of a package
    # is not an import of the package's other modules.
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    modules = {_module_name(p) for p in files}
    return {_module_name(p): _imports(p, modules) for p in files}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_graph_is_read(graph):
    # A sanity check on the reader itself: known edges are there.
    assert "adcov.overlay" in graph["adcov.pipeline"]
    assert "adcov.stats" in graph["adcov.analysis"]
    assert "adcov.render.maps" in graph["adcov.analysis"]  # inside Result.map()
    assert "adcov.models.engagement" in graph["adcov.models"]


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle(graph):
    assert _cycles(graph) == []


@pytest.mark.parametrize("renderer", ["adcov.render.maps", "adcov.render.export",
                                      "adcov.render.tables", "adcov.render.plots",
                                      "adcov.render.style", "adcov.render.records",
                                      "adcov.render.optimize_map"])
def test_renderers_never_call_back_into_the_orchestrator(graph, renderer):
    """Maps, exports, tables and plots take a result; they import neither the orchestrator nor
    the pipeline (directly or through another module)."""
    seen, todo = set(), [renderer]
    while todo:
        m = todo.pop()
        for dep in graph[m]:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    assert not seen & {"adcov.analysis", "adcov.pipeline", "adcov.profile", "adcov.cli"}, seen


def test_results_hold_no_engine():
    """A result holds data: its fields are the scenario, zones, frame and per-altitude pieces,
    all frozen dataclasses, and nothing that computes."""
    import dataclasses

    from adcov import Scenario, analyze
    from adcov.overlay import Cover, Frame

    res = analyze(Scenario.builtin("belarus-2021"))
    assert dataclasses.is_dataclass(res) and res.__dataclass_params__.frozen
    for st in res.altitude_stats:
        assert st.__dataclass_params__.frozen and isinstance(st.cover, Cover)
        assert st.cover.__dataclass_params__.frozen
    assert isinstance(res.frame, Frame) and res.frame.__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.cell_m = 1.0
    # The engine's arrays cannot be written to.
    cover = res.altitude_stats[0].cover
    with pytest.raises(ValueError):
        cover.n_full[0] = 99
    with pytest.raises(ValueError):
        res.frame.region.piece_area[0] = 0.0


def test_the_import_name_is_adcov_inside_coverage():
    """The card's top-level coverage/ folder is the source root; the package is adcov."""
    import adcov

    assert Path(adcov.__file__).resolve() == PACKAGE_DIR / "__init__.py"
    assert not (PACKAGE_DIR.parent / "__init__.py").exists()
