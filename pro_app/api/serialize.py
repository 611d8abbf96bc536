"""JSON shapes of the API (documented in pro_app/api/openapi.json). Dates are ISO 8601; times are UTC with a Z.

Patients appear by pseudonym only: the API never returns contact details. Scores are the scoring engine's own
`.to_dict()` results, as in the exports.
"""
from datetime import UTC, date, datetime

from ..exports.tables import comparisons_for, score_values, translation_validated
from ..outcomes import Comparison, VisitOutcome, missing_inputs
from ..security import external_url


def iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def patient(row, site_code: str, enrolment) -> dict:
    return {
        "id": row.id, "study_id": row.study_id, "site": site_code, "language": row.language,
        "plan": enrolment.plan if enrolment else None,
        "anchor_date": iso(enrolment.anchor_date) if enrolment else None,
        "enrolled_at": iso(enrolment.enrolled_at) if enrolment else None,
        "withdrawn_at": iso(row.withdrawn_at),
        "links": {
            "self": external_url("api.patient", patient_id=row.id),
            "visits": external_url("api.patient_visits", patient_id=row.id),
            "comparisons": external_url("api.patient_comparisons", patient_id=row.id),
            "fhir": external_url("api.patient_fhir", patient_id=row.id),
        },
    }


def visit(row, study_id: str, outcome: VisitOutcome) -> dict:
    return {
        "id": row.id, "patient_id": row.patient_id, "study_id": study_id, "code": row.code, "label": row.label,
        "position": row.position, "is_baseline": row.is_baseline, "target_date": iso(row.target_date),
        "window_open": iso(row.window_open), "window_close": iso(row.window_close),
        "instruments": list(row.instrument_codes), "submitted_at": iso(row.submitted_at),
        "has_assessment": outcome.has_assessment, "signed": outcome.signed,
        "links": {
            "self": external_url("api.visit", visit_id=row.id),
            "responses": external_url("api.visit_responses", visit_id=row.id),
            "scores": external_url("api.visit_scores", visit_id=row.id),
        },
    }


def response(row) -> dict:
    return {
        "id": row.id, "visit_id": row.visit_id, "instrument": row.instrument, "version": row.version,
        "language": row.language, "translation_validated": translation_validated(row.instrument, row.language),
        "status": "submitted", "started_at": iso(row.started_at), "submitted_at": iso(row.submitted_at),
        "answers": [{
            "item": a.item, "value": None if a.skipped else a.value, "skipped": a.skipped, "text": a.text,
            "answered_at": iso(a.answered_at), "corrected": a.corrected_at is not None,
            "corrected_at": iso(a.corrected_at), "original_value": a.original_value,
            "original_skipped": a.original_skipped,
        } for a in row.answers],
    }


def scores(row, outcome: VisitOutcome) -> dict:
    return {
        "visit_id": row.id, "patient_id": row.patient_id, "code": row.code,
        "values": score_values(outcome),
        "haq": outcome.haq.to_dict() if outcome.haq else None,
        "mrss": outcome.mrss.to_dict() if outcome.mrss else None,
        "corrected_items": sorted(outcome.corrected_items),
        "missing_for_criss": [{"item": m.item, "provider": m.provider, "text": m.text}
                              for m in missing_inputs(outcome)],
    }


def _visit_ref(outcome: VisitOutcome) -> dict:
    return {"visit_id": outcome.visit_id, "code": outcome.code, "label": outcome.label,
            "target_date": iso(outcome.target_date)}


def comparison(item: Comparison) -> dict:
    return {
        "baseline": _visit_ref(item.baseline), "followup": _visit_ref(item.followup),
        "criss": item.criss.to_dict(), "revised_criss": item.rcriss.to_dict(),
        "mcid": {name: flag.to_dict() for name, flag in item.mcid.items()},
        "fvc_equation_changed": item.fvc_equation_changed, "fvc_decline_suggested": item.fvc_decline_suggested,
        "missing": [{"visit": m.visit_label, "item": m.item, "provider": m.provider, "text": m.text}
                    for m in item.missing],
    }


def comparisons(outcomes: list[VisitOutcome]) -> list[dict]:
    return [comparison(item) for item in comparisons_for(outcomes)]
