"""Same results before and after a change: score the same inputs with two revisions of ftscore
and compare the Ranking, Portfolio and Issues sheets of their workbooks cell by cell.

A script a developer runs, not a pytest test (its name does not start with test_):

    .venv/bin/python tests/compare_outputs.py BASE [OTHER]

BASE and OTHER are git revisions; OTHER defaults to the work tree as it is (uncommitted edits
included). A revision is checked out in a temporary `git worktree` (removed afterwards) and run as
`python -m pipeline` with this interpreter (the current .venv) from that checkout. The inputs:
the sample (samples/portfolio.xlsx), the federal 2024 and 2025 consolidated inventories (from
../shared/corpus/inventory beside the repository, with samples/us-federal-2024.toml) and the
bench's 10k portfolio (bench/generate.py, seed 42). An input that is not there is reported and
left out. Floats are equal within a relative tolerance of 1e-9. Exit 0 when every sheet is equal,
1 on a difference (the first few are shown), 2 when a run could not be made.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "inventory"
SHEETS = ("Ranking", "Portfolio", "Issues")
PRICE_DATE = "2026-01-01"  # the same catalog prices for both runs, whatever the day
REL_TOL = 1e-9
SHOWN = 5
FEDERAL_CONFIG = "samples/us-federal-2024.toml"


def inputs() -> list[tuple[str, Path, str | None]]:
    """(label, file, config relative to a checkout) for every input that is there."""
    found: list[tuple[str, Path, str | None]] = [("sample", REPO / "samples" / "portfolio.xlsx", None)]
    for label, name in (("federal 2024", "us_federal_2024_consolidated_ai_inventory_raw_v2.csv"),
                        ("federal 2025", "us_federal_2025_consolidated_ai_inventory.csv")):
        path = CORPUS / name
        if path.exists():
            found.append((label, path, FEDERAL_CONFIG))
        else:
            print(f"{label}: {path} not found, left out")
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate  # bench/generate.py: cached in bench/data/
    finally:
        sys.path.pop(0)
    found.append(("bench 10k", generate.ensure(10_000, 42, ("xlsx",))["xlsx"], None))
    return found


@contextmanager
def checkout(rev: str | None):
    """A folder holding the revision's files: the work tree itself for None."""
    if rev is None:
        yield REPO
        return
    folder = Path(tempfile.mkdtemp(prefix="ftscore-compare-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--quiet", "--detach", str(folder), rev], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)
        try:
            folder.parent.rmdir()
        except OSError:
            pass


def score(tree: Path, source: Path, config: str | None, out: Path) -> int:
    """Run that checkout's ftscore on source; its exit code (0 or 1 when a workbook is written)."""
    cmd = [sys.executable, "-m", "pipeline", "score", str(source), "-o", str(out), "--price-date", PRICE_DATE, "-q"]
    if config:
        cmd += ["--config", str(tree / config)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("FTSCORE_DEBUG", None)
    run = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.stderr.write(run.stderr)
    return run.returncode


def which_pipeline(tree: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = "import pipeline, pathlib; print(pathlib.Path(pipeline.__file__).resolve().parent)"
    return subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def sheet_rows(path: Path, sheet: str) -> list[tuple] | None:
    import warnings

    from openpyxl import load_workbook

    warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")  # our data bars' extension

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in book.sheetnames:
            return None
        return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
                and not isinstance(b, bool):
            if math.isnan(a) and math.isnan(b):
                return True
            return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0) or a == b
        return False
    return a == b and type(a) is type(b)


def compare(a: list[tuple] | None, b: list[tuple] | None) -> list[str]:
    """The differences between two sheets' values, as lines (cell: base != other)."""
    if a is None or b is None:
        return [] if a is b else [f"sheet {'missing in base' if a is None else 'missing in other'}"]
    from openpyxl.utils import get_column_letter

    found = []
    if len(a) != len(b):
        found.append(f"rows: {len(a)} != {len(b)}")
    for r, (row_a, row_b) in enumerate(zip(a, b), start=1):
        width = max(len(row_a), len(row_b))
        row_a, row_b = row_a + (None,) * (width - len(row_a)), row_b + (None,) * (width - len(row_b))
        for c, (x, y) in enumerate(zip(row_a, row_b), start=1):
            if not same(x, y):
                found.append(f"{get_column_letter(c)}{r}: {x!r} != {y!r}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="git revision to compare against, e.g. main or HEAD~1")
    parser.add_argument("other", nargs="?", default=None, help="git revision (default: the work tree as it is)")
    args = parser.parse_args()

    todo = inputs()
    differences = 0
    with ExitStack() as stack:
        trees = {"base": stack.enter_context(checkout(args.base)), "other": stack.enter_context(checkout(args.other))}
        for side, tree in trees.items():
            used = which_pipeline(tree)
            if Path(used) != (tree / "pipeline").resolve():
                print(f"{side}: python imports {used}, not {tree / 'pipeline'}", file=sys.stderr)
                return 2
        print(f"base: {args.base} ({trees['base']}); other: {args.other or 'work tree'} ({trees['other']})")
        out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ftscore-compare-out-")))
        for n, (label, source, config) in enumerate(todo):
            codes, books = {}, {}
            for side, tree in trees.items():
                books[side] = out / f"{n}-{side}.xlsx"
                codes[side] = score(tree, source, config, books[side])
                if codes[side] not in (0, 1):
                    print(f"{label}: the {side} run exited {codes[side]}, no workbook to compare")
                    return 2
            if codes["base"] != codes["other"]:
                differences += 1
                print(f"{label}: exit code {codes['base']} != {codes['other']}")
            for sheet in SHEETS:
                rows = sheet_rows(books["base"], sheet)
                found = compare(rows, sheet_rows(books["other"], sheet))
                size = f"{len(rows or [])} rows x {max((len(r) for r in rows or []), default=0)} columns"
                if found:
                    differences += 1
                    print(f"{label} / {sheet}: DIFFERENT, {len(found)} difference(s) ({size})")
                    for line in found[:SHOWN]:
                        print(f"    {line}")
                else:
                    print(f"{label} / {sheet}: equal ({size})")
    print("all equal" if not differences else f"{differences} sheet(s) or exit code(s) differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
