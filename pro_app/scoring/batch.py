"""Scoring many records at once: JSON objects (the command line) and CSV rows.

Pure standard library: callers pass open file objects and, if they want one, a
progress callback; nothing here prints or exits.  JSON inputs use exactly the
``input`` format of tests/data/scoring_vectors.json, and outputs the field names of
its ``expected`` (spec section 7).  CSV layouts are described in
README.md, section Scoring.
"""
import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .checks import round_half_up
from .criss import CORE_ITEMS, STEP1_EVENTS, CoreSet, Step1, acr_criss
from .errors import ScoringInputError
from .haq import HAQ_CATEGORIES, ITEM_CODES, score_haq_di
from .mrss import score_mrss
from .rcriss import THRESHOLDS, revised_criss

KINDS = ("haq-di", "mrss", "criss", "rcriss")
CSV_KINDS = ("haq-di", "criss", "rcriss")

# Keys of one JSON input object per kind: (required, optional).
_JSON_KEYS = {
    "haq-di": (("items",), ("aids", "help")),
    "mrss": (("sites",), ()),
    "criss": (("baseline", "followup", "step1"), ()),
    "rcriss": (("baseline", "followup", "step1"), ()),
}


def _check_record(kind: str, record: object, where: str) -> Mapping:
    required, optional = _JSON_KEYS[kind]
    allowed = required + optional
    if not isinstance(record, Mapping):
        raise ScoringInputError(where, f"must be a JSON object with {', '.join(allowed)}")
    prefix = "" if where == "input" else f"{where}."
    for key in record:
        if key not in allowed:
            raise ScoringInputError(f"{prefix}{key}", f"unknown field (expected {', '.join(allowed)})")
    for key in required:
        if key not in record:
            raise ScoringInputError(f"{prefix}{key}", "is required")
    return record


def score_record(kind: str, record: object, where: str = "input") -> dict:
    """Score one JSON input object of ``kind``; returns the result's ``to_dict()``."""
    if kind not in KINDS:
        raise ScoringInputError("kind", f"must be one of {', '.join(KINDS)}")
    record = _check_record(kind, record, where)
    try:
        if kind == "haq-di":
            return score_haq_di(record["items"], record.get("aids"), record.get("help")).to_dict()
        if kind == "mrss":
            return score_mrss(record["sites"]).to_dict()
        scorer = acr_criss if kind == "criss" else revised_criss
        return scorer(record["baseline"], record["followup"], record["step1"]).to_dict()
    except ScoringInputError as error:
        raise (error if where == "input" else error.within(where)) from None


def score_json(kind: str, data: object) -> dict | list:
    """An object gives one result; an array gives a list of results, in order.

    Errors inside an array name the element: ``[3].followup.pt_global: ...``.
    """
    if isinstance(data, list):
        return [score_record(kind, record, where=f"[{index}]") for index, record in enumerate(data)]
    if isinstance(data, Mapping):
        return score_record(kind, data)
    raise ScoringInputError("input", "must be a JSON object or an array of objects")


# --- CSV -------------------------------------------------------------------------

VISITS = ("baseline", "followup")
PAIR_COLUMNS = tuple(f"{visit}_{item}" for visit in VISITS for item in CORE_ITEMS) + STEP1_EVENTS
INPUT_COLUMNS = {
    "criss": PAIR_COLUMNS,
    "rcriss": PAIR_COLUMNS,
    "haq-di": ITEM_CODES + ("aids", "help"),
}
RESULT_COLUMNS = {
    "criss": ("criss", "linear_predictor", "step1_met", "improved", "computable", "missing"),
    "rcriss": ("step1_met", "computable") + tuple(f"responder_{x}" for x in THRESHOLDS) + ("missing",),
    "haq-di": ("haq_di", "haq_di_without_aids", "categories_answered")
              + tuple(f"cat_{category}" for category in HAQ_CATEGORIES),
}
ERROR_COLUMN = "error"

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@dataclass(frozen=True)
class CsvTable:
    header: tuple[str, ...]
    rows: list[list[str]]


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    scored: int
    errors: int

    def __str__(self) -> str:
        if not self.errors:
            return f"scored {self.scored} of {self.rows} rows"
        return (f"scored {self.scored} of {self.rows} rows; {self.errors} "
                f"row{'s' if self.errors != 1 else ''} with errors (see the '{ERROR_COLUMN}' column)")


def default_output_path(input_path: Path) -> Path:
    """``visits.csv`` -> ``visits.scored.csv`` in the same folder."""
    return input_path.with_name(f"{input_path.stem}.scored.csv")


def read_csv(infile: Iterable[str]) -> CsvTable:
    """Read a comma-separated file (first row = column names); blank lines are skipped."""
    reader = csv.reader(infile)
    header = next(reader, None)
    if not header:
        raise ScoringInputError("input", "the file is empty; the first row must hold the column names")
    return CsvTable(tuple(header), [row for row in reader if row])


def check_columns(kind: str, header: Iterable[str]) -> None:
    """Raise unless every input column is present once and no result column already is."""
    if kind not in CSV_KINDS:
        raise ScoringInputError("kind", f"must be one of {', '.join(CSV_KINDS)}")
    names = [name.strip() for name in header]
    absent = [column for column in INPUT_COLUMNS[kind] if column not in names]
    if absent:
        raise ScoringInputError("columns", f"missing required column(s): {', '.join(absent)}")
    doubled = sorted({column for column in INPUT_COLUMNS[kind] if names.count(column) > 1})
    if doubled:
        raise ScoringInputError("columns", f"column(s) given twice: {', '.join(doubled)}")
    # Writing a second 'criss' column beside an old one would leave two answers in the file.
    clashing = [column for column in RESULT_COLUMNS[kind] + (ERROR_COLUMN,) if column in names]
    if clashing:
        raise ScoringInputError("columns", f"the file already has result column(s): {', '.join(clashing)}")


def parse_number(text: str, column: str) -> int | float | None:
    """A CSV cell as a number; blank is missing.  Decimal commas are rejected, not guessed."""
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        raise ScoringInputError(column, f"must be a number, not '{text}'")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def parse_bool(text: str, column: str) -> bool | None:
    """1/0, true/false or yes/no (any case); blank is unanswered."""
    word = text.strip().lower()
    if not word:
        return None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ScoringInputError(column, f"must be 1/0, true/false or yes/no, not '{text.strip()}'")


def parse_codes(text: str) -> list[str]:
    """Semicolon-separated codes; blank is none."""
    return [code.strip() for code in text.split(";") if code.strip()]


def _format(value: object, places: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if places is not None:
        return f"{round_half_up(value, places):.{places}f}"
    return str(value)


def _core_set(cells: Mapping[str, str], visit: str) -> CoreSet:
    values = {item: parse_number(cells[f"{visit}_{item}"], f"{visit}_{item}") for item in CORE_ITEMS}
    try:
        return CoreSet(**values)
    except ScoringInputError as error:
        raise ScoringInputError(f"{visit}_{error.field}", error.problem) from None


def _missing_cell(missing) -> str:
    # Named by CSV column, so the user can find the blank cell.
    return "; ".join(
        f"{m.field if m.visit == 'step1' else f'{m.visit}_{m.field}'} ({m.provider})" for m in missing
    )


def score_cells(kind: str, cells: Mapping[str, str]) -> dict[str, str]:
    """Score one CSV row (column name -> cell text); returns the result columns as text."""
    if kind == "haq-di":
        items = {code: parse_number(cells[code], code) for code in ITEM_CODES}
        try:
            result = score_haq_di(items, parse_codes(cells["aids"]), parse_codes(cells["help"]))
        except ScoringInputError as error:
            raise ScoringInputError(error.field.removeprefix("items."), error.problem) from None
        row = {
            "haq_di": _format(result.haq_di, 3),
            "haq_di_without_aids": _format(result.haq_di_without_aids, 3),
            "categories_answered": _format(result.categories_answered),
        }
        row.update({f"cat_{c}": _format(score) for c, score in result.categories.items()})
        return row

    baseline = _core_set(cells, "baseline")
    followup = _core_set(cells, "followup")
    step1 = Step1(**{event: parse_bool(cells[event], event) for event in STEP1_EVENTS})
    if kind == "criss":
        result = acr_criss(baseline, followup, step1)
        return {
            "criss": _format(result.criss, 4),
            "linear_predictor": _format(result.linear_predictor, 4),
            "step1_met": _format(result.step1_met),
            "improved": _format(result.improved),
            "computable": _format(result.computable),
            "missing": _missing_cell(result.missing),
        }
    result = revised_criss(baseline, followup, step1)
    row = {"step1_met": _format(result.step1_met), "computable": _format(result.computable)}
    for x in THRESHOLDS:
        row[f"responder_{x}"] = _format(None if result.responder is None else result.responder[x])
    row["missing"] = _missing_cell(result.missing)
    return row


def score_table(
    kind: str,
    table: CsvTable,
    outfile: TextIO,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Write the input columns, unchanged, plus the result columns and ``error``.

    A bad row does not stop the file: its result columns are blank and ``error``
    reads ``row N: column: problem`` (N counts data rows from 1, header excluded).
    ``progress``, if given, is called with 1 after each row.
    """
    check_columns(kind, table.header)
    names = [name.strip() for name in table.header]
    result_columns = RESULT_COLUMNS[kind]
    writer = csv.writer(outfile)
    writer.writerow(list(table.header) + list(result_columns) + [ERROR_COLUMN])
    errors = 0
    for number, row in enumerate(table.rows, start=1):
        try:
            if len(row) != len(names):
                raise ScoringInputError(
                    "columns", f"has {len(row)} values but the header has {len(names)} columns"
                )
            results = score_cells(kind, dict(zip(names, row)))
            error = ""
        except ScoringInputError as problem:
            errors += 1
            results = {}
            error = f"row {number}: {problem}"
        # Padded or cut to the header's width so the result columns stay aligned; the
        # error says the row was the wrong length, and the input file is untouched.
        cells = (row + [""] * len(names))[: len(names)]
        writer.writerow(cells + [results.get(column, "") for column in result_columns] + [error])
        if progress is not None:
            progress(1)
    return BatchSummary(rows=len(table.rows), scored=len(table.rows) - errors, errors=errors)
