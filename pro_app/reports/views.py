"""PDF downloads for clinicians (blueprint "reports"): the patient summary and a visit's response sheet.

Site-scoped (another site's patient or visit is 404), one audit row per request that reached the patient
(action "export_pdf", with the report's inputs and the PDF's SHA-256), never cached, file name built here.
"""
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..auth.decorators import require_role
from ..extensions import db
from ..models import Patient, Visit
from ..policy import phi_read
from . import service
from .pdf import PdfRenderError, normalise_page_size

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.before_request(require_role("clinician"))


def _page_size() -> str | None:
    """The `size` query argument (a4 | letter), or None for a bad one."""
    try:
        return normalise_page_size(request.args.get("size") or current_app.config["PDF_PAGE_SIZE"])
    except ValueError:
        return None


def _pdf_response(report: service.Report) -> Response:
    response = Response(report.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _failed_page(error: PdfRenderError):
    status = 503 if error.kind in ("timeout", "memory") else 500
    return render_template("reports/failed.html", kind=error.kind), status


@bp.route("/patients/<int:patient_id>/summary.pdf")
@phi_read
def patient_summary(patient_id):
    patient = db.session.scalar(select(Patient).where(Patient.id == patient_id,
                                                      Patient.site_id == current_user.site_id))
    if patient is None:
        abort(404)
    followup = request.args.get("followup") or None
    size = _page_size()
    inputs = {"report": "patient_summary", "followup": followup and followup[:40],
              "size": size or request.args.get("size", "")[:20]}
    try:
        if size is None:
            raise ValueError("size")
        report = service.patient_summary(patient, followup, size)
    except LookupError:
        service.record_export(inputs, patient.id, "patient", patient.id, failed="unknown follow-up visit")
        db.session.commit()
        abort(404)
    except ValueError as error:
        service.record_export(inputs, patient.id, "patient", patient.id, failed=f"bad request: {error}"[:120])
        db.session.commit()
        abort(400)
    except PdfRenderError as error:
        service.record_export(inputs, patient.id, "patient", patient.id, failed=error.kind)
        db.session.commit()
        return _failed_page(error)
    service.record_export(report.inputs, patient.id, "patient", patient.id)
    db.session.commit()
    return _pdf_response(report)


@bp.route("/visits/<int:visit_id>/responses.pdf")
@phi_read
def response_sheet(visit_id):
    visit = db.session.scalar(select(Visit).join(Patient).where(Visit.id == visit_id,
                                                                Patient.site_id == current_user.site_id))
    if visit is None:
        abort(404)
    size = _page_size()
    inputs = {"report": "response_sheet", "visit": visit.code, "size": size or request.args.get("size", "")[:20]}
    if size is None:
        service.record_export(inputs, visit.patient_id, "visit", visit.id, failed="bad request: size")
        db.session.commit()
        abort(400)
    try:
        report = service.response_sheet(visit, size)
    except PdfRenderError as error:
        service.record_export(inputs, visit.patient_id, "visit", visit.id, failed=error.kind)
        db.session.commit()
        return _failed_page(error)
    service.record_export(report.inputs, visit.patient_id, "visit", visit.id)
    db.session.commit()
    return _pdf_response(report)
