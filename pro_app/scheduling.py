"""Visit dates and windows: pure date arithmetic, no framework (tested directly).

A plan visit sits `day_offset` days after the anchor date (day 0) and can be completed from
`window_before` days before to `window_after` days after that target date, in the patient's calendar.
A survey link for the visit expires at the end of the window's last day in the patient's time zone.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VISIT_STATES = ("upcoming", "open", "in_progress", "completed", "missed")


@dataclass(frozen=True)
class PlannedVisit:
    code: str
    label: str
    position: int
    target_date: date
    window_open: date
    window_close: date
    instruments: str
    is_baseline: bool


@dataclass(frozen=True)
class PlanVisitSpec:
    code: str
    label: str
    day_offset: int
    window_before: int = 14
    window_after: int = 14
    instruments: str = "pt_global,haq,shaq"
    is_baseline: bool = False


# Default SSc plan: baseline and months 3, 6, 12, 18, 24, each +/- 14 days, all patient questionnaires.
DEFAULT_PLAN_NAME = "SSc standard (baseline, months 3-24)"
DEFAULT_PLAN = (
    PlanVisitSpec("baseline", "Baseline", 0, is_baseline=True),
    PlanVisitSpec("m3", "Month 3", 91),
    PlanVisitSpec("m6", "Month 6", 182),
    PlanVisitSpec("m12", "Month 12", 365),
    PlanVisitSpec("m18", "Month 18", 547),
    PlanVisitSpec("m24", "Month 24", 730),
)


def plan_dates(specs, anchor: date) -> list[PlannedVisit]:
    visits = []
    for position, spec in enumerate(specs):
        target = anchor + timedelta(days=spec.day_offset)
        visits.append(PlannedVisit(
            code=spec.code, label=spec.label, position=position, target_date=target,
            window_open=target - timedelta(days=spec.window_before),
            window_close=target + timedelta(days=spec.window_after),
            instruments=spec.instruments, is_baseline=spec.is_baseline,
        ))
    return visits


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` starts in `timezone` (daylight saving handled by zoneinfo)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def window_opens_at(window_open: date, timezone: str) -> datetime:
    return local_midnight(window_open, timezone)


def window_closes_at(window_close: date, timezone: str) -> datetime:
    """The end of the window's last day: the first instant of the next local day."""
    return local_midnight(window_close + timedelta(days=1), timezone)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def visit_state(window_open: date, window_close: date, today: date, submitted: bool, started: bool) -> str:
    """Where a visit stands for a patient on `today` (their local date)."""
    if submitted:
        return "completed"
    if today > window_close:
        return "missed"
    if today < window_open:
        return "upcoming"
    return "in_progress" if started else "open"
