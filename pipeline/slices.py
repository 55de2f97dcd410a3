"""Work on a big frame a slice of rows at a time (no pipeline imports: any stage may use it)."""

from __future__ import annotations

from typing import Callable, TypeVar

import polars as pl

T = TypeVar("T", pl.DataFrame, pl.Series)


def in_slices(frame: pl.DataFrame, rows: int, compute: Callable[[pl.DataFrame], T]) -> T:
    """compute(part) for each slice of ``rows`` rows of the frame, stacked in order (compute(frame) for an
    empty one): what compute makes on its way is held for one slice at a time, not the whole frame."""
    return pl.concat([compute(part) for part in frame.iter_slices(rows)] or [compute(frame)])


def select_in_slices(frame: pl.DataFrame, rows: int, *exprs: pl.Expr) -> pl.DataFrame:
    """frame.select(*exprs) a slice of ``rows`` rows at a time, the slices run on polars' threads at
    once (one select runs each expression on one thread): what the expressions make on their way is
    held for a few slices, not the whole frame."""
    lazy = frame.lazy()
    plans = [lazy.slice(start, rows).select(*exprs) for start in range(0, frame.height, rows)]
    return pl.concat(pl.collect_all(plans or [lazy.select(*exprs)]), rechunk=False)
