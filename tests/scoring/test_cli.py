"""The command lines: ``python -m pro_app.scoring`` (spec section 7) and the ``score`` click group."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pro_app.scoring.commands import score
from tests.scoring.scoring_helpers import load_vectors, mismatches

ROOT = Path(__file__).resolve().parents[2]
VECTORS = load_vectors()
KINDS = ("haq-di", "mrss", "criss", "rcriss")


def run_module(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pro_app.scoring", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


@pytest.mark.parametrize(
    ("kind", "vector"), [pytest.param(kind, v, id=v["id"]) for kind in KINDS for v in VECTORS[kind]]
)
def test_each_vector_reproduces_through_the_module_one_object_per_call(kind, vector):
    completed = run_module(kind, stdin=json.dumps(vector["input"]))

    assert completed.returncode == 0, completed.stderr
    assert mismatches(vector["expected"], json.loads(completed.stdout)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_whole_array_reproduces_in_one_call_in_order(kind, tmp_path):
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps([v["input"] for v in VECTORS[kind]]), encoding="utf-8")

    completed = run_module(kind, str(path))

    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert len(results) == len(VECTORS[kind])
    for vector, result in zip(VECTORS[kind], results):
        assert mismatches(vector["expected"], result) == [], vector["id"]


def criss_input(**followup_changes) -> dict:
    data = json.loads(json.dumps(VECTORS["criss"][0]["input"]))
    data["followup"].update(followup_changes)
    return data


@pytest.mark.parametrize(
    ("kind", "stdin", "message"),
    [
        ("criss", '{"baseline": {"mrss": 24,',
         "input: invalid JSON at line 1 column 26: Expecting property name enclosed in double quotes"),
        ("criss", json.dumps(criss_input(mrss="24")), "followup.mrss: must be a number, not text"),
        ("haq-di", '{"items": {"dress": 4}}', "items.dress: must be between 0 and 3"),
        ("haq-di", '{"items": {"dres": 1}}', "items.dres: unknown item code"),
        ("haq-di", '{"items": {"dress": 1}, "aids": ["scooter"]}', "aids: unknown aid code 'scooter'"),
        ("criss", json.dumps(criss_input(pt_global=60)), "followup.pt_global: must be between 0 and 10"),
        ("rcriss", json.dumps([criss_input()] * 3 + [criss_input(pt_global=11)]),
         "[3].followup.pt_global: must be between 0 and 10"),
        ("criss", '{"followup": {}, "step1": {}}', "baseline: is required"),
        ("criss", json.dumps({**criss_input(), "step1": {"pah": "no"}}), "step1.pah: must be true or false, not text"),
        ("mrss", '{"sites": {"face": NaN}}', "input: NaN is not a valid JSON number"),
        ("mrss", '"sites"', "input: must be a JSON object or an array of objects"),
        ("mrss", '[{"sites": {}}, 5]', "[1]: must be a JSON object with sites"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(kind, stdin, message):
    completed = run_module(kind, stdin=stdin)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [message]


def test_unknown_kind_exits_2_with_usage():
    completed = run_module("das28", stdin="{}")

    assert completed.returncode == 2
    assert completed.stderr.startswith("usage: python -m pro_app.scoring")
    assert "invalid choice: 'das28'" in completed.stderr


def test_unreadable_file_exits_2_naming_it(tmp_path):
    completed = run_module("mrss", str(tmp_path / "absent.json"))

    assert completed.returncode == 2
    absent = tmp_path / "absent.json"
    assert completed.stderr.splitlines() == [f"{absent}: cannot read the file: No such file or directory"]


# --- flask score ... (a plain click group) ---------------------------------------

CRISS_HEADER = ("patient_id,baseline_mrss,baseline_fvc_pct,baseline_pt_global,baseline_md_global,baseline_haq_di,"
                "followup_mrss,followup_fvc_pct,followup_pt_global,followup_md_global,followup_haq_di,"
                "renal_crisis,fvc_decline,lv_failure,pah")
GOOD_ROW = "P1,24,70.0,6,6,1.5,17,72.0,5,5,1.375,no,no,no,no"
BAD_ROW = "P2,24,70.0,6,6,1.5,17,72.0,55,5,1.375,no,no,no,no"


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_score_is_a_plain_click_group_with_three_commands():
    assert type(score) is click.Group
    assert score.name == "score"
    assert sorted(score.commands) == ["criss", "haq-di", "rcriss"]


def test_criss_command_writes_the_scored_copy_next_to_the_input(tmp_path):
    source = write_csv(tmp_path / "visits.csv", CRISS_HEADER, GOOD_ROW)

    result = CliRunner().invoke(score, ["criss", str(source)])

    assert result.exit_code == 0, result.stderr
    rows = read_rows(tmp_path / "visits.scored.csv")
    assert rows[0]["patient_id"] == "P1"
    assert rows[0]["criss"] == "0.8601"
    assert rows[0]["improved"] == "true"
    assert rows[0]["error"] == ""
    assert result.stderr.strip() == f"criss: scored 1 of 1 rows; wrote {tmp_path / 'visits.scored.csv'}"


def test_a_bad_row_is_reported_in_its_error_column_and_the_exit_status_is_1(tmp_path):
    source = write_csv(tmp_path / "visits.csv", CRISS_HEADER, GOOD_ROW, BAD_ROW)
    target = tmp_path / "out.csv"

    result = CliRunner().invoke(score, ["rcriss", str(source), "-o", str(target)])

    assert result.exit_code == 1
    good, bad = read_rows(target)
    assert good["responder_20"] == "false" and good["error"] == ""
    assert bad["responder_20"] == "" and bad["computable"] == ""
    assert bad["error"] == "row 2: followup_pt_global: must be between 0 and 10"
    assert "scored 1 of 2 rows; 1 row with errors" in result.stderr


def test_a_missing_column_exits_2_with_one_line(tmp_path):
    source = write_csv(tmp_path / "visits.csv", CRISS_HEADER.removesuffix(",pah"), GOOD_ROW.removesuffix(",no"))

    result = CliRunner().invoke(score, ["criss", str(source)])

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: {source}: columns: missing required column(s): pah"]
    assert not (tmp_path / "visits.scored.csv").exists()


def test_output_may_go_to_standard_output(tmp_path):
    source = write_csv(tmp_path / "visits.csv", CRISS_HEADER, GOOD_ROW)

    result = CliRunner().invoke(score, ["criss", str(source), "-o", "-"])

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("P1,24,")


def test_haq_di_command_scores_each_questionnaire(tmp_path):
    values = VECTORS["haq-di"][0]["input"]  # H1: all 20 items, aids and help
    items = list(values["items"])
    header = ",".join(["patient_id", *items, "aids", "help"])
    answers = [str(values["items"][code]) for code in items]
    row = ",".join(["P9", *answers, ";".join(values["aids"]), ";".join(values["help"])])
    source = write_csv(tmp_path / "haq.csv", header, row)

    result = CliRunner().invoke(score, ["haq-di", str(source)])

    assert result.exit_code == 0, result.stderr
    scored = read_rows(tmp_path / "haq.scored.csv")[0]
    assert (scored["haq_di"], scored["haq_di_without_aids"], scored["cat_arising"]) == ("2.250", "2.000", "3")


def test_progress_bar_is_shown_on_stderr_above_a_thousand_rows(tmp_path):
    big = write_csv(tmp_path / "big.csv", CRISS_HEADER, *[GOOD_ROW] * 1001)
    small = write_csv(tmp_path / "small.csv", CRISS_HEADER, *[GOOD_ROW] * 1000)

    big_result = CliRunner().invoke(score, ["criss", str(big)])
    small_result = CliRunner().invoke(score, ["criss", str(small)])

    assert big_result.exit_code == small_result.exit_code == 0
    assert "Scoring criss" in big_result.stderr
    assert "Scoring criss" not in small_result.stderr
    assert len(read_rows(tmp_path / "big.scored.csv")) == 1001


def test_refuses_to_overwrite_the_input(tmp_path):
    source = write_csv(tmp_path / "visits.csv", CRISS_HEADER, GOOD_ROW)

    result = CliRunner().invoke(score, ["criss", str(source), "-o", str(source)])

    assert result.exit_code == 2
    assert "would overwrite the input file" in result.stderr
