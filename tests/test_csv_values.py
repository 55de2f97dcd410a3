"""Text files read record for record, and values read as the user wrote them (issue 10, points A and B).

Every test writes a real file, runs the CLI and reads the workbook back with openpyxl.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import openpyxl
import pytest

from conftest import by_id, run_cli, sheet_rows

HEADER = "ID,Use Case,Monthly API Cost"


def raw(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def errors(out: Path) -> dict[str, dict]:
    return {i["Cell"]: i for i in sheet_rows(out, "Issues") if i["Severity"] == "error"}


def notes(out: Path) -> list[str]:
    return [i["Problem"] for i in sheet_rows(out, "Issues") if i["Row"] is None]


# ------------------------------------------------------------------ line endings
def test_a_lone_cr_ends_a_row(tmp: Path) -> None:
    lines = [f"U{i},case {i},{1000 + i}" for i in range(1, 51)]
    text = HEADER + "\n" + "\n".join(lines[:40]) + "\r" + "\n".join(lines[40:]) + "\n"
    src = raw(tmp / "cr.csv", text)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "scored 50 of 50 use cases" in run.stderr
    portfolio = sheet_rows(out, "Portfolio")
    assert [r["ID"] for r in portfolio] == [f"U{i}" for i in range(1, 51)]
    assert [r["Source row"] for r in portfolio] == list(range(2, 52))


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_the_delimiter_is_sniffed_whatever_the_line_ends(tmp: Path, ending: str) -> None:
    src = raw(tmp / "s.csv", ending.join(["ID;Use Case;Monthly API Cost", "D1;eins;1.234,56", "D2;zwei;12.500", ""]))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert [by_id(out)[k]["Monthly API cost"] for k in ("D1", "D2")] == pytest.approx([1234.56, 12500])


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "mixed"])
def test_every_line_ending_and_line_breaks_inside_quotes(tmp: Path, ending: str) -> None:
    rows = [HEADER + ",Description", 'U1,one,100,"first\rline"', 'U2,two,200,"second\r\nline"',
            'U3,three,300,"third\nline"', "U4,four,400,plain"]
    if ending == "mixed":
        text = rows[0] + "\r\n" + rows[1] + "\r" + rows[2] + "\n" + rows[3] + "\r" + rows[4] + "\r\n"
    else:
        text = ending.join(rows) + ending
    src = raw(tmp / "e.csv", text)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "scored 4 of 4 use cases" in run.stderr
    portfolio = sheet_rows(out, "Portfolio")
    assert [r["ID"] for r in portfolio] == ["U1", "U2", "U3", "U4"]
    # xlsxwriter stores a CR as _x000D_, which Excel shows as a CR and openpyxl leaves as it is
    descriptions = [r["Description"].replace("_x000D_", "\r") for r in portfolio]
    assert descriptions == ["first\rline", "second\r\nline", "third\nline", "plain"]
    assert [r["Source row"] for r in portfolio] == [2, 3, 4, 5]
    assert [r["Monthly API Cost"] for r in portfolio] == [100, 200, 300, 400]


# ------------------------------------------------------------------ long ids
def test_ids_a_float_cannot_hold_stay_text(tmp: Path) -> None:
    ids = ["12345678901234567", "12345678901234568", "1234567890123456789"]
    src = raw(tmp / "ids.csv", "ID,Use Case,Monthly API Cost\n" + "".join(f"{i},case {n},100\n" for n, i in enumerate(ids)))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert [r["ID"] for r in sheet_rows(out, "Portfolio")] == ids
    assert set(by_id(out)) == set(ids)


def test_a_long_number_column_stays_text_on_portfolio(tmp: Path) -> None:
    src = raw(tmp / "n.csv", "Use Case,Account\na,1234567890123456\nb,98765432109876543\n")
    out = tmp / "o.xlsx"
    assert run_cli("score", src, "-o", out).code == 0
    assert [r["Account"] for r in sheet_rows(out, "Portfolio")] == ["1234567890123456", "98765432109876543"]


# ------------------------------------------------------------------ decimal comma
def test_semicolon_file_reads_a_decimal_comma(tmp: Path) -> None:
    src = raw(tmp / "de.csv", "ID;Use Case;Monthly API Cost;Current accuracy\n"
                              "D1;eins;1.234,56;85,5%\nD2;zwei;12.500;0,9\nD3;drei;1,5;90\n")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    ranking = by_id(out)
    assert ranking["D1"]["Monthly API cost"] == pytest.approx(1234.56)
    assert ranking["D2"]["Monthly API cost"] == pytest.approx(12500)
    assert ranking["D3"]["Monthly API cost"] == pytest.approx(1.5)
    assert not errors(out)
    # Portfolio shows the user's cells as written: "12.500" is never turned into the number 12.5
    ws = openpyxl.load_workbook(out, read_only=True)["Portfolio"]
    rows = list(ws.iter_rows(values_only=True))
    cost = rows[0].index("Monthly API Cost")
    assert [r[cost] for r in rows[1:4]] == ["1.234,56", "12.500", "1,5"]


def test_decimal_point_flags_a_comma_it_cannot_place(tmp: Path) -> None:
    src = raw(tmp / "us.csv", 'ID,Use Case,Monthly API Cost\nU1,one,"1,234.56"\nU2,two,"1,5"\nU3,three,"12,500"\n')
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    ranking = by_id(out)
    assert ranking["U1"]["Monthly API cost"] == pytest.approx(1234.56)
    assert ranking["U3"]["Monthly API cost"] == pytest.approx(12500)
    assert "U2" not in ranking
    bad = errors(out)
    assert set(bad) == {"C3"}
    assert bad["C3"]["Value"] == "1,5"
    assert "1.5" in bad["C3"]["Problem"] and "15" in bad["C3"]["Problem"]

    # alone in its file, 1,5 is no more certain: a comma-delimited file reads a decimal point
    src = raw(tmp / "one.csv", 'ID,Use Case,Monthly API Cost\nU1,one,100\nU2,two,"1,5"\n')
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    assert set(errors(out)) == {"C3"} and set(by_id(out)) == {"U1"}


@pytest.mark.parametrize("how", ["option", "config", "env"])
def test_decimal_comma_can_be_asked_for(tmp: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    src = raw(tmp / "tab.tsv", "ID\tUse Case\tMonthly API Cost\nT1\tone\t1.234,56\nT2\ttwo\t12.500\nT3\tthree\t1,5\n")
    out = tmp / "o.xlsx"
    args = ["score", src, "-o", out]
    if how == "option":
        args += ["--decimal", ","]
    elif how == "config":
        cfg = tmp / "c.toml"
        cfg.write_text('[input]\ndecimal = ","\n')
        args += ["--config", cfg]
    else:
        monkeypatch.setenv("FTSCORE_SCORE_DECIMAL", ",")
    run = run_cli(*args)
    assert run.code == 0, run.stderr
    ranking = by_id(out)
    assert [ranking[k]["Monthly API cost"] for k in ("T1", "T2", "T3")] == pytest.approx([1234.56, 12500, 1.5])


def test_explicit_decimal_point_in_a_semicolon_file(tmp: Path) -> None:
    src = raw(tmp / "p.csv", "ID;Use Case;Monthly API Cost\nP1;one;12.5\nP2;two;1,5\n")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out, "--decimal", ".")
    assert run.code == 1, run.stderr
    assert by_id(out)["P1"]["Monthly API cost"] == pytest.approx(12.5)
    assert set(errors(out)) == {"C3"}


def test_semicolon_file_whose_numbers_use_a_point(tmp: Path) -> None:
    """The numbers contradict the delimiter: 0.85 is read, 12.500 could be either and is flagged."""
    src = raw(tmp / "mix.csv", "ID;Use Case;Monthly API Cost;Current accuracy\n"
                               "M1;one;2000;0.85\nM2;two;12.500;0.9\nM3;three;1.5;0.7\n")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    ranking = by_id(out)
    assert ranking["M1"]["Monthly API cost"] == pytest.approx(2000)
    assert ranking["M3"]["Monthly API cost"] == pytest.approx(1.5)
    bad = errors(out)
    assert set(bad) == {"C3"}
    assert "12.5" in bad["C3"]["Problem"] and "12500" in bad["C3"]["Problem"]


def test_bad_decimal_option_and_config(tmp: Path) -> None:
    src = raw(tmp / "x.csv", "Use Case\na\n")
    assert run_cli("score", src, "-o", tmp / "o.xlsx", "--decimal", "x").code == 2
    cfg = tmp / "c.toml"
    cfg.write_text('[input]\ndecimal = "x"\n')
    run = run_cli("score", src, "-o", tmp / "o.xlsx", "--config", cfg)
    assert run.code == 2 and "input.decimal" in run.stderr


# ------------------------------------------------------------------ blank rows
def test_a_row_of_invisible_characters_is_blank(tmp: Path) -> None:
    invisible = ["\u200b", "\u200c\u200d", "\ufeff", "\u00a0", "\u2003\u3000", "\u2060"]
    text = HEADER + "\nU1,one,100\n" + "".join(f"{c},{c},\n" for c in invisible) + "U2,two,200\n"
    src = raw(tmp / "zw.csv", text)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "scored 2 of 2 use cases" in run.stderr
    assert [r["Source row"] for r in sheet_rows(out, "Portfolio")] == [2, 3 + len(invisible)]


def test_a_name_of_invisible_characters_is_no_name(tmp: Path) -> None:
    src = raw(tmp / "zwname.csv", HEADER + "\nU1,\u200b\u00a0,100\nU2,two,200\n")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    assert set(errors(out)) == {"B2"} and "missing" in errors(out)["B2"]["Problem"]


# ------------------------------------------------------------------ null words
def test_null_words_in_text_columns_are_the_users_text(tmp: Path) -> None:
    src = raw(tmp / "nw.csv", "ID,Use Case,Business Unit,Owner,Monthly API Cost,Contains PII,Regulations\n"
                              "N1,Null,NA,N/A,n/a,n/a,null\nN2,None,-,null,2000,no,GDPR\n")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    ranking = by_id(out)
    assert ranking["N1"]["Use case"] == "Null" and ranking["N1"]["Business unit"] == "NA"
    assert ranking["N2"]["Use case"] == "None" and ranking["N2"]["Business unit"] == "-"
    assert ranking["N1"]["Monthly API cost"] is None  # "n/a" in a number column: not given
    assert ranking["N1"]["Privacy score"] == 0 and ranking["N2"]["Privacy score"] == 10  # "null": no regulation
    portfolio = {r["ID"]: r for r in sheet_rows(out, "Portfolio")}
    assert (portfolio["N1"]["Use Case"], portfolio["N1"]["Business Unit"], portfolio["N1"]["Owner"]) == ("Null", "NA", "N/A")


# ------------------------------------------------------------------ truncated last row
@pytest.mark.parametrize("ending", ["\n", "\r", "\r\n"])
def test_a_cut_off_last_row_is_an_error_whatever_the_line_ends(tmp: Path, ending: str) -> None:
    """The tester's file: "5000" cut to "50" by a write that stopped mid-row."""
    src = raw(tmp / "cut.csv", ending.join(["ID,Use Case,Monthly API Cost,Owner", 'U1,"one",100,ann', 'U2,"two",50']))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    assert set(by_id(out)) == {"U1"}
    issue = next(i for i in sheet_rows(out, "Issues") if i["Severity"] == "error")
    assert issue["Row"] == 3 and "cut off" in issue["Problem"]


def test_a_short_row_with_a_line_end_is_the_users(tmp: Path) -> None:
    src = raw(tmp / "short.csv", "ID,Use Case,Monthly API Cost,Owner\nU1,one,100\nU2,two,50,bo")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert set(by_id(out)) == {"U1", "U2"}


def test_a_last_row_as_wide_as_the_named_headers_is_whole(tmp: Path) -> None:
    """A trailing empty header cell (a stray delimiter) does not make the last row look cut off."""
    src = raw(tmp / "wide.csv", "ID,Use Case,Monthly API Cost,\nU1,one,100,\nU2,two,50")
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert set(by_id(out)) == {"U1", "U2"}


# ------------------------------------------------------------------ encodings
def test_utf8_with_a_few_bad_bytes_keeps_utf8_and_says_where(tmp: Path) -> None:
    data = "ID,Use Case,Monthly API Cost\nU1,Café,100\nU2,Zürich ".encode() + b"\xff\xfe" + b",200\n"
    src = raw(tmp / "bad.csv", data)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "utf-8" in run.stderr
    names = {r["ID"]: r["Use Case"] for r in sheet_rows(out, "Portfolio")}
    assert names["U1"] == "Café" and names["U2"].startswith("Zürich ")
    note = next(n for n in notes(out) if "byte" in n)
    offset = data.index(b"\xff")
    assert f"{offset}" in note and "line 3" in note and "FF FE" in note.upper() and "utf-8" in note.lower()


def test_windows_1252_stays_windows_1252(tmp: Path) -> None:
    src = raw(tmp / "w.csv", "ID,Use Case,Monthly API Cost\nU1,Café,100\n".encode("cp1252"))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0 and "windows-1252" in run.stderr
    assert sheet_rows(out, "Portfolio")[0]["Use Case"] == "Café"


def test_a_byte_windows_1252_does_not_define_is_named(tmp: Path) -> None:
    data = "ID,Use Case\nU1,Café\nU2,two".encode("cp1252") + b"\x81" + b"\n"
    src = raw(tmp / "w.csv", data)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0 and "windows-1252" in run.stderr
    note = next(n for n in notes(out) if "byte" in n)
    offset = data.index(b"\x81")
    assert f"byte {offset} (line 3" in note and ": 81" in note and "Windows-1252" in note


def test_excel_unicode_text_export_is_read(tmp: Path) -> None:
    """Excel's "Unicode text": tab-separated UTF-16LE with a BOM, CRLF line ends."""
    text = "ID\tUse Case\tMonthly API Cost\r\nU1\tÜbersetzung\t1200\r\nU2\t翻訳\t900\r\n"
    src = raw(tmp / "unicode.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "utf-16" in run.stderr
    ranking = by_id(out)
    assert ranking["U1"]["Use case"] == "Übersetzung" and ranking["U2"]["Use case"] == "翻訳"
    assert ranking["U1"]["Monthly API cost"] == pytest.approx(1200)
    run = run_cli("score", src, "-o", tmp / "o2.xlsx", "--encoding", "utf-16")
    assert run.code == 0, run.stderr


@pytest.mark.parametrize("codec,bom,given", [("utf-16-be", b"\xfe\xff", None), ("utf-16-le", b"", "utf-16-le"),
                                             ("utf-16-be", b"", "utf-16-be")])
def test_utf16_other_shapes(tmp: Path, codec: str, bom: bytes, given: str | None) -> None:
    src = raw(tmp / "u.csv", bom + "ID,Use Case\nU1,Ärger\n".encode(codec))
    out = tmp / "o.xlsx"
    args = ["score", src, "-o", out] + (["--encoding", given] if given else [])
    run = run_cli(*args)
    assert run.code == 0, run.stderr
    assert by_id(out)["U1"]["Use case"] == "Ärger"


def test_utf16_without_bom_is_named_not_called_binary(tmp: Path) -> None:
    src = raw(tmp / "u.csv", "ID,Use Case\nU1,one\n".encode("utf-16-le"))
    run = run_cli("score", src, "-o", tmp / "o.xlsx")
    assert run.code == 3 and "--encoding utf-16-le" in run.stderr


# ------------------------------------------------------------------ parser messages
def test_a_field_over_the_csv_module_limit_is_read(tmp: Path) -> None:
    long = "x" * 300_000
    src = raw(tmp / "long.csv", f'ID,Use Case,Description\nU1,one,"{long}"\nU2,two,short\n')
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "field limit" not in run.stderr


def test_an_unclosed_quote_is_one_plain_sentence(tmp: Path) -> None:
    src = raw(tmp / "q.csv", 'ID,Use Case\nU1,one\nU2,"two\nU3,three\n')
    run = run_cli("score", src, "-o", tmp / "o.xlsx")
    assert run.code == 3
    line = run.stderr.strip().splitlines()[-1]
    assert str(src) in line and "row 3" in line and "quote" in line
    assert "could not parse" not in run.stderr and "dtype" not in run.stderr


# ------------------------------------------------------------------ accounting
def test_accounting_counts_the_records_of_the_file(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import read

    text = "Title\r\n\r\nID,Use Case\r\nU1,\"a\rb\"\rU2,two\r\n\u200b,\r\nU3,three"
    src = raw(tmp / "acc.csv", text)
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert [r["Source row"] for r in sheet_rows(out, "Portfolio")] == [4, 5, 7]

    real = read._read_text

    def lose_a_row(*args, **kwargs):
        table = real(*args, **kwargs)
        table.frame = table.frame.head(table.frame.height - 1)
        return table

    monkeypatch.setattr(read, "_read_text", lose_a_row)
    out2 = tmp / "o2.xlsx"
    run = run_cli("score", src, "-o", out2)
    assert run.code == 4
    assert not out2.exists()


def test_the_record_count_is_the_csv_modules() -> None:
    """The count that checks the reader, on many small texts mixing quotes, delimiters and line ends."""
    import csv
    import io
    import random

    from pipeline.read import _count_records

    rng = random.Random(10)
    pieces = ['"', '""', ",", ";", "\r", "\n", "\r\n", "a", "b", " ", "1.5"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        sep = rng.choice(",;")
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                continue  # a quote never closed: a plain error, tested above
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))  # text after a closing quote
        last = None if text.endswith(("\n", "\r")) or not records else records[-1]
        assert _count_records(Path("t.csv"), text, sep) == (len(records), last), repr(text)
