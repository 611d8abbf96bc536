"""`flask report`: clinical summaries from the command line, one patient or a whole site.

Audited like a download (one "export_pdf" row per document, actor "system"/cli user), committed after each
file so an interrupted run keeps the rows of what it wrote. Files are created readable by their owner only.
"""
import os
import sys
import time
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Patient, Site
from . import service
from .pdf import PdfRenderError, normalise_page_size
from .render import PAGE_SIZES


def write_private(path: Path, data: bytes) -> None:
    """Write atomically (temporary file + rename), mode 0600: a summary is patient data."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _summary(patient: Patient, followup: str | None, size: str) -> service.Report:
    inputs = {"report": "patient_summary", "followup": followup, "size": size}
    try:
        report = service.patient_summary(patient, followup, size)
    except (LookupError, ValueError, PdfRenderError) as error:
        db.session.rollback()
        kind = getattr(error, "kind", None) or ("unknown follow-up visit" if isinstance(error, LookupError)
                                                 else str(error)[:120])
        service.record_export(inputs, patient.id, "patient", patient.id, failed=kind)
        db.session.commit()
        raise
    service.record_export(report.inputs, patient.id, "patient", patient.id)
    return report


@click.command("report")
@click.argument("patient", required=False, metavar="[PATIENT]")
@click.option("--followup", metavar="VISIT",
              help="Visit code to compare with baseline (default: the latest visit with data).")
@click.option("--size", type=click.Choice(sorted(PAGE_SIZES), case_sensitive=False),
              help="Page size (default: PDF_PAGE_SIZE).")
@click.option("--site", "site_code", metavar="SITE", help="Render every patient of this site into the -o folder.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="FILE.pdf for one patient (or a folder: the file is named for you); a folder with --site.")
def report(patient, followup, size, site_code, output):
    """Write the clinical summary PDF of PATIENT (a study id), or of every patient of --site."""
    size = normalise_page_size(size or current_app.config["PDF_PAGE_SIZE"])
    if bool(patient) == bool(site_code):
        raise click.UsageError("Give either PATIENT or --site SITE.")
    if site_code:
        if followup:
            raise click.UsageError("--followup applies to one patient; a site report uses each patient's latest visit.")
        _site_reports(site_code, size, output)
        return
    row = db.session.scalar(select(Patient).where(Patient.study_id == patient))
    if row is None:
        raise click.UsageError(f"No patient with study id {patient!r}.")
    try:
        result = _summary(row, followup, size)
    except LookupError:
        raise click.UsageError(f"{patient} has no visit {followup!r}.") from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    except PdfRenderError as error:
        raise click.ClickException(f"The PDF could not be made ({error.kind}).") from None
    target = output / result.filename if output.is_dir() else output
    write_private(target, result.pdf)
    db.session.commit()
    click.echo(f"Wrote {target} ({len(result.pdf) // 1024} KB, {result.inputs['baseline']} → "
               f"{result.inputs['followup'] or 'no follow-up'}).")


def _site_reports(site_code: str, size: str, folder: Path) -> None:
    site = db.session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise click.UsageError(f"No site with code {site_code!r}.")
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"{folder} is a file; --site needs a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    patients = list(db.session.scalars(select(Patient).where(Patient.site_id == site.id).order_by(Patient.study_id)))
    outcomes, failed = Counter(), []
    started = time.perf_counter()
    with click.progressbar(patients, label=f"Rendering {len(patients)} summaries", show_pos=True,
                           file=sys.stderr) as bar:
        for patient in bar:
            try:
                result = _summary(patient, None, size)
            except PdfRenderError as error:
                failed.append((patient.study_id, error.kind))
                continue
            write_private(folder / result.filename, result.pdf)
            db.session.commit()
            outcomes[_state(result)] += 1
    elapsed = time.perf_counter() - started
    parts = ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items()))
    click.echo(f"Wrote {sum(outcomes.values())} of {len(patients)} summaries for site {site.code} to {folder} "
               f"in {elapsed:.1f} s" + (f" ({parts})" if parts else "") + ".")
    for study_id, kind in failed:
        click.echo(f"FAILED {study_id}: {kind}", err=True)
    if failed:
        raise SystemExit(1)


STATES = {"improved": "improved", "not_improved": "not improved", "step1": "Step 1 met",
          "not_computable": "not computable", "none": "no comparison yet"}


def _state(result: service.Report) -> str:
    return STATES.get(result.inputs.get("state"), "summarised")


COMMANDS = (report,)
