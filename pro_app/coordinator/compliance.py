"""The site's compliance picture: pure counting over visit facts (no Flask, no database; tested directly).

A visit, on the patient's local today, is
- upcoming: its window has not opened;
- due: the window is open, not sent yet, and the target date has not passed;
- overdue: the window is open, not sent yet, and the target date has passed;
- completed: the patient sent the answers;
- missed: the window closed without them.
Response rate per visit = completed / (completed + missed): of the windows that are over (or done), the share
that was answered. Open windows do not count against it yet.
"""
from dataclasses import dataclass, field
from datetime import date

from ..scheduling import visit_state


@dataclass(frozen=True)
class VisitFact:
    patient_id: int
    study_id: str
    code: str
    label: str
    position: int
    target_date: date
    window_open: date
    window_close: date
    submitted: bool
    started: bool
    today: date  # the patient's local date


def status(fact: VisitFact) -> str:
    state = visit_state(fact.window_open, fact.window_close, fact.today, fact.submitted, fact.started)
    if state in ("open", "in_progress"):
        return "overdue" if fact.today > fact.target_date else "due"
    return state


@dataclass
class Row:
    code: str
    label: str
    position: int
    counts: dict = field(default_factory=lambda: dict.fromkeys(("upcoming", "due", "overdue", "completed",
                                                                "missed"), 0))

    @property
    def response_rate(self) -> float | None:
        finished = self.counts["completed"] + self.counts["missed"]
        return None if finished == 0 else self.counts["completed"] / finished


def summarise(facts: list[VisitFact]) -> tuple[list[Row], dict]:
    """Rows per visit code (in plan order) and the totals across visits."""
    rows: dict[str, Row] = {}
    for fact in facts:
        row = rows.get(fact.code)
        if row is None:
            row = rows[fact.code] = Row(fact.code, fact.label, fact.position)
        row.counts[status(fact)] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.position, r.code))
    totals = Row("all", "All visits", 0)
    for row in ordered:
        for key, value in row.counts.items():
            totals.counts[key] += value
    return ordered, {"row": totals}


def overdue(facts: list[VisitFact]) -> list[VisitFact]:
    """Overdue visits, those whose window closes first at the top."""
    return sorted((f for f in facts if status(f) == "overdue"), key=lambda f: (f.window_close, f.study_id))
