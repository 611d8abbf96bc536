"""`flask report PATIENT -o FILE.pdf` and `flask report --site SITE -o DIR`, audited as the system actor."""
import json
import stat
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent
from tests.pdftools import flat_text, pdf_info


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-123"])
    assert result.exit_code == 0, result.output


def export_rows():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_pdf")
                              .order_by(AuditEvent.id)).all()


def test_one_patient_to_a_file_readable_by_its_owner_only(demo, runner, tmp_path):
    target = tmp_path / "summary.pdf"

    result = runner.invoke(args=["report", "DEMO-001", "-o", str(target)])

    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output and "baseline → m12" in result.output
    assert target.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "ACR-CRISS 0.999" in flat_text(target.read_bytes(), tmp_path)
    [row] = export_rows()
    assert (row.actor_type, row.role, row.patient_id) == ("system", "system", row.patient_id)
    assert row.actor.startswith("cli:") and json.loads(row.new_value)["followup"] == "m12"


def test_follow_up_and_size_options_and_a_folder_as_output(demo, runner, tmp_path):
    result = runner.invoke(args=["report", "DEMO-001", "--followup", "m6", "--size", "letter", "-o", str(tmp_path)])

    assert result.exit_code == 0, result.output
    [written] = tmp_path.glob("SScore-DEMO-001-m6-*.pdf")
    assert written.name == f"SScore-DEMO-001-m6-{datetime.now(UTC):%Y%m%d}.pdf"
    assert pdf_info(written.read_bytes(), tmp_path)["Page size"].endswith("(letter)")


@pytest.mark.parametrize("args, message", [
    (["report", "NOPE-1", "-o", "x.pdf"], "No patient with study id 'NOPE-1'"),
    (["report", "DEMO-001", "--followup", "m99", "-o", "x.pdf"], "DEMO-001 has no visit 'm99'"),
    (["report", "DEMO-001", "--site", "DEMO", "-o", "x"], "Give either PATIENT or --site SITE"),
    (["report", "-o", "x"], "Give either PATIENT or --site SITE"),
    (["report", "--site", "DEMO", "--followup", "m6", "-o", "x"], "--followup applies to one patient"),
    (["report", "--site", "NOPE", "-o", "x"], "No site with code 'NOPE'"),
    (["report", "DEMO-001", "--size", "a3", "-o", "x.pdf"], "'a3' is not one of"),
])
def test_bad_arguments_are_refused_with_a_message(demo, runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(args=args)

    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_every_patient_of_a_site_with_a_progress_bar_and_a_summary_line(demo, runner, tmp_path):
    folder = tmp_path / "site"

    result = runner.invoke(args=["report", "--site", "DEMO", "-o", str(folder)])

    assert result.exit_code == 0, result.output
    assert "Rendering 6 summaries" in result.stderr
    assert (f"Wrote 6 of 6 summaries for site DEMO to {folder}" in result.stdout
            and "(1 Step 1 met, 1 improved, 3 no comparison yet, 1 not computable)" in result.stdout)
    files = sorted(path.name for path in folder.glob("*.pdf"))
    assert [name.split("-2")[0] for name in files] == [
        "SScore-DEMO-001-m12", "SScore-DEMO-002-m6", "SScore-DEMO-003-m6",
        "SScore-DEMO-004-baseline", "SScore-DEMO-005-baseline", "SScore-DEMO-006-baseline"]
    assert "NO COMPARISON YET" in flat_text((folder / files[-1]).read_bytes(), tmp_path)
    assert len(export_rows()) == 6 and {row.actor_type for row in export_rows()} == {"system"}
