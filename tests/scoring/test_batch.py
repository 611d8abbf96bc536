"""CSV batch scoring (pure, file objects in and out) and JSON record scoring."""
import csv
import io
from pathlib import Path

import pytest

from pro_app.scoring import CoreSet, Step1, acr_criss
from pro_app.scoring.batch import (
    INPUT_COLUMNS,
    RESULT_COLUMNS,
    default_output_path,
    parse_bool,
    read_csv,
    score_json,
    score_table,
)
from pro_app.scoring.errors import ScoringInputError
from tests.scoring.scoring_helpers import load_vectors

PAIR_HEADER = ["patient_id", *INPUT_COLUMNS["criss"], "notes"]


def pair_row(patient_id, baseline, followup, step1, notes="") -> list[str]:
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    core = [cell(visit.get(item)) for visit in (baseline, followup)
            for item in ("mrss", "fvc_pct", "pt_global", "md_global", "haq_di")]
    events = [cell(step1.get(e)) for e in ("renal_crisis", "fvc_decline", "lv_failure", "pah")]
    return [patient_id, *core, *events, notes]


def to_text(header, *rows) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


def run(kind, text: io.StringIO, progress=None):
    out = io.StringIO()
    summary = score_table(kind, read_csv(text), out, progress=progress)
    out.seek(0)
    return summary, list(csv.DictReader(out))


def test_every_criss_vector_scores_the_same_through_csv_as_through_the_api():
    vectors = load_vectors()["criss"]
    rows = [pair_row(v["id"], v["input"]["baseline"], v["input"]["followup"], v["input"]["step1"]) for v in vectors]

    summary, scored = run("criss", to_text(PAIR_HEADER, *rows))

    assert summary.errors == 0 and summary.rows == len(vectors)
    for vector, row in zip(vectors, scored):
        expected = vector["expected"]
        if expected["criss"] is None:
            assert row["criss"] == "", vector["id"]
        else:
            assert abs(float(row["criss"]) - expected["criss"]) <= 0.001, vector["id"]
        assert row["computable"] == str(expected["computable"]).lower()


def test_every_rcriss_vector_scores_the_same_through_csv():
    vectors = load_vectors()["rcriss"]
    rows = [pair_row(v["id"], v["input"]["baseline"], v["input"]["followup"], v["input"]["step1"]) for v in vectors]

    _, scored = run("rcriss", to_text(PAIR_HEADER, *rows))

    for vector, row in zip(vectors, scored):
        for x, responder in vector["expected"]["responder"].items():
            assert row[f"responder_{x}"] == str(responder).lower(), (vector["id"], x)


def test_other_columns_pass_through_unchanged_and_results_are_appended():
    base = {"mrss": 24, "fvc_pct": 70.0, "pt_global": 6, "md_global": 6, "haq_di": 1.5}
    row = pair_row("P-01", base, base, {"renal_crisis": False, "fvc_decline": False, "lv_failure": False,
                                        "pah": False}, notes='said "fine", then left')

    _, scored = run("criss", to_text(PAIR_HEADER, row))

    assert list(scored[0]) == PAIR_HEADER + list(RESULT_COLUMNS["criss"]) + ["error"]
    assert scored[0]["notes"] == 'said "fine", then left'
    assert scored[0]["baseline_fvc_pct"] == "70.0"
    assert scored[0]["linear_predictor"] == "-5.5400"


def test_blank_cells_are_missing_values_named_by_column():
    base = {"mrss": 24, "fvc_pct": 70.0, "pt_global": 6, "md_global": 6, "haq_di": 1.5}
    row = pair_row("P", base, {**base, "haq_di": None}, {"renal_crisis": False, "fvc_decline": False,
                                                         "lv_failure": False, "pah": None})

    summary, scored = run("criss", to_text(PAIR_HEADER, row))

    assert summary.errors == 0
    assert scored[0]["computable"] == "false"
    assert scored[0]["criss"] == ""
    assert scored[0]["missing"] == "followup_haq_di (patient); pah (clinician)"


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("YES", True), (" true ", True), ("0", False),
                                                ("No", False), ("false", False), ("", None)])
def test_booleans_read_as_one_zero_true_false_yes_no(text, expected):
    assert parse_bool(text, "pah") is expected


@pytest.mark.parametrize(
    ("column", "text", "error"),
    [
        ("baseline_fvc_pct", "70,5", "row 1: baseline_fvc_pct: must be a number, not '70,5'"),
        ("followup_pt_global", "11", "row 1: followup_pt_global: must be between 0 and 10"),
        ("pah", "maybe", "row 1: pah: must be 1/0, true/false or yes/no, not 'maybe'"),
        ("baseline_mrss", "nan", "row 1: baseline_mrss: must be a number, not 'nan'"),
    ],
)
def test_a_bad_cell_blanks_that_row_and_names_row_column_and_problem(column, text, error):
    good = pair_row("P", {"mrss": 1, "fvc_pct": 70, "pt_global": 1, "md_global": 1, "haq_di": 1},
                    {"mrss": 1, "fvc_pct": 70, "pt_global": 1, "md_global": 1, "haq_di": 1},
                    {"renal_crisis": 0, "fvc_decline": 0, "lv_failure": 0, "pah": 0})
    bad = list(good)
    bad[PAIR_HEADER.index(column)] = text

    summary, scored = run("rcriss", to_text(PAIR_HEADER, bad, good))

    assert (summary.rows, summary.scored, summary.errors) == (2, 1, 1)
    assert scored[0]["error"] == error
    assert all(scored[0][column] == "" for column in RESULT_COLUMNS["rcriss"])
    assert scored[1]["error"] == "" and scored[1]["computable"] == "true"


def test_a_row_with_too_few_values_is_an_error_not_a_guess():
    _, scored = run("criss", to_text(PAIR_HEADER, ["P", "24", "70"]))

    assert scored[0]["error"] == "row 1: columns: has 3 values but the header has 16 columns"


def test_haq_di_rows_read_items_aids_and_help():
    header = ["id", *INPUT_COLUMNS["haq-di"]]
    items = ["1"] * 17 + ["", "", ""]  # the last three items (activities) unanswered
    row = ["Q1", *items, "cane; other", "dressing"]

    summary, scored = run("haq-di", to_text(header, row))

    assert summary.errors == 0
    result = scored[0]
    assert result["cat_walking"] == "2" and result["cat_dressing"] == "2"
    assert result["cat_activities"] == ""
    assert result["categories_answered"] == "7"
    assert result["haq_di"] == "1.286"  # (1*5 + 2*2) / 7
    assert result["haq_di_without_aids"] == "1.000"


def test_haq_di_row_errors_name_the_item_column():
    header = ["id", *INPUT_COLUMNS["haq-di"]]

    _, scored = run("haq-di", to_text(header, ["Q1", "4", *[""] * 19, "", ""], ["Q2", *[""] * 20, "scooter", ""]))

    assert scored[0]["error"] == "row 1: dress: must be between 0 and 3"
    assert scored[1]["error"] == "row 2: aids: unknown aid code 'scooter'"


def test_progress_callback_is_called_once_per_row():
    calls = []
    base = {"mrss": 1, "fvc_pct": 70, "pt_global": 1, "md_global": 1, "haq_di": 1}
    rows = [pair_row(str(n), base, base, {}) for n in range(5)]

    run("criss", to_text(PAIR_HEADER, *rows), progress=calls.append)

    assert calls == [1] * 5


def test_a_file_that_already_has_result_columns_is_refused():
    with pytest.raises(ScoringInputError, match=r"^columns: the file already has result column\(s\): criss"):
        run("criss", to_text(PAIR_HEADER + ["criss"]))


def test_an_empty_file_is_refused():
    with pytest.raises(ScoringInputError, match=r"^input: the file is empty"):
        read_csv(io.StringIO(""))


def test_default_output_sits_next_to_the_input():
    assert default_output_path(Path("/data/visits.csv")) == Path("/data/visits.scored.csv")


def test_json_array_errors_are_prefixed_with_the_element_index():
    good = {"baseline": {}, "followup": {}, "step1": {}}

    with pytest.raises(ScoringInputError) as raised:
        score_json("criss", [good, {**good, "baseline": {"haq_di": 4}}])

    assert str(raised.value) == "[1].baseline.haq_di: must be between 0 and 3"


def test_json_record_rejects_unknown_top_level_fields():
    with pytest.raises(ScoringInputError, match=r"^aid: unknown field"):
        score_json("haq-di", {"items": {}, "aid": ["cane"]})


def test_json_object_scores_like_the_api():
    record = {"baseline": {"mrss": 24, "fvc_pct": 70.0, "pt_global": 6, "md_global": 6, "haq_di": 1.5},
              "followup": {"mrss": 14, "fvc_pct": 70.0, "pt_global": 6, "md_global": 6, "haq_di": 1.5},
              "step1": {"renal_crisis": False, "fvc_decline": False, "lv_failure": False, "pah": False}}

    expected = acr_criss(CoreSet.from_dict(record["baseline"]), CoreSet.from_dict(record["followup"]),
                         Step1.from_dict(record["step1"])).to_dict()

    assert score_json("criss", record) == expected


def test_a_row_with_too_many_values_keeps_the_result_columns_aligned():
    base = {"mrss": 1, "fvc_pct": 70, "pt_global": 1, "md_global": 1, "haq_di": 1}
    long_row = pair_row("P", base, base, {}) + ["stray"]

    _, scored = run("criss", to_text(PAIR_HEADER, long_row))

    assert scored[0]["error"] == "row 1: columns: has 17 values but the header has 16 columns"
    assert scored[0]["criss"] == ""
