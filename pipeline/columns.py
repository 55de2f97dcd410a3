"""Headers -> canonical columns, and cell texts -> typed values.

Headers and answers are compared normalised: lower-case, "%" read as "pct",
every other character that is not a letter or digit dropped. Each cell is
parsed on its own, so one bad cell is one error on its own row, never a
failure of the whole column.
"""

from __future__ import annotations

import difflib
import json
import re


import polars as pl

from pipeline import issues
from pipeline.fields import CATEGORY_VOCAB, FIELDS
from pipeline.core import ROW, Column, Mapping, Table
from pipeline.read import VISIBLE, HeaderRules


NUMBERED = re.compile(r"\s*\d{1,3}\s*[_.):]\s*(?=[^\W\d_])")  # "2_", "16. ", "3) " before a word


NOT_ALNUM = re.compile(r"[\W_]+")  # \W is exactly "not str.isalnum()", plus "_"


def normalise(text: object) -> str:
    """'Monthly API Cost ($)' -> 'monthlyapicost'; '85%' -> '85pct'.

    >>> normalise("Monthly API Cost ($)"), normalise("monthly_api_cost"), normalise("85%")
    ('monthlyapicost', 'monthlyapicost', '85pct')
    >>> normalise("Coût mensuel"), normalise(None)
    ('coûtmensuel', '')
    """
    if text is None:
        return ""
    return NOT_ALNUM.sub("", str(text).lower().replace("%", "pct"))


def header_index(cfg: dict) -> dict[str, tuple[str, int]]:
    """normalised header -> (canonical field, rank); rank 0 = the canonical name itself."""
    index: dict[str, tuple[str, int]] = {}
    for name in FIELDS:
        index[normalise(name)] = (name, 0)
    for name, aliases in cfg["columns"]["aliases"].items():
        for alias in aliases:
            index.setdefault(normalise(alias), (name, 1))
    return index


def language_suffix(cfg: dict) -> re.Pattern | None:
    """A trailing language code set off from the header: "name_ai_system_en", "Description (FR)"."""
    codes = [c for c in cfg["columns"].get("language_suffixes", []) if c]
    if not codes:
        return None
    return re.compile(rf"[\s_.\-/(\[]+(?:{'|'.join(map(re.escape, codes))})[)\]]?\s*$", re.IGNORECASE)


def _lookup(index: dict[str, tuple[str, int]], header: object, suffix: re.Pattern | None = None
            ) -> tuple[str, int] | None:
    if header is None:
        return None
    text = str(header)
    hit = index.get(normalise(text))
    if hit is None and "\n" in text.strip():
        first = text.strip().splitlines()[0]
        hit = index.get(normalise(first))
        if hit is not None:
            hit = (hit[0], hit[1] + 2)
    if hit is None and (numbered := NUMBERED.match(text)):
        # questionnaire exports number their columns: "2_use_case_name", "16. Dev stage"
        hit = index.get(normalise(text[numbered.end():]))
        if hit is not None:
            hit = (hit[0], hit[1] + 4)
    if hit is None and suffix is not None and (found := suffix.search(text.strip())) and found.start() > 0:
        # bilingual registers: "name_ai_system_en" beside "name_ai_system_fr"
        inner = _lookup(index, text.strip()[:found.start()])
        if inner is not None:
            hit = (inner[0], inner[1] + 6)
    return hit


KINDS = {0: "canonical name", 1: "alias", 2: "first line, canonical name", 3: "first line, alias",
         4: "after its number, canonical name", 5: "after its number, alias",
         6: "without its language code, canonical name", 7: "without its language code, alias"}


def suggest_use_case(cells: list[object], cfg: dict, limit: int = 3) -> list[str]:
    """The header texts most like a use case name column (difflib against its names), best first.

    Cells that already name another known column, cells without a letter and texts longer than a
    header (over 50 characters: titles, sentences) are left out.
    """
    index = header_index(cfg)
    suffix = language_suffix(cfg)
    names = [normalise(n) for n in ["use_case", *cfg["columns"]["aliases"].get("use_case", [])]]
    scored: dict[str, float] = {}
    for cell in cells:
        if cell is None:
            continue
        text = " ".join(str(cell).split())
        key = normalise(text)
        if (not key or len(text) > 50 or not any(ch.isalpha() for ch in text) or key.isdigit() or text in scored
                or _lookup(index, text, suffix)):
            continue
        scored[text] = max(difflib.SequenceMatcher(None, key, n).ratio() for n in names)
    return sorted(scored, key=lambda t: -scored[t])[:limit]


def alias_line(field: str, header: str) -> str:
    """A ready-to-paste config line mapping one header (TOML's dotted key: one line, at the top of a file).

    >>> alias_line("use_case", "Nom du système")
    'columns.aliases.use_case = ["Nom du système"]'
    """
    return f"columns.aliases.{field} = [{json.dumps(header, ensure_ascii=False)}]"


def header_scorer(cfg: dict) -> HeaderRules:
    index = header_index(cfg)
    suffix = language_suffix(cfg)

    # cell text -> hit, once per distinct text: the rows searched repeat their values, and a wide
    # input has tens of thousands of cells in them.
    seen: dict[object, tuple[str, int] | None] = {None: None}
    unseen = object()

    def score(cells: list[str | None]) -> tuple[int, bool]:
        fields = set()
        for cell in cells:
            hit = seen.get(cell, unseen)
            if hit is unseen:
                hit = seen[cell] = _lookup(index, cell, suffix)
            if hit is not None:
                fields.add(hit[0])
        return len(fields), "use_case" in fields

    return HeaderRules(
        score,
        label_words=frozenset(normalise(w) for w in cfg["input"].get("label_words", [])),
        suggest=lambda cells: suggest_use_case(cells, cfg),
        alias_line=lambda header: alias_line("use_case", header),
    )


def _normalised(text: pl.Expr) -> pl.Expr:
    """normalise() as an expression."""
    return text.str.to_lowercase().str.replace_all("%", "pct", literal=True).str.replace_all(r"[^\p{L}\p{N}]", "")


def header_like_rows(table: Table, mapping: Mapping, cfg: dict) -> pl.DataFrame:
    """Data rows that repeat a header (ROW): the cell in the use case name column is a known header
    name, and so is at least one more cell of the row. Such a row is a second header row pasted into
    the data (or a richer header further down), not a use case.

    The cell is first compared as written (trimmed, lower-case) with this file's headers and the
    shipped and configured names, a cheap test on every row; only the rows that pass are compared
    normalised (at 1M rows the normalising alone takes a second).
    """
    col = mapping.fields.get("use_case")
    frame = table.frame
    if col is None or frame.schema[col.name] != pl.String or not frame.height:
        return frame.select(ROW).clear()
    index = header_index(cfg)
    written = {c.header.strip().lower() for c in table.columns}
    for name in FIELDS:
        written |= {name, name.replace("_", " ")}
    for aliases in cfg["columns"]["aliases"].values():
        written |= {a.strip().lower() for a in aliases}
    near = pl.col(col.name).str.strip_chars().str.to_lowercase().is_in(sorted(written)).fill_null(False)
    candidates = frame.filter(near)
    if not candidates.height:
        return frame.select(ROW).clear()
    keys = pl.Series(list(index), dtype=pl.String).implode()
    candidates = candidates.filter(_normalised(pl.col(col.name)).is_in(keys).fill_null(False))
    texts = [c.name for c in table.columns if candidates.schema[c.name] == pl.String]
    known = pl.sum_horizontal([_normalised(pl.col(c)).is_in(keys).fill_null(False).cast(pl.Int32) for c in texts])
    return candidates.filter(known >= 2).select(ROW)


def map_columns(table: Table, cfg: dict) -> Mapping:
    index = header_index(cfg)
    suffix = language_suffix(cfg)
    best: dict[str, tuple[int, int, Column]] = {}
    hits: dict[str, tuple[str, int]] = {}
    for pos, col in enumerate(table.columns):
        hit = _lookup(index, col.header, suffix)
        if hit is None:
            continue
        hits[col.name] = hit
        name, rank = hit
        if name not in best or (rank, pos) < best[name][:2]:
            best[name] = (rank, pos, col)
    fields = {name: col for name, (_, _, col) in best.items()}
    used = {c.name for c in fields.values()}
    mapping = Mapping(fields)
    kinds = KINDS
    for col in table.columns:
        if col.name in used:
            name, rank = hits[col.name]
            mapping.how[col.name] = f"{name} ({kinds.get(rank, 'without its language code')})"
        elif col.name in hits:
            name = hits[col.name][0]
            mapping.how[col.name] = f"not used: {name} is already column {fields[name].letter}"
            mapping.notes.append(
                f"column {col.letter} '{col.header}' also matches {name}; "
                f"column {fields[name].letter} '{fields[name].header}' is used"
            )
        else:
            mapping.how[col.name] = "carried through (no matching column)"
    return mapping


# ---------------------------------------------------------------- value parsing
def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A cell as text the way Excel shows it: the whole number 10.0 as "10"."""
    if dtype.is_float():
        whole = (expr == expr.round(0)) & (expr.abs() < 2**53)
        return pl.when(whole).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(expr.cast(pl.String))
    return expr.cast(pl.String)


NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
SUFFIX = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9}


def _squeezed(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"[\s,_]", "")


def parse_amount(text: pl.Expr, currency: bool) -> pl.Expr:
    """'$12,500', '12500', '12.5k', '1.2M' -> float; anything else -> null.

    >>> cells = pl.DataFrame({"cell": ["$12,500", "12500", "12.5k", "1.2M", "USD 900", "-$5", "1e999", "twelve"]})
    >>> cells.select(parse_amount(pl.col("cell"), currency=True)).to_series().to_list()
    [12500.0, 12500.0, 12500.0, 1200000.0, 900.0, -5.0, None, None]
    >>> cells.select(parse_amount(pl.col("cell"), currency=False)).to_series().to_list()[:4]
    [None, 12500.0, 12500.0, 1200000.0]
    """
    s = _squeezed(text)
    if currency:
        s = s.str.replace(r"^usd|usd$", "").str.replace(r"^([+-]?)\$", "$1")
    parts = s.str.extract_groups(rf"^({NUM})(k|mn|m|bn|b)?$")
    number = parts.struct[0].cast(pl.Float64, strict=False)
    mult = parts.struct[1].replace_strict(SUFFIX, default=1.0, return_dtype=pl.Float64)
    value = number * mult
    return pl.when(value.is_finite()).then(value)  # "1e999" is not an amount


def parse_rate(text: pl.Expr) -> pl.Expr:
    """'85%', '0.85', '85' -> 0.85 (a bare number above 1 is read as percent).

    >>> cells = pl.DataFrame({"cell": ["85%", "0.85", "85", "1", "0.5 %", "high"]})
    >>> cells.select(parse_rate(pl.col("cell"))).to_series().to_list()
    [0.85, 0.85, 0.85, 1.0, 0.005, None]
    """
    s = _squeezed(text)
    parts = s.str.extract_groups(rf"^({NUM})(%)?$")
    number = parts.struct[0].cast(pl.Float64, strict=False)
    pct = parts.struct[1].is_not_null()
    return pl.when(pct | (number.abs() > 1)).then(number / 100).otherwise(number)


def parse_seconds(text: pl.Expr) -> pl.Expr:
    """'5', '5s', '5 sec', '500ms', '2 min' -> seconds.

    >>> cells = pl.DataFrame({"cell": ["5", "5s", "5 sec", "500ms", "2 min", "fast"]})
    >>> cells.select(parse_seconds(pl.col("cell"))).to_series().to_list()
    [5.0, 5.0, 5.0, 0.5, 120.0, None]
    """
    s = _squeezed(text)
    parts = s.str.extract_groups(rf"^({NUM})(ms|s|sec|secs|seconds?|min|mins|minutes?)?$")
    number = parts.struct[0].cast(pl.Float64, strict=False)
    unit = parts.struct[1]
    scale = (
        pl.when(unit == "ms").then(0.001)
        .when(unit.str.starts_with("min")).then(60.0)
        .otherwise(1.0)
    )
    return number * scale


# Option prefixes of survey-style answers: "a) No", "2. Yes", "(b) Both".
OPTION_PREFIX = r"^\s*\(?(?:[a-z]|\d{1,2})[).]\s+"


def answer_key(text: object) -> str:
    """How answers are compared: option prefix dropped, then normalised like headers.

    >>> answer_key("a) Rights-Impacting"), answer_key("2. Yes"), answer_key("(b) No - PHI")
    ('rightsimpacting', 'yes', 'nophi')
    """
    import re

    return normalise(re.sub(OPTION_PREFIX, "", str(text).lower()))


def _answer_key(text: pl.Expr) -> pl.Expr:
    return (
        text.str.to_lowercase()
        .str.replace(OPTION_PREFIX, "")
        .str.replace_all("%", "pct", literal=True)
        .str.replace_all(r"[^\p{L}\p{N}]", "")
    )


def flag_lookup(cfg: dict, name: str) -> dict[str, bool]:
    """normalised answer -> True/False for one yes/no column (config values.<column>.yes/no)."""
    lookup = {answer_key(w): True for w in cfg["input"]["true_words"]}
    lookup.update({answer_key(w): False for w in cfg["input"]["false_words"]})
    for level, answers in cfg["values"].get(name, {}).items():
        for answer in answers:
            lookup[answer_key(answer)] = level == "yes"
    return lookup


def parse_flag(text: pl.Expr, cfg: dict, name: str) -> pl.Expr:
    return _answer_key(text).replace_strict(flag_lookup(cfg, name), default=None, return_dtype=pl.Boolean)


def category_lookup(cfg: dict, name: str) -> dict[str, str]:
    """normalised answer -> canonical level, for one category column."""
    section, key = CATEGORY_VOCAB[name]
    levels = cfg[section][key]
    lookup = {answer_key(level): level for level in levels}
    for level, answers in cfg["values"].get(name, {}).items():
        for answer in answers:
            lookup[answer_key(answer)] = level
    return lookup


PROBLEM = {
    "money": "not an amount in USD (e.g. 12500, $12,500 or 12.5k)",
    "count": "not a number (e.g. 100000, 100,000 or 100k)",
    "rate": "not a rate (e.g. 0.85, 85% or 85)",
    "change": "not a yearly change (e.g. 10%, 0.1 or -20%)",
    "flag": "not a yes/no answer",
    "score": "not a score (a number from 0 to 10)",
    "seconds": "not a duration in seconds (e.g. 5, 5s or 500ms)",
}


def _parse(kind: str, text: pl.Expr, cfg: dict, name: str) -> pl.Expr:
    if kind == "money":
        return parse_amount(text, currency=True)
    if kind in ("count", "score"):
        return parse_amount(text, currency=False)
    if kind in ("rate", "change"):
        return parse_rate(text)
    if kind == "seconds":
        return parse_seconds(text)
    if kind == "flag":
        return parse_flag(text, cfg, name)
    if kind == "category":
        lookup = category_lookup(cfg, name)
        norm = _answer_key(text)
        # An unknown answer is kept as written; the schema check reports it.
        return norm.replace_strict(lookup, default=text.str.strip_chars().str.to_lowercase(), return_dtype=pl.String)
    return text.str.strip_chars()


NUMERIC = ("money", "count", "score", "rate", "change", "seconds")


def _parse_column(kind: str, text: pl.Series, cfg: dict, name: str) -> pl.Series:
    """One column of cell texts -> typed values (null where a text cannot be read).

    Plain numbers take a fast cast; only the other cells ("$12,500", "85%", "12.5k") go
    through the pattern rules. Yes/no and category answers are mapped once per distinct text.
    """
    if kind in NUMERIC:
        plain = text.str.replace_all(",", "", literal=True)
        if kind == "money":
            plain = plain.str.replace_all("$", "", literal=True)
        if kind in ("rate", "change"):
            pct = plain.str.ends_with("%")
            number = plain.str.strip_suffix("%").str.strip_chars().cast(pl.Float64, strict=False)
            value = pl.when(pct | (number.abs() > 1)).then(number / 100).otherwise(number)
        else:
            value = plain.cast(pl.Float64, strict=False)
        fast = pl.select(pl.when(value.is_finite()).then(value)).to_series()
        need = fast.is_null() & text.is_not_null()
        if need.any():
            where = need.arg_true()
            rest = pl.DataFrame({"t": text.gather(where).rechunk()})
            slow = rest.select(_parse(kind, pl.col("t"), cfg, name).cast(pl.Float64)).to_series()
            slow = pl.select(pl.when(slow.is_finite()).then(slow)).to_series()  # "1e400%" is no rate
            fast = fast.scatter(where, slow)
        return fast
    if kind in ("flag", "category"):
        distinct = text.drop_nulls().unique().rechunk()
        mapped = pl.DataFrame({"t": distinct}).select(_parse(kind, pl.col("t"), cfg, name).cast(DTYPE[kind])).to_series()
        lookup = dict(zip(distinct.to_list(), mapped.to_list()))
        return text.replace_strict(lookup, default=None, return_dtype=DTYPE[kind])
    return text.str.strip_chars()


DTYPE = {
    "text": pl.String, "category": pl.String, "money": pl.Float64, "count": pl.Float64,
    "rate": pl.Float64, "change": pl.Float64, "flag": pl.Boolean, "score": pl.Float64,
    "seconds": pl.Float64,
}


# Text fields whose cells are the user's text even when they read "Null", "NA", "N/A", "None"
# or "-" (a use case named "Null", a unit called "NA"); input.missing applies to every other
# field, where the column's meaning gives those words one (a number, a yes/no, a level, a
# model name, a list of regulations: not given).
KEEP_NULL_WORDS = {name for name, spec in FIELDS.items() if spec.keeps_null_words}

# Numbers written as text, read with a decimal mark (see README, "Numbers with a decimal comma").
NUMBER_RUN = r"(?s)^(?<pre>[^0-9.,]*)(?<run>[0-9.,]*[0-9])(?<post>.*)$"  # "$", "1.234,56", " USD"
POINT_OK = r"^(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?$"  # 1,234.56  12.5  .5  0.880
COMMA_OK = r"^(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]*)(?:,[0-9]+)?$"  # 1.234,56  12,5  ,5  0,880
MARK_NAME = {".": "point", ",": "comma"}


def _readings(text: pl.Series, row: pl.Series, marks: tuple[str, ...] = (".", ",")) -> pl.DataFrame:
    """The cells holding one of marks: how their number reads with each mark (valid or not, value).

    Columns: i (position in the column), ROW, t (the text), pre, run, post, .ok, ,ok, ".", ",".
    """
    where = text.str.contains_any(list(marks)).fill_null(False)
    idx = where.arg_true()
    cells = pl.DataFrame({"i": idx, ROW: row.gather(idx), "t": text.gather(idx)})
    return (
        cells.with_columns(pl.col("t").str.extract_groups(NUMBER_RUN).alias("g")).unnest("g")
        .filter(pl.col("run").is_not_null())
        .with_columns(
            pl.col("run").str.contains(POINT_OK).alias(".ok"),
            pl.col("run").str.contains(COMMA_OK).alias(",ok"),
            pl.col("run").str.replace_all(",", "", literal=True).alias("."),
            pl.col("run").str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True).alias(","),
        )
    )


def _ambiguous(mark: str, alt: str, contradicted: bool) -> pl.Expr:
    """A reading (see _readings) is ambiguous when only the other mark reads it, or when the numbers
    overruled the delimiter (contradicted) and both marks read it, with different values."""
    value_m = pl.col(mark).cast(pl.Float64, strict=False)
    value_a = pl.col(alt).cast(pl.Float64, strict=False)
    return ((~pl.col(f"{mark}ok") & pl.col(f"{alt}ok")) | (
        pl.lit(contradicted) & pl.col(f"{mark}ok") & pl.col(f"{alt}ok") & (value_m != value_a))).fill_null(False)


def _ambiguity_problem(mark: str, hint: str, contradicted: bool) -> pl.Expr:
    """The error of an ambiguous cell: both readings, the mark the file is read with, and the way out."""
    shown = {m: as_text(pl.col(m).cast(pl.Float64, strict=False), pl.Float64).fill_null("no number")
             for m in (".", ",")}
    return pl.format(
        "ambiguous number: {} with a decimal point, or {} with a decimal comma; numbers in this file are "
        f"read with a decimal {MARK_NAME[mark]}"
        + (f" (its numbers use one, though its delimiter suggests a decimal {MARK_NAME[hint]})"
           if contradicted else "")
        + "; write the number without a thousands separator, or give --decimal",
        shown["."], shown[","])


def _decimal_marks(table: Table, text_frame: pl.DataFrame, names: list[str]
                   ) -> tuple[pl.DataFrame, list[tuple[str, pl.DataFrame]]]:
    """Numbers written as text, rewritten with a decimal point; (frame, [(field, ambiguous cells)]).

    The mark is the user's (--decimal) or suggested by the delimiter (table.decimal: "," in a
    ;-delimited file). Unless the user chose it, the numbers of a ;-file may overrule the comma:
    when some can only be read with a decimal point (0.85) and none only with a comma, the
    point is used. A cell is ambiguous (an error naming both readings, never a guess) when only
    the other mark reads it (1,5 read with a point), or when the numbers overruled the
    delimiter and both marks read it, with different values (12.500).
    """
    row = text_frame.get_column(ROW)
    hint = table.decimal
    other = "," if hint == "." else "."

    def read(marks: tuple[str, ...]) -> dict[str, pl.DataFrame]:
        return {n: r for n in names if (r := _readings(text_frame.get_column(n), row, marks)).height}

    def some(mark: str) -> bool:  # some number only this mark can read
        return any(r.select((pl.col(f"{mark}ok") & ~pl.col(f"{'.' if mark == ',' else ','}ok")).any()).item()
                   for r in cells.values())

    # With a decimal point only cells holding a comma read otherwise (1,5): the others are not
    # looked at (most files: none, and no cost).
    cells = read((",",) if hint == "." else (".", ","))
    if not cells:
        return text_frame, []
    contradicted = not table.decimal_given and hint == "," and some(other) and not some(hint)
    mark = other if contradicted else hint
    alt = "," if mark == "." else "."
    found, rewrites = [], []
    for n, r in cells.items():
        r = r.with_columns(_ambiguous(mark, alt, contradicted).alias("__ambiguous"))
        bad = r.filter("__ambiguous")
        if bad.height:
            problem = _ambiguity_problem(mark, hint, contradicted)
            found.append((n, bad.select(ROW, pl.col("t").alias("__text"), problem.alias("__problem"))))
        new = r.select(pl.when("__ambiguous").then(None).when(pl.col(f"{mark}ok"))
                       .then(pl.col("pre") + pl.col(mark) + pl.col("post")).otherwise(pl.col("t"))).to_series()
        rewrites.append(text_frame.get_column(n).scatter(r.get_column("i"), new))
    return text_frame.with_columns(rewrites), found


def parse(table: Table, mapping: Mapping, cfg: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The canonical frame (every field of FIELDS, typed; ROW kept) and the cells that failed to parse."""
    missing = [m.lower() for m in cfg["input"]["missing"]]
    frame = table.frame
    schema = frame.schema  # once: each lookup costs O(columns)
    texts = {}
    for name, col in mapping.fields.items():
        t = as_text(pl.col(col.name), schema[col.name]).str.strip_chars()
        if name in KEEP_NULL_WORDS:  # text of invisible characters only (a zero-width space) is no text
            texts[name] = pl.when(t.str.contains(VISIBLE)).then(t)
        else:
            texts[name] = pl.when(t.is_null() | t.str.to_lowercase().is_in(missing)).then(None).otherwise(t)
    text_frame = frame.select(pl.col(ROW), *[expr.alias(name) for name, expr in texts.items()])
    # Numbers the user wrote as text are read with the file's decimal mark; typed numbers are numbers.
    written = [name for name, col in mapping.fields.items()
               if FIELDS[name].kind in NUMERIC and frame.schema[col.name] == pl.String]
    text_frame, ambiguous = _decimal_marks(table, text_frame, written)

    columns = [text_frame.get_column(ROW)]
    for name, spec in FIELDS.items():
        if name in mapping.fields:
            columns.append(_parse_column(spec.kind, text_frame.get_column(name), cfg, name).alias(name))
    # A field the input lacks is a constant empty column: held as one value, not one per row
    # (at 1M rows, ~20 such columns took 8 MB each, in every copy of the frame).
    parsed = pl.DataFrame(columns).with_columns(
        pl.lit(None, DTYPE[spec.kind]).alias(name) for name, spec in FIELDS.items() if name not in mapping.fields
    ).select(ROW, *FIELDS)

    failures = [issues.for_cells(table, bad, mapping.fields[name], pl.col("__problem"), value=pl.col("__text"))
                for name, bad in ambiguous]
    for name, col in mapping.fields.items():
        kind = FIELDS[name].kind
        if kind in ("text", "category"):
            continue
        bad = parsed.select(ROW, pl.col(name).alias("__parsed")).with_columns(
            text_frame.get_column(name).alias("__text")
        ).filter(pl.col("__text").is_not_null() & pl.col("__parsed").is_null())
        if bad.height:
            failures.append(issues.for_cells(table, bad, col, PROBLEM[kind], value=pl.col("__text")))

    # Prices per 1M tokens become prices per 1K where no per-1K price is given.
    parsed = parsed.with_columns(
        pl.coalesce("input_price_per_1k", pl.col("input_price_per_1m") / 1000).alias("input_price_per_1k"),
        pl.coalesce("output_price_per_1k", pl.col("output_price_per_1m") / 1000).alias("output_price_per_1k"),
        pl.coalesce("cached_input_price_per_1k", pl.col("cached_input_price_per_1m") / 1000).alias(
            "cached_input_price_per_1k"
        ),
        pl.col("industry").str.to_lowercase(),
    )
    return parsed, issues.combine(failures)
