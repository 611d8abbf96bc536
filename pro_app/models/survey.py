"""Patient answers: one SurveyResponse per visit and instrument, one Answer per item."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class SurveyResponse(db.Model):
    """One patient's answers to one instrument at one visit, from the first saved page to submission."""

    __table_args__ = (UniqueConstraint("visit_id", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")  # in_progress | submitted
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped["Visit"] = relationship(back_populates="responses")  # noqa: F821
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )

    def answer_map(self) -> dict[str, "Answer"]:
        return {answer.item_code: answer for answer in self.answers}

    def set_answer(self, item_code: str, value: int | None, *, skipped: bool = False,
                   text: str | None = None, now: datetime | None = None) -> tuple[object, object] | None:
        """Store one answer; return (old, new) display values when it changed, else None."""
        now = now or utcnow()
        new = "skipped" if skipped else (text if text is not None else value)
        for answer in self.answers:
            if answer.item_code == item_code:
                old = answer.display_value
                if old == new:
                    return None
                answer.value, answer.skipped, answer.text, answer.answered_at = value, skipped, text, now
                return old, new
        self.answers.append(Answer(item_code=item_code, value=value, skipped=skipped, text=text, answered_at=now))
        return None, new


class Answer(db.Model):
    """One item's answer. `skipped` is an explicit "prefer not to answer"; an item never shown has no row."""

    __table_args__ = (UniqueConstraint("response_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)  # free text ("other" aid)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Staff corrections keep the patient's original beside the corrected value (the audit trail has both too).
    original_value: Mapped[int | None] = mapped_column(Integer)
    original_skipped: Mapped[bool | None] = mapped_column(Boolean)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")

    @property
    def display_value(self):
        if self.skipped:
            return "skipped"
        return self.text if self.text is not None else self.value
