"""The module layout of pipeline/ (issue 11): no import cycle, and dependencies point backwards.

The graph is read from the source with ast: every ``from pipeline.X import ...``,
``from pipeline import X`` and ``import pipeline.X``, at module level or inside a function.
And no function is too big to read: radon grade C or better, at most 50 lines (radon: dev extra).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

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


# --------------------------------------------------------------------------- the size of a function

MAX_LINES = 50  # def to last line, docstring included: a function longer than this is split
WORST_GRADE = "C"  # radon's cyclomatic complexity grade: A (1-5) ... C (11-20); D (21-30) and worse are split


def _functions(blocks):
    """Every function and method radon found, nested ones too."""
    from radon.visitors import Class

    for block in blocks:
        if isinstance(block, Class):
            yield from _functions(block.methods)
        else:
            yield block
            yield from _functions(block.closures)


def too_big(modules) -> list[str]:
    """'module.function: grade (complexity), N lines' for each function past the limits above."""
    from radon.complexity import cc_rank, cc_visit

    found = []
    for module in modules:
        for fn in _functions(cc_visit((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
            lines = fn.endline - fn.lineno + 1
            if cc_rank(fn.complexity) > WORST_GRADE or lines > MAX_LINES:
                found.append(f"{module}.{fn.fullname}: {cc_rank(fn.complexity)} ({fn.complexity}), {lines} lines")
    return found


def test_no_function_is_complex_or_long():
    found = too_big(MODULES)
    assert not found, "\n".join(found)
