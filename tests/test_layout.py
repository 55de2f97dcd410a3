"""The module layout of pipeline/ (issue 11): no import cycle, and dependencies point backwards.

The graph is read from the source with ast: every ``from pipeline.X import ...``,
``from pipeline import X`` and ``import pipeline.X``, at module level or inside a function.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pipeline

PACKAGE = Path(pipeline.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]))

# The modules that orchestrate: only these may import the run, the job or the command line.
ORCHESTRATORS = {"__main__", "cli", "jobs"}
ORCHESTRATED = {"cli", "jobs", "run"}
# Readers and writers share only the core (and lower modules): never each other.
READERS = {"read", "guard"}
WRITERS = {"workbook", "export", "explain", "template"}


def imports_of(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "pipeline":
                found.update(a.name for a in node.names if a.name in MODULES)
            elif node.module.startswith("pipeline."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("pipeline."))
    found.discard(module)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_imports():
    for name in MODULES:
        if name != "__main__":
            importlib.import_module(f"pipeline.{name}")


def test_graph_sees_the_imports():
    # a guard on the parser above: known edges, module-level and inside a function
    assert "core" in GRAPH["read"] and "guard" in GRAPH["read"]  # guard: imported inside read_table
    assert "run" in GRAPH["jobs"] and "cli" in GRAPH["__main__"]


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in MODULES:
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycle():
    cycle = _cycle()
    assert cycle is None, " -> ".join(cycle)


def test_only_orchestrators_import_the_run():
    wrong = {m: sorted(GRAPH[m] & ORCHESTRATED) for m in MODULES if m not in ORCHESTRATORS and GRAPH[m] & ORCHESTRATED}
    assert not wrong, wrong


def test_readers_and_writers_do_not_import_each_other():
    wrong = {m: sorted(GRAPH[m] & (WRITERS if m in READERS else READERS | WRITERS) - {m}) for m in sorted(READERS | WRITERS)}
    wrong = {m: found for m, found in wrong.items() if found and not (m in READERS and found == ["guard"])}
    assert not wrong, wrong  # read hands the bytes to guard first: the one reader that imports another


def test_core_depends_on_no_stage():
    assert GRAPH["core"] <= {"fields", "money", "config", "errors"}, GRAPH["core"]


# ---------------------------------------------------------------- the tests' own layout (issue 11)
TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another():
    """Shared helpers live in conftest.py or a helpers_*.py module, never in a test_*.py."""
    wrong = {}
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found = [n for n in names if n.split(".")[0].startswith("test_") or n.startswith("tests.test_")]
            if found:
                wrong.setdefault(path.name, []).extend(found)
    assert not wrong, wrong
