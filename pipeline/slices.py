"""Work on a big frame a slice of rows at a time (no pipeline imports: any stage may use it)."""

from __future__ import annotations

from typing import Callable, TypeVar

import polars as pl

T = TypeVar("T", pl.DataFrame, pl.Series)


def parts(frame: pl.DataFrame, rows: int) -> list[pl.DataFrame]:
    """The frame's slices of ``rows`` rows, in order (views, not copies); the frame itself when it has
    no rows, so that work on it still makes its columns."""
    return list(frame.iter_slices(rows)) if frame.height else [frame]


def in_slices(frame: pl.DataFrame, rows: int, compute: Callable[[pl.DataFrame], T]) -> T:
    """compute(part) for each of the frame's parts, stacked in order: what compute makes on its way is
    held for one slice at a time, not the whole frame."""
    return pl.concat([compute(part) for part in parts(frame, rows)])


def select_in_slices(frame: pl.DataFrame, rows: int, *exprs: pl.Expr) -> pl.DataFrame:
    """frame.select(*exprs) on each of the frame's parts, the parts run on polars' threads at once (one
    select runs each expression on one thread): what the expressions make on their way is held for a
    few slices, not the whole frame."""
    return pl.concat(pl.collect_all([part.lazy().select(*exprs) for part in parts(frame, rows)]), rechunk=False)
