"""Build a report for a patient or a visit: shared by the download routes and `flask report`.

Each function loads, renders the template, turns it into PDF bytes (isolated, see pdf.py), and records the one
audit row ("export_pdf") with the inputs the document used. Nothing here commits: the caller does.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template

from .. import audit
from ..models import Patient, Visit
from ..models.types import utcnow
from .pdf import html_to_pdf, normalise_page_size
from .sheet import sheet_context
from .summary import summary_context


@dataclass(frozen=True)
class Report:
    pdf: bytes
    filename: str
    kind: str  # patient_summary | response_sheet
    inputs: dict


def safe_part(text: str) -> str:
    """A file-name fragment: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"


def report_filename(study_id: str, code: str, when: datetime, kind: str = "") -> str:
    suffix = f"-{kind}" if kind else ""
    return f"SScore-{safe_part(study_id)}-{safe_part(code)}{suffix}-{when.strftime('%Y%m%d')}.pdf"


def patient_summary(patient: Patient, followup_code: str | None = None, page_size: str | None = None,
                    now: datetime | None = None) -> Report:
    """The one-page clinical summary. LookupError/ValueError for a follow-up that cannot be compared."""
    now = now or utcnow()
    size = normalise_page_size(page_size or current_app.config["PDF_PAGE_SIZE"])
    context = summary_context(patient, followup_code, now)
    html = render_template("reports/summary.html", **context)
    pdf = html_to_pdf(html, size)
    baseline, followup = context["baseline_outcome"], context["followup_outcome"]
    code = followup.code if followup else (baseline.code if baseline else "none")
    inputs = {"report": "patient_summary", "baseline": baseline.code if baseline else None,
              "followup": followup.code if followup else None, "size": size, "state": context["result"]["state"],
              "criss": context["result"].get("criss"), "sha256": hashlib.sha256(pdf).hexdigest(), "bytes": len(pdf)}
    return Report(pdf, report_filename(patient.study_id, code, now), "patient_summary", inputs)


def response_sheet(visit: Visit, page_size: str | None = None, now: datetime | None = None) -> Report:
    """Every answer of one visit as given, with corrections and the clinician's assessment."""
    now = now or utcnow()
    size = normalise_page_size(page_size or current_app.config["PDF_PAGE_SIZE"])
    html = render_template("reports/responses.html", **sheet_context(visit, now))
    pdf = html_to_pdf(html, size)
    inputs = {"report": "response_sheet", "visit": visit.code, "size": size,
              "sha256": hashlib.sha256(pdf).hexdigest(), "bytes": len(pdf)}
    return Report(pdf, report_filename(visit.patient.study_id, visit.code, now, "responses"), "response_sheet",
                  inputs)


def record_export(inputs: dict, patient_id: int, entity: str, entity_id: int, failed: str | None = None):
    """The one audit row of a download or a CLI render (also when rendering failed: the data was read)."""
    audit.record("export_pdf", entity, entity_id, patient_id=patient_id,
                 new={**inputs, "failed": failed} if failed else inputs)
