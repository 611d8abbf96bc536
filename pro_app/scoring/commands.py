"""``flask score criss|rcriss|haq-di FILE.csv``: score a CSV file of patients.

A plain click group, so that it runs with or without the app; the app registers it
with ``app.cli.add_command(score)``.  The scoring itself is in ``batch.py``; this
module only opens files, shows progress and sets the exit status: 0 when every row
scored, 1 when some rows had errors (see their ``error`` column), 2 when the file
could not be scored at all.
"""
import csv
import sys
from pathlib import Path

import click

from .batch import check_columns, default_output_path, read_csv, score_table
from .errors import ScoringInputError

PROGRESS_ABOVE_ROWS = 1000

score = click.Group("score", help="Score a CSV file: ACR-CRISS, revised CRISS or HAQ-DI.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _run(kind: str, file: Path, output: Path | None) -> None:
    output = output or default_output_path(file)
    if str(output) != "-" and output.resolve() == file.resolve():
        _fail("--output: would overwrite the input file")
    try:
        # utf-8-sig: spreadsheet programs often start a UTF-8 CSV with a byte-order mark.
        with file.open(newline="", encoding="utf-8-sig") as infile:
            table = read_csv(infile)
        check_columns(kind, table.header)
    except ScoringInputError as error:
        _fail(f"{file}: {error}")
    except (UnicodeDecodeError, csv.Error) as error:
        _fail(f"{file}: cannot read as a UTF-8 CSV file ({error})")

    to_stdout = str(output) == "-"
    try:
        outfile = sys.stdout if to_stdout else output.open("w", encoding="utf-8", newline="")
    except OSError as error:
        _fail(f"{output}: cannot write: {error.strerror}")
    try:
        summary = _score_with_progress(kind, table, outfile)
    finally:
        if not to_stdout:
            outfile.close()
    where = "standard output" if to_stdout else str(output)
    click.echo(f"{kind}: {summary}; wrote {where}", err=True)
    raise SystemExit(0 if summary.errors == 0 else 1)


def _score_with_progress(kind: str, table, outfile):
    if len(table.rows) > PROGRESS_ABOVE_ROWS or sys.stderr.isatty():
        with click.progressbar(length=len(table.rows), label=f"Scoring {kind}", file=sys.stderr) as bar:
            return score_table(kind, table, outfile, progress=bar.update)
    return score_table(kind, table, outfile)


def _csv_command(kind: str, summary: str) -> None:
    @score.command(kind, help=f"{summary}\n\nFILE is a CSV file; the result columns are added to a copy "
                              "of it (default: FILE's name with .scored.csv).")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                  help="Where to write the scored CSV ('-' for standard output).")
    def command(file: Path, output: Path | None) -> None:
        _run(kind, file, output)


_csv_command("criss", "ACR-CRISS for each baseline/follow-up pair.")
_csv_command("rcriss", "Revised CRISS responder status at 20-60 % for each baseline/follow-up pair.")
_csv_command("haq-di", "HAQ-DI for each questionnaire.")
