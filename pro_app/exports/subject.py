"""Everything the service holds about one patient, as one JSON document (GDPR Art. 15 subject access,
SECURITY.md G-GDPR-1): contact details and preferences, every visit with the answers as given and the scores
computed now, the comparisons, every message sent or planned, and every audit row about the patient.

The caller checks who may ask, records the export in the audit trail and commits.
"""
import json

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..api import serialize
from ..extensions import db
from ..models import AuditEvent, Enrollment, Message, Patient, SurveyResponse, Visit, VisitPlan
from ..models.types import utcnow
from ..outcomes import load_outcomes
from .batches import Enrolment, response_record


def _json(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def subject_record(patient: Patient) -> dict:
    enrolment = db.session.execute(
        select(VisitPlan.name, Enrollment.anchor_date, Enrollment.enrolled_at)
        .join(VisitPlan, VisitPlan.id == Enrollment.plan_id).where(Enrollment.patient_id == patient.id)).first()
    visits = db.session.scalars(select(Visit).where(Visit.patient_id == patient.id)
                                .order_by(Visit.target_date, Visit.position, Visit.id)).all()
    outcomes = load_outcomes(visits)
    responses: dict[int, list] = {}
    for response in db.session.scalars(
            select(SurveyResponse).where(SurveyResponse.visit_id.in_([v.id for v in visits]),
                                         SurveyResponse.status == "submitted")
            .options(selectinload(SurveyResponse.answers)).order_by(SurveyResponse.id)):
        responses.setdefault(response.visit_id, []).append(serialize.response(response_record(response)))
    messages = db.session.scalars(select(Message).where(Message.patient_id == patient.id)
                                  .options(selectinload(Message.attempts_log)).order_by(Message.id)).all()
    trail = db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)
                               .order_by(AuditEvent.id)).all()
    iso = serialize.iso
    return {
        "generated_at": iso(utcnow()),
        "patient": {
            **serialize.patient(patient, patient.site.code, Enrolment(*enrolment) if enrolment else None),
            "email": patient.email, "phone": patient.phone, "preferred_channel": patient.preferred_channel,
            "timezone": patient.timezone, "email_opt_out_at": iso(patient.email_opt_out_at),
            "sms_opt_out_at": iso(patient.sms_opt_out_at), "reminders_paused": patient.reminders_paused,
            "created_at": iso(patient.created_at),
        },
        "visits": [{**serialize.visit(v, patient.study_id, outcomes[v.id]),
                    "responses": responses.get(v.id, []),
                    "scores": serialize.scores(v, outcomes[v.id])} for v in visits],
        "comparisons": serialize.comparisons([outcomes[v.id] for v in visits]),
        "messages": [{
            "visit_id": m.visit_id, "kind": m.kind, "channel": m.channel, "status": m.status,
            "due_at": iso(m.due_at), "sent_at": iso(m.sent_at), "cancelled_reason": m.cancelled_reason,
            "attempts": [{"at": iso(a.at), "channel": a.channel, "outcome": a.outcome, "error": a.error}
                         for a in m.attempts_log],
        } for m in messages],
        "audit_trail": [{
            "at": iso(row.at), "actor_type": row.actor_type, "actor": row.actor, "role": row.role,
            "action": row.action, "entity": row.entity, "entity_id": row.entity_id, "field": row.field,
            "old_value": _json(row.old_value), "new_value": _json(row.new_value), "reason": row.reason,
        } for row in trail],
    }
