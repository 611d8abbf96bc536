"""When messages go out, and whether one may go out now: pure rules, no Flask, no database (tested directly).

Times are aware datetimes in UTC; every rule about the clock of the day is applied in the PATIENT's time zone
(zoneinfo), so daylight-saving changes move the UTC instant, never the local hour.

- The invitation is due when the visit window opens; reminders `days_after_open` days after that, and
  `days_before_close` days before the window's last day; at most `max_reminders` of them, none at or after the
  window's close.
- Nothing is sent in quiet hours (default 21:00-08:00 local): a message that falls due then waits for the end
  of the quiet hours.
- At send time `decide()` checks everything again: submitted, revoked, withdrawn, paused, opted out, no address,
  window not open yet or already closed, daily cap.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

INVITATION, REMINDER = "invitation", "reminder"
MANUAL_SEQUENCE = 100  # coordinator "send now" messages take sequences from here on
SEND, DEFER, CANCEL = "send", "defer", "cancel"


@dataclass(frozen=True)
class Cadence:
    days_after_open: tuple[int, ...] = (2, 5)
    days_before_close: tuple[int, ...] = (1,)
    max_reminders: int = 3
    quiet_start: int = 21  # local hour at which quiet hours begin
    quiet_end: int = 8  # local hour at which they end (and the day's messages may start)
    max_per_day: int = 3  # messages to one patient per local day (SECURITY.md G-MSG-3)

    @classmethod
    def from_config(cls, config) -> "Cadence":
        quiet = tuple(config.get("QUIET_HOURS", (21, 8)))
        return cls(
            days_after_open=tuple(int(d) for d in config.get("REMINDER_DAYS_AFTER_OPEN", (2, 5))),
            days_before_close=tuple(int(d) for d in config.get("REMINDER_DAYS_BEFORE_CLOSE", (1,))),
            max_reminders=int(config.get("REMINDER_MAX_PER_VISIT", 3)),
            quiet_start=int(quiet[0]), quiet_end=int(quiet[1]),
            max_per_day=int(config.get("MESSAGES_MAX_PER_DAY", 3)),
        )


@dataclass(frozen=True)
class PlannedMessage:
    kind: str
    sequence: int
    due_at: datetime  # UTC


def _local(day: date, hour: int, timezone: str) -> datetime:
    """The UTC instant of `hour`:00 on `day` in `timezone`. A wall time skipped by a spring-forward change
    is taken after the change (zoneinfo's fold=0 maps it forward), so the result is always a real instant."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def is_quiet(instant: datetime, timezone: str, cadence: Cadence = Cadence()) -> bool:
    hour = instant.astimezone(ZoneInfo(timezone)).hour
    if cadence.quiet_start > cadence.quiet_end:  # spans midnight (21 -> 8)
        return hour >= cadence.quiet_start or hour < cadence.quiet_end
    return cadence.quiet_start <= hour < cadence.quiet_end


def out_of_quiet_hours(instant: datetime, timezone: str, cadence: Cadence = Cadence()) -> datetime:
    """`instant` itself if it is outside quiet hours, else the end of those quiet hours (local time)."""
    if not is_quiet(instant, timezone, cadence):
        return instant
    local = instant.astimezone(ZoneInfo(timezone))
    day = local.date()
    if cadence.quiet_start > cadence.quiet_end and local.hour >= cadence.quiet_start:
        day += timedelta(days=1)  # evening: wait for tomorrow morning
    return _local(day, cadence.quiet_end, timezone)


def window_bounds(window_open: date, window_close: date, timezone: str) -> tuple[datetime, datetime]:
    """[opens, closes): local midnight of the first day to local midnight after the last day, in UTC."""
    return _local(window_open, 0, timezone), _local(window_close + timedelta(days=1), 0, timezone)


MIN_GAP = timedelta(hours=20)  # a reminder never follows the invitation (or another reminder) more closely


def plan(window_open: date, window_close: date, timezone: str, cadence: Cadence = Cadence(),
         now: datetime | None = None) -> list[PlannedMessage]:
    """The invitation and the reminders of one visit, each at the first allowed local hour of its day.

    With `now` (a patient enrolled, or planned, after the window opened): the invitation is due at once and
    reminders whose day has passed are dropped rather than sent in a burst.
    """
    _, closes = window_bounds(window_open, window_close, timezone)
    invitation_at = out_of_quiet_hours(_local(window_open, 0, timezone), timezone, cadence)
    if now is not None and now >= closes:
        return []
    if invitation_at >= closes:
        return []
    messages = [PlannedMessage(INVITATION, 0, invitation_at)]
    start = max(invitation_at, now) if now is not None else invitation_at
    days = {window_open + timedelta(days=d) for d in cadence.days_after_open if d > 0}
    days |= {window_close - timedelta(days=d) for d in cadence.days_before_close if d >= 0}
    candidates = sorted({out_of_quiet_hours(_local(day, 0, timezone), timezone, cadence) for day in days})
    reminder_times = []
    for at in candidates:
        previous = reminder_times[-1] if reminder_times else start
        if at < closes and at - previous >= MIN_GAP:
            reminder_times.append(at)
    if len(reminder_times) > cadence.max_reminders:
        # Keep the last reminder before the close (the one that matters most) and the earliest others.
        keep = reminder_times[:max(cadence.max_reminders - 1, 0)]
        if cadence.max_reminders > 0:
            keep.append(reminder_times[-1])
        reminder_times = keep
    messages += [PlannedMessage(REMINDER, n, at) for n, at in enumerate(reminder_times, start=1)]
    return messages


def backoff(attempts: int, base: timedelta = timedelta(minutes=5), cap: timedelta = timedelta(hours=4)) -> timedelta:
    """Wait before retry number `attempts` (1 = after the first failure): 5, 10, 20, 40 min ... capped."""
    return min(base * (2 ** max(attempts - 1, 0)), cap)


@dataclass(frozen=True)
class Facts:
    """What the database says at send time about one message, its visit and its patient."""

    kind: str
    window_open: date
    window_close: date
    timezone: str
    preferred_channel: str  # email | sms | none
    email: str | None = None
    phone: str | None = None
    email_opted_out: bool = False
    sms_opted_out: bool = False
    submitted: bool = False
    withdrawn: bool = False
    paused: bool = False
    manual: bool = False  # a coordinator asked for it ("send now"): not held back by a pause
    revoked_after_planning: bool = False  # a link of the visit was revoked after this message was planned
    sent_today: int = 0  # messages already sent to this patient on their local day
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    action: str  # send | defer | cancel
    reason: str = ""
    channel: str | None = None
    until: datetime | None = None


def choose_channel(facts: Facts) -> str | None:
    """The patient's preferred channel when it can be used, else the other one; None when neither can."""
    usable = {
        "email": bool(facts.email) and not facts.email_opted_out,
        "sms": bool(facts.phone) and not facts.sms_opted_out,
    }
    if facts.preferred_channel == "none":
        return None
    if usable.get(facts.preferred_channel):
        return facts.preferred_channel
    other = "sms" if facts.preferred_channel == "email" else "email"
    return other if usable[other] else None


def decide(facts: Facts, now: datetime, cadence: Cadence = Cadence()) -> Decision:
    """May this message go out at `now`? Checked again by the dispatcher right before each send."""
    opens, closes = window_bounds(facts.window_open, facts.window_close, facts.timezone)
    if facts.submitted:
        return Decision(CANCEL, "submitted")
    if facts.withdrawn:
        return Decision(CANCEL, "withdrawn")
    if facts.revoked_after_planning:
        return Decision(CANCEL, "revoked")
    if now >= closes:
        return Decision(CANCEL, "window_closed")
    if facts.paused and not facts.manual:
        return Decision(CANCEL, "paused")
    channel = choose_channel(facts)
    if channel is None:
        reason = "no_channel" if facts.preferred_channel == "none" else "opted_out_or_no_address"
        return Decision(CANCEL, reason)
    if now < opens:
        return Decision(DEFER, "window_not_open", channel, out_of_quiet_hours(opens, facts.timezone, cadence))
    if is_quiet(now, facts.timezone, cadence):
        until = out_of_quiet_hours(now, facts.timezone, cadence)
        if until >= closes:
            return Decision(CANCEL, "window_closed")
        return Decision(DEFER, "quiet_hours", channel, until)
    if facts.sent_today >= cadence.max_per_day:
        local_day = now.astimezone(ZoneInfo(facts.timezone)).date()
        until = _local(local_day + timedelta(days=1), cadence.quiet_end, facts.timezone)
        if until >= closes:
            return Decision(CANCEL, "daily_cap")
        return Decision(DEFER, "daily_cap", channel, until)
    return Decision(SEND, "", channel)


def local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The patient's current local day as [start, end) in UTC (for the daily cap)."""
    day = now.astimezone(ZoneInfo(timezone)).date()
    return _local(day, 0, timezone), _local(day + timedelta(days=1), 0, timezone)
