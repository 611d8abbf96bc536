"""The CSV export: tidy files, documented columns, scores that round-trip from the answers alone, pseudonyms only
unless contacts are included, no spreadsheet formula injection, bounded queries, the CLI and the admin zip."""
import csv
import io
import json
import stat
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import event, select

from pro_app.exports import columns, csv_files, tables
from pro_app.exports.tables import cell, safe_cell
from pro_app.extensions import db
from pro_app.models import AuditEvent, Patient
from pro_app.scoring import HAQ_AIDS, vas_to_03
from pro_app.scoring.haq import ITEM_CODES, score_haq_di
from tests.conftest import Auth
from tests.export_fixtures import (  # noqa: F401  (fixtures)
    CANARY_EMAIL, CANARY_PHONE, FORMULA, MARKUP, add_canary, canary, demo_site,
)
from tests.pages import check_page

ROOT = Path(__file__).resolve().parent.parent
VAS_COLUMNS = {"pain": "pain", **{item: f"shaq_{item}" for item in columns.SHAQ_ITEMS}}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def exported(app, runner, canary, tmp_path):
    result = runner.invoke(args=["export", "csv", "--site", "DEMO", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return tmp_path / "out"


def test_every_row_has_exactly_the_documented_columns(app, canary):
    files = csv_files([canary.site], include_contacts=True)

    for name, rows in files.items():
        assert rows, f"{name} is empty"
        for row in rows:
            assert list(row) == list(columns.names(name)), name


def test_the_readme_documents_every_column_of_every_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert columns.markdown() in readme, "run `python -m pro_app.exports.columns` and paste it into the README"


def test_files_have_a_header_and_one_row_per_answer_visit_and_comparison(exported, canary):
    answers = read_csv(exported / "answers.csv")
    visits = read_csv(exported / "visit_scores.csv")
    comparisons = read_csv(exported / "comparisons.csv")

    canary_answers = [r for r in answers if r["study_id"] == "CANARY-1"]
    stored = sum(len(r.answers) for v in canary.visits for r in v.responses)
    assert len(canary_answers) == stored
    assert len([r for r in visits if r["study_id"] == "CANARY-1"]) == len(canary.visits)
    assert [(r["baseline_visit"], r["followup_visit"]) for r in comparisons if r["study_id"] == "DEMO-001"] == [
        ("baseline", "m3"), ("baseline", "m6"), ("baseline", "m12")]
    assert not (exported / "contacts.csv").exists()


def test_drafts_are_not_exported(exported):
    answers = read_csv(exported / "answers.csv")

    assert not [r for r in answers if r["study_id"] == "DEMO-005"]  # baseline started, never sent


def _haq_from_answer_rows(rows: list[dict]):
    items, aids, helped = {}, [], []
    for row in rows:
        if row["instrument"] != "haq" or row["skipped"] == "1":
            continue
        item, value = row["item"], int(row["value"])
        if item in ITEM_CODES:
            items[item] = value
        elif item.startswith("aid_") and item[4:] in HAQ_AIDS and value == 1:
            aids.append(item[4:])
        elif item.startswith("help_") and value == 1:
            helped.append(item[5:])
    return score_haq_di(items, aids=aids, help=helped)


def test_visit_scores_recomputed_from_answers_csv_alone_match(exported):
    """Round trip: the HAQ-DI (with and without aids), its categories and the VAS 0-3 readings of every visit,
    recomputed with pro_app.scoring from answers.csv alone, equal visit_scores.csv."""
    by_visit = defaultdict(list)
    for row in read_csv(exported / "answers.csv"):
        by_visit[row["study_id"], row["visit_code"]].append(row)
    checked = 0

    for scores in read_csv(exported / "visit_scores.csv"):
        rows = by_visit.get((scores["study_id"], scores["visit_code"]), [])
        haq_rows = [r for r in rows if r["instrument"] == "haq" and r["item"] in ITEM_CODES]
        if not haq_rows:
            assert scores["haq_di"] == scores["haq_categories_answered"] == ""
            continue
        result = _haq_from_answer_rows(rows)
        assert scores["haq_di"] == cell(result.haq_di), scores
        assert scores["haq_di_without_aids"] == cell(result.haq_di_without_aids)
        assert scores["haq_categories_answered"] == str(result.categories_answered)
        for category, value in result.categories.items():
            assert scores[f"haq_{category}"] == cell(value)
        for item, prefix in VAS_COLUMNS.items():
            answer = next((r for r in rows if r["item"] == item), None)
            if answer is None or answer["skipped"] == "1":
                assert scores[f"{prefix}_vas"] == scores[f"{prefix}_03"] == ""
            else:
                assert int(scores[f"{prefix}_vas"]) == int(answer["value"])
                assert float(scores[f"{prefix}_03"]) == vas_to_03(int(answer["value"]))
        pt_global = next((r for r in rows if r["item"] == "pt_global"), None)
        assert scores["pt_global"] == (pt_global["value"] if pt_global else "")
        checked += 1

    assert checked >= 12  # every demo visit with answers, and the canary's


def test_comparisons_carry_criss_step1_and_what_is_missing(exported):
    rows = {(r["study_id"], r["followup_visit"]): r for r in read_csv(exported / "comparisons.csv")}

    improving = rows["DEMO-001", "m12"]  # hand-worked: L = -5.54 + 0.81*9 + 0.21*3 + 0.40*3 + 0.44*3 + 3.41*0.5
    assert (improving["linear_predictor"], improving["criss"], improving["improved"]) == ("6.605", "0.9986", "1")
    assert improving["rule"] == "step2" and improving["missing"] == ""
    assert improving["delta_mrss"] == "-9.0" and improving["delta_haq_di"] == "-0.5"
    crisis = rows["DEMO-003", "m6"]
    assert (crisis["criss"], crisis["step1_met"], crisis["step1_events"], crisis["rule"]) == (
        "0.0", "1", "renal_crisis", "step1")
    assert {crisis[f"rcriss_{x}"] for x in (20, 25, 30, 40, 50, 60)} == {"0"}
    no_fvc = rows["DEMO-002", "m6"]
    assert (no_fvc["criss"], no_fvc["computable"], no_fvc["rcriss_computable"]) == ("", "0", "0")
    assert "followup.fvc_pct (clinician)" in no_fvc["missing"]


def test_conventions_file_explains_every_key_used(exported):
    keys = {r["key"] for r in read_csv(exported / "conventions.csv")}
    used = {r[c] for r in read_csv(exported / "comparisons.csv") for c in ("criss_convention", "rcriss_convention")}

    assert used <= keys == {"haq-di", "mrss", "acr-criss", "revised-criss"}


def test_skipped_and_corrected_answers_are_told_apart(exported):
    rows = {(r["visit_code"], r["item"]): r for r in read_csv(exported / "answers.csv") if r["study_id"] == "CANARY-1"}

    skipped = rows["baseline", "dress"]
    assert (skipped["value"], skipped["skipped"]) == ("", "1")
    corrected = rows["m3", "pt_global"]
    assert (corrected["value"], corrected["corrected"], corrected["original_value"]) == ("5", "1", "6")
    assert corrected["corrected_at"].endswith("Z")
    assert rows["baseline", "pt_global"]["translation_validated"] == "0"  # German is a working translation


def test_canary_contact_details_appear_in_no_file_unless_included(app, runner, canary, tmp_path):
    runner.invoke(args=["export", "csv", "--site", "DEMO", "-o", str(tmp_path / "plain")])
    runner.invoke(args=["export", "csv", "--site", "DEMO", "-o", str(tmp_path / "full"), "--include-contacts"])

    for path in (tmp_path / "plain").iterdir():
        text = path.read_text(encoding="utf-8")
        assert CANARY_EMAIL not in text and CANARY_PHONE not in text, path.name
    contacts = read_csv(tmp_path / "full" / "contacts.csv")
    assert {"study_id": "CANARY-1", "email": CANARY_EMAIL, "phone": CANARY_PHONE} == {
        k: v for k, v in next(r for r in contacts if r["study_id"] == "CANARY-1").items()
        if k in ("study_id", "email", "phone")}
    for name in ("answers.csv", "visit_scores.csv", "comparisons.csv", "patients.csv"):
        assert CANARY_EMAIL not in (tmp_path / "full" / name).read_text(encoding="utf-8")


def test_free_text_cannot_run_as_a_spreadsheet_formula(exported):
    raw = (exported / "answers.csv").read_text(encoding="utf-8")
    rows = [r for r in read_csv(exported / "answers.csv") if r["item"] == "aid_other" and r["text"]]

    texts = {r["visit_code"]: r["text"] for r in rows if r["study_id"] == "CANARY-1"}
    assert texts["baseline"] == "'" + FORMULA
    assert texts["m3"] == MARKUP  # markup is inert in a CSV; kept as typed
    assert ",=HYPERLINK" not in raw and ',"=HYPERLINK' not in raw


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1)", "'@SUM(1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("+447700900003", "+447700900003"),
    ("-3.5", "-3.5"), ("Gehstock", "Gehstock"), ("", ""),
])
def test_safe_cell_neutralises_formulas_and_keeps_numbers(value, expected):
    assert safe_cell(value) == expected


def test_cells_use_one_format_for_booleans_dates_and_missing_values():
    from datetime import UTC, date, datetime

    assert [cell(True), cell(False), cell(None), cell(date(2026, 1, 2)),
            cell(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)), cell(["a", "b"]), cell(0.125)] == [
        "1", "0", "", "2026-01-02", "2026-01-02T03:04:05Z", "a;b", "0.125"]


def test_batches_change_nothing_and_queries_do_not_grow_with_patients(make_app, demo_site):
    from pro_app.models import Site

    def run(batch_size):
        app = make_app(EXPORT_BATCH_SIZE=batch_size)
        statements = []
        with app.app_context():
            site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                files = csv_files([site])
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return files, len(statements)

    whole, queries_one_batch = run(200)
    batched, queries_three_batches = run(2)  # 6 demo patients: 3 batches, plus an empty look-ahead query

    assert batched == whole
    per_batch = (queries_three_batches - queries_one_batch) / 2
    assert per_batch <= 12, f"{per_batch} queries per batch"
    assert queries_one_batch <= 14, f"{queries_one_batch} queries for 6 patients in one batch"


def test_cli_writes_private_files_a_manifest_and_one_audit_row(app, runner, demo_site, tmp_path):
    result = runner.invoke(args=["export", "csv", "--site", "DEMO", "-o", str(tmp_path / "x")])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "x" / "answers.csv").stat().st_mode) == 0o600
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["pseudonymised"] is True and manifest["sites"] == ["DEMO"]
    assert manifest["files"]["visit_scores.csv"]["rows"] == len(read_csv(tmp_path / "x" / "visit_scores.csv"))
    assert not list((tmp_path / "x").glob(".*partial"))
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(rows) == 1 and rows[0].actor_type == "system"
    assert '"include_contacts": false' in rows[0].new_value and '"what": "csv"' in rows[0].new_value


def test_cli_refuses_an_unknown_site(runner, demo_site, tmp_path):
    result = runner.invoke(args=["export", "csv", "--site", "NOPE", "-o", str(tmp_path)])

    assert result.exit_code == 2 and "No site with code 'NOPE'" in result.output


def _admin_client(app, make_user, site):
    client = app.test_client()
    assert Auth(client).login(make_user("admin", site)).status_code == 302
    return client


def test_admin_exports_page_is_well_formed(app, make_user, demo_site):
    client = _admin_client(app, make_user, demo_site)

    page = client.get("/admin/exports")

    check_page(page)
    text = page.get_data(as_text=True)
    assert "DEMO – Demo Scleroderma Clinic" in text and "contact details identify patients" in text
    assert " checked" not in text  # nothing pre-selected


def test_admin_downloads_a_zip_of_csv_fhir_and_manifest(app, make_user, canary):
    client = _admin_client(app, make_user, canary.site)

    with client.post("/admin/exports/download", data={"site": str(canary.site_id)}) as response:
        data = response.data

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=sscore-export-DEMO-pseudonymised-") and ".zip" in disposition
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {f"csv/{n}" for n in tables.file_names(False)} | {
        "fhir/bundle.json", "manifest.json"}
    for name in archive.namelist():
        assert CANARY_EMAIL.encode() not in archive.read(name)
    json.loads(archive.read("fhir/bundle.json"))
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert row.actor_type == "staff" and row.entity == "site" and row.entity_id == str(canary.site_id)
    assert '"include_contacts": false' in row.new_value


def test_admin_zip_with_contacts_is_named_and_audited_as_such(app, make_user, canary):
    client = _admin_client(app, make_user, canary.site)

    form = {"site": str(canary.site_id), "include_contacts": "y"}
    with client.post("/admin/exports/download", data=form) as response:
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert CANARY_EMAIL.encode() in archive.read("csv/contacts.csv")
    assert "with-contacts" in response.headers["Content-Disposition"]
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert '"include_contacts": true' in row.new_value


def test_admin_export_without_a_site_says_what_to_do(app, make_user, demo_site):
    client = _admin_client(app, make_user, demo_site)

    response = client.post("/admin/exports/download", data={"site": "999999"})

    assert response.status_code == 400
    check_page(response)
    assert "Select the site to export" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


@pytest.mark.parametrize("role", ["clinician", "coordinator"])
def test_only_admins_can_export(app, make_user, demo_site, role):
    client = app.test_client()
    Auth(client).login(make_user(role, demo_site))

    assert client.get("/admin/exports").status_code == 403
    assert client.post("/admin/exports/download", data={"site": str(demo_site.id)}).status_code == 403


def test_a_second_site_is_not_in_the_first_sites_export(app, demo_site, other_site):
    add_canary(other_site, study_id="OTHER-1")

    files = csv_files([demo_site])

    assert not [r for rows in files.values() for r in rows if r.get("study_id") == "OTHER-1"]
    assert db.session.scalar(select(Patient).where(Patient.study_id == "OTHER-1"))
