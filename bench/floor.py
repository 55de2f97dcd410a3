"""The floor: the least any tool must do to turn an input into a workbook the size of ftscore's.

Reads INPUT with ftscore's reader (polars.read_csv for text, fastexcel for spreadsheets) and
writes the same sheets as ftscore's workbook, each with the same number of rows and the same
number of filled cells in every column, with ftscore's writer (xlsxwriter, constant_memory):
one plain write_row per row, one format per column created once, nothing checked, scored or
annotated. The cells hold the input's values: column j of a sheet takes input column
j mod (input columns), its blanks left out and its values repeated as often as needed, and
fills the top of the column (row 1 is its header).

    python bench/floor.py INPUT OUTPUT '{"Summary": [30, [28, 26, 15]], ...}'

SHAPES is JSON: sheet name -> [rows including the header row, filled cells per column]. Prints
the seconds spent reading and writing and the cells written, as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import polars as pl
import xlsxwriter


def read(path: Path) -> pl.DataFrame:
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return pl.read_csv(path, infer_schema_length=None)
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet(0, schema_sample_rows=None, dtype_coercion="coerce")
    return pl.from_arrow(sheet.to_arrow())


def sheet_cells(frame: pl.DataFrame, rows: int, filled: list[int]) -> pl.DataFrame:
    """rows - 1 data rows; column j has filled[j] - 1 values at the top (its header is the other)."""
    sources = [frame[name].drop_nulls() for name in frame.columns]
    columns = []
    for j, count in enumerate(filled):
        values = sources[j % len(sources)]
        n = max(count - 1, 0) if not values.is_empty() else 0
        picked = values.gather(pl.int_range(n, eager=True) % max(values.len(), 1))
        columns.append(picked.alias(str(j)).extend_constant(None, max(rows - 1 - n, 0)))
    return pl.DataFrame(columns)


def write(frame: pl.DataFrame, output: Path, shapes: dict[str, list]) -> int:
    # use_zip64 as ftscore's streamed workbooks: a 1M-row sheet passes the 4 GB a plain ZIP member holds
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
               "strings_to_urls": False, "use_zip64": True}
    with xlsxwriter.Workbook(output, options) as wb:
        header = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
        formats = [wb.add_format({"num_format": "#,##0.00"} if dtype.is_numeric() else {"align": "left"})
                   for dtype in frame.dtypes]
        for name, (rows, filled) in shapes.items():
            ws = wb.add_worksheet(name)
            source = [j % frame.width for j in range(len(filled))]
            for j, k in enumerate(source):
                ws.set_column(j, j, 14, formats[k])
            ws.write_row(0, 0, [frame.columns[k] if filled[j] else None for j, k in enumerate(source)], header)
            for r, values in enumerate(sheet_cells(frame, rows, filled).iter_rows(), start=1):
                ws.write_row(r, 0, values)
    return sum(sum(filled) for _, filled in shapes.values())


def main() -> None:
    source, output, shapes = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
    t0 = time.perf_counter()
    frame = read(source)
    t1 = time.perf_counter()
    cells = write(frame, output, shapes)
    t2 = time.perf_counter()
    print(json.dumps({"timings": {"read": round(t1 - t0, 3), "write": round(t2 - t1, 3)}, "cells": cells}))


if __name__ == "__main__":
    main()
