"""Visit plans and enrolment: shared by the coordinator pages, `flask patients enrol` and the demo data.

Nothing here commits; the caller does.
"""
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Enrollment, Patient, PlanVisit, Visit, VisitPlan
from ..scheduling import DEFAULT_PLAN, DEFAULT_PLAN_NAME, PlanVisitSpec, plan_dates


def ensure_default_plan() -> VisitPlan:
    plan = db.session.scalar(select(VisitPlan).where(VisitPlan.is_default.is_(True)))
    if plan is None:
        plan = VisitPlan(name=DEFAULT_PLAN_NAME, is_default=True,
                         description="Baseline, months 3, 6, 12, 18 and 24; windows of 14 days either side.")
        for position, spec in enumerate(DEFAULT_PLAN):
            plan.visits.append(PlanVisit(
                position=position, code=spec.code, label=spec.label, day_offset=spec.day_offset,
                window_before=spec.window_before, window_after=spec.window_after,
                instruments=spec.instruments, is_baseline=spec.is_baseline,
            ))
        db.session.add(plan)
        db.session.flush()
    return plan


def plan_specs(plan: VisitPlan) -> list[PlanVisitSpec]:
    return [PlanVisitSpec(v.code, v.label, v.day_offset, v.window_before, v.window_after, v.instruments,
                          v.is_baseline) for v in plan.visits]


def enrol(patient: Patient, plan: VisitPlan, anchor_date: date, enrolled_by_id: int | None = None) -> Enrollment:
    """Put a patient on a plan and create its visits."""
    enrollment = Enrollment(patient=patient, plan=plan, anchor_date=anchor_date, enrolled_by_id=enrolled_by_id)
    db.session.add(enrollment)
    for planned in plan_dates(plan_specs(plan), anchor_date):
        db.session.add(Visit(
            patient=patient, code=planned.code, label=planned.label, position=planned.position,
            target_date=planned.target_date, window_open=planned.window_open,
            window_close=planned.window_close, instruments=planned.instruments,
            is_baseline=planned.is_baseline,
        ))
    return enrollment
