"""Saving and sending a visit's answers. Shared by the survey views and the tests; nothing here commits.

Concurrency: every save and the submission first lock the visit row (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite's `BEGIN IMMEDIATE` already serialises writers), so two tabs, two devices or twenty replayed taps are
applied one after another. The submission's guard is the conditional
`UPDATE visit SET submitted_at = now WHERE id = ? AND submitted_at IS NULL`: exactly one request wins.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..instruments import Instrument, Page, Translation
from ..models import Message, SurveyResponse, Visit
from ..models.types import utcnow
from .flow import PageAnswers, PageRef, first_incomplete, visit_pages


class AlreadySubmitted(Exception):
    """The visit's answers were sent: nothing may change any more."""


@dataclass
class VisitAnswers:
    """What a visit has saved so far, by instrument."""

    visit: Visit
    responses: dict[str, SurveyResponse]

    @property
    def pages(self) -> list[PageRef]:
        return visit_pages(self.visit.instrument_codes)

    def saved(self, instrument: str) -> dict[str, tuple[int | None, bool, str | None]]:
        response = self.responses.get(instrument)
        if response is None:
            return {}
        return {a.item_code: (a.value, a.skipped, a.text) for a in response.answers}

    def answered(self) -> dict[str, set[str]]:
        return {code: {a.item_code for a in response.answers} for code, response in self.responses.items()}

    def resume_at(self) -> PageRef | None:
        return first_incomplete(self.pages, self.answered())

    def stamp(self, ref: PageRef) -> str:
        """When this page was last saved on the server ("" if never): offline drafts older than it are dropped."""
        response = self.responses.get(ref.instrument.code)
        if response is None:
            return ""
        codes = set(ref.page.item_codes + ref.page.checkbox_codes)
        times = [a.answered_at for a in response.answers if a.item_code in codes]
        return max(times).isoformat() if times else ""


def load(visit: Visit) -> VisitAnswers:
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)
                                   .options(selectinload(SurveyResponse.answers)))
    return VisitAnswers(visit, {response.instrument: response for response in responses})


def lock_visit(visit_id: int) -> Visit:
    """The visit row, locked until the end of the transaction, with fresh values."""
    return db.session.scalar(
        select(Visit).where(Visit.id == visit_id).with_for_update().execution_options(populate_existing=True)
    )


def save_page(visit: Visit, instrument: Instrument, page: Page, answers: PageAnswers, translation: Translation,
              now: datetime | None = None) -> tuple[SurveyResponse, dict]:
    """Store one page's answers; return the response and {item_code: (old, new)} of what changed."""
    now = now or utcnow()
    visit = lock_visit(visit.id)
    if visit.submitted_at is not None:
        raise AlreadySubmitted()
    response = db.session.scalar(select(SurveyResponse).where(
        SurveyResponse.visit_id == visit.id, SurveyResponse.instrument == instrument.code))
    if response is None:
        response = SurveyResponse(visit_id=visit.id, instrument=instrument.code, version=instrument.version,
                                  language=translation.language, started_at=now, updated_at=now)
        db.session.add(response)
    elif response.language != translation.language and not translation.validated:
        # Mixed languages: keep the one a report must flag (an unvalidated translation was shown).
        response.language = translation.language
    changes = {}
    for code, (value, skipped, text) in answers.stored().items():
        change = response.set_answer(code, value, skipped=skipped, text=text, now=now)
        if change is not None:
            changes[code] = change
    response.updated_at = now
    db.session.flush()
    return response, changes


def missing_pages(answers: VisitAnswers) -> list[PageRef]:
    answered = answers.answered()
    return [ref for ref in answers.pages
            if not all(code in answered.get(ref.instrument.code, set()) for code in ref.page.item_codes)]


class Incomplete(Exception):
    def __init__(self, pages: list[PageRef]):
        super().__init__(f"{len(pages)} page(s) not answered")
        self.pages = pages


def submit(visit: Visit, now: datetime | None = None) -> bool:
    """Send the visit's answers. True when this call sent them; False when they had already been sent.

    Raises Incomplete (nothing changed) when a question is still unanswered. Pending reminders for the visit
    are cancelled in the same transaction.
    """
    now = now or utcnow()
    visit = lock_visit(visit.id)
    if visit.submitted_at is not None:
        return False
    answers = load(visit)
    missing = missing_pages(answers)
    if missing:
        raise Incomplete(missing)
    won = db.session.execute(
        update(Visit).where(Visit.id == visit.id, Visit.submitted_at.is_(None)).values(submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        return False
    for response in answers.responses.values():
        response.status, response.submitted_at, response.updated_at = "submitted", now, now
    db.session.execute(
        update(Message).where(Message.visit_id == visit.id, Message.status == "pending")
        .values(status="cancelled", cancelled_reason="submitted").execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(visit)
    return True
