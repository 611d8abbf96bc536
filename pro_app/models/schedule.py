"""Visit plans, enrolments, visits and the survey links issued for them."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


def split_codes(text: str | None) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split(",") if code)


class VisitPlan(db.Model):
    """A schedule template: which visits, when, with which questionnaires. `site_id` None = shared."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    visits: Mapped[list["PlanVisit"]] = relationship(
        back_populates="plan", order_by="PlanVisit.position", cascade="all, delete-orphan"
    )


class PlanVisit(db.Model):
    """One visit of a plan: `day_offset` days after the anchor date, open `window_before`..`window_after`."""

    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("visit_plan.id"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(80))
    day_offset: Mapped[int] = mapped_column(Integer)
    window_before: Mapped[int] = mapped_column(Integer, default=14)
    window_after: Mapped[int] = mapped_column(Integer, default=14)
    instruments: Mapped[str] = mapped_column(String(200))  # comma-separated instrument codes
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[VisitPlan] = relationship(back_populates="visits")

    @property
    def instrument_codes(self) -> tuple[str, ...]:
        return split_codes(self.instruments)


class Enrollment(db.Model):
    """A patient on a plan from an anchor date (day 0)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("visit_plan.id"))
    anchor_date: Mapped[date] = mapped_column(Date)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    patient: Mapped["Patient"] = relationship(back_populates="enrollment")  # noqa: F821
    plan: Mapped[VisitPlan] = relationship()


class Visit(db.Model):
    """A planned visit of one patient. Dates are calendar dates in the patient's time zone."""

    __table_args__ = (UniqueConstraint("patient_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    target_date: Mapped[date] = mapped_column(Date, index=True)
    window_open: Mapped[date] = mapped_column(Date)
    window_close: Mapped[date] = mapped_column(Date, index=True)
    instruments: Mapped[str] = mapped_column(String(200))
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set exactly once, by a conditional UPDATE, when the patient sends the answers (idempotent submit).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped["Patient"] = relationship(back_populates="visits")  # noqa: F821
    responses: Mapped[list["SurveyResponse"]] = relationship(back_populates="visit")  # noqa: F821
    assessment: Mapped["ClinicianAssessment | None"] = relationship(back_populates="visit")  # noqa: F821
    invitations: Mapped[list["Invitation"]] = relationship(back_populates="visit")

    @property
    def instrument_codes(self) -> tuple[str, ...]:
        return split_codes(self.instruments)

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.code}>"


class Invitation(db.Model):
    """One survey link. Only the SHA-256 of the token is stored; every message issues a fresh token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="invitations")
