"""The visit-level response sheet: every answer as the patient gave it, for the record.

Corrections show the patient's original beside the corrected value, with who, when and the reason. The reason
lives in the audit trail (the correction's row for entity "answer" and the answer's id, as `audit.record` is
called by the correcting view), so it is read from there rather than duplicated in the answer.
"""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import MRSS_SITE_CODES, STEP1_CODES, AuditEvent, Signature, SurveyResponse, User, Visit
from ..scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS, score_mrss
from .labels import (MRSS_SITE_LABELS, STEP1_EVENT_LABELS, VAS_LABELS, answer_text, instrument_name, item_label,
                     translation_status)

# Questionnaire order for known item codes; unknown codes follow in the order they were stored.
ITEM_ORDER = (["pt_global"] + [code for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category]]
              + [f"aid_{aid}" for aid in HAQ_AIDS] + [f"help_{category}" for category in HAQ_CATEGORIES]
              + list(VAS_LABELS))
INSTRUMENT_ORDER = ("pt_global", "haq", "shaq")


def _rank(code: str) -> int:
    return ITEM_ORDER.index(code) if code in ITEM_ORDER else len(ITEM_ORDER)


def correction_reasons(answer_ids: list[int]) -> dict[int, str]:
    """The latest reason recorded in the audit trail for a correction of each answer."""
    if not answer_ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.entity_id, AuditEvent.reason)
        .where(AuditEvent.entity == "answer", AuditEvent.entity_id.in_([str(i) for i in answer_ids]),
               AuditEvent.reason.is_not(None))
        .order_by(AuditEvent.id))
    return {int(entity_id): reason for entity_id, reason in rows}


def _answer_row(answer, reasons: dict[int, str], staff: dict[int, str]) -> dict:
    if answer.skipped:
        given = "Prefer not to answer"
    else:
        given = answer_text(answer.item_code, answer.value)
    row = {"code": answer.item_code, "label": item_label(answer.item_code), "given": given,
           "skipped": answer.skipped, "text": answer.text, "at": answer.answered_at, "correction": None}
    if answer.corrected_at is not None:
        original = ("Prefer not to answer" if answer.original_skipped
                    else answer_text(answer.item_code, answer.original_value))
        row["correction"] = {"original": original, "at": answer.corrected_at,
                             "by": staff.get(answer.corrected_by_id, "staff"),
                             "reason": reasons.get(answer.id)}
    return row


def sheet_context(visit: Visit, now) -> dict:
    responses = list(db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)
        .options(selectinload(SurveyResponse.answers))))
    responses.sort(key=lambda r: (INSTRUMENT_ORDER.index(r.instrument) if r.instrument in INSTRUMENT_ORDER
                                  else len(INSTRUMENT_ORDER), r.instrument))
    answers = [a for r in responses for a in r.answers]
    reasons = correction_reasons([a.id for a in answers if a.corrected_at is not None])
    assessment = visit.assessment
    staff_ids = {a.corrected_by_id for a in answers if a.corrected_by_id}
    if assessment and assessment.updated_by_id:
        staff_ids.add(assessment.updated_by_id)
    staff = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(staff_ids)))} if staff_ids else {}
    signatures = list(db.session.scalars(select(Signature).where(Signature.visit_id == visit.id)
                                         .order_by(Signature.signed_at, Signature.id)))
    sections = []
    for response in responses:
        section = {"name": instrument_name(response.instrument), "code": response.instrument,
                   "version": response.version, "language": response.language,
                   "status": response.status, "translation": translation_status(response.instrument,
                                                                                 response.language),
                   "started": response.started_at, "submitted": response.submitted_at, "rows": [],
                   "draft_count": 0}
        if response.status == "submitted":
            section["rows"] = [_answer_row(a, reasons, staff)
                               for a in sorted(response.answers, key=lambda a: (_rank(a.item_code), a.id))]
        else:
            section["draft_count"] = len(response.answers)
        sections.append(section)
    clinician = None
    if assessment is not None:
        sites = assessment.mrss_sites()
        clinician = {
            "assessed_on": assessment.assessed_on, "updated_at": assessment.updated_at,
            "by": staff.get(assessment.updated_by_id), "fvc_pct": assessment.fvc_pct,
            "fvc_equation": assessment.fvc_equation, "md_global": assessment.md_global,
            "mrss_total": score_mrss(sites).mrss,
            "mrss": [(MRSS_SITE_LABELS[code], sites[code]) for code in MRSS_SITE_CODES],
            "step1": [(STEP1_EVENT_LABELS[code], getattr(assessment, code)) for code in STEP1_CODES],
        }
    return {"visit": visit, "patient": visit.patient, "site": visit.patient.site, "now": now,
            "sections": sections, "clinician": clinician, "signatures": signatures}
