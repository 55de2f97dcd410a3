"""Write docs/cli.md from the commands' own --help, so the reference cannot drift from the code.

Run: make docs   (tests/test_workbook.py fails when docs/cli.md is out of date)
"""

from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli

COMMANDS = ["score", "validate", "columns", "explain", "template"]
HERE = Path(__file__).resolve().parent


def render() -> str:
    runner = CliRunner()
    parts = ["# ftscore command reference", "", "Generated from `--help` by `make docs`; do not edit by hand.", ""]
    for name, args in [("ftscore", ["--help"])] + [(f"ftscore {c}", [c, "--help"]) for c in COMMANDS]:
        result = runner.invoke(cli, args, prog_name="ftscore", terminal_width=100)
        parts += [f"## {name}", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    (HERE / "cli.md").write_text(render())
    print(f"wrote {HERE / 'cli.md'}")
