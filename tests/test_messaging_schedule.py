"""The pure message schedule: windows, cadence, cap, quiet hours in the patient's zone (DST included),
and the send-time decision."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pro_app.messaging import schedule
from pro_app.messaging.schedule import CANCEL, DEFER, SEND, Cadence, Facts, decide, is_quiet, out_of_quiet_hours, plan

LONDON, NEW_YORK, SYDNEY = "Europe/London", "America/New_York", "Australia/Sydney"


def local(instant, zone):
    return instant.astimezone(ZoneInfo(zone))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_invitation_at_window_open_and_reminders_at_plus_2_plus_5_and_one_day_before_close():
    messages = plan(date(2026, 6, 1), date(2026, 6, 29), LONDON)

    assert [(m.kind, m.sequence) for m in messages] == [("invitation", 0), ("reminder", 1), ("reminder", 2),
                                                        ("reminder", 3)]
    days = [local(m.due_at, LONDON) for m in messages]
    assert [d.date() for d in days] == [date(2026, 6, 1), date(2026, 6, 3), date(2026, 6, 6), date(2026, 6, 28)]
    assert all(d.hour == 8 and d.minute == 0 for d in days)  # first hour after the quiet hours, local time
    assert messages[0].due_at == utc(2026, 6, 1, 7)  # 08:00 BST is 07:00 UTC


def test_cadence_is_configurable_and_capped():
    cadence = Cadence(days_after_open=(1, 2, 3, 4, 6), days_before_close=(2, 1), max_reminders=3)

    reminders = [m for m in plan(date(2026, 6, 1), date(2026, 6, 29), LONDON, cadence) if m.kind == "reminder"]

    assert len(reminders) == 3
    # the earliest ones and the last one before the close are kept
    assert [local(m.due_at, LONDON).date() for m in reminders] == [date(2026, 6, 2), date(2026, 6, 3),
                                                                   date(2026, 6, 28)]


def test_from_config_reads_the_settings():
    cadence = Cadence.from_config({"REMINDER_DAYS_AFTER_OPEN": (3,), "REMINDER_DAYS_BEFORE_CLOSE": (),
                                   "REMINDER_MAX_PER_VISIT": 1, "QUIET_HOURS": (22, 7)})

    assert cadence == Cadence(days_after_open=(3,), days_before_close=(), max_reminders=1, quiet_start=22,
                              quiet_end=7)


def test_no_reminder_at_or_after_the_window_close_and_none_too_close_together():
    messages = plan(date(2026, 6, 1), date(2026, 6, 3), LONDON)  # a three-day window

    closes = schedule.window_bounds(date(2026, 6, 1), date(2026, 6, 3), LONDON)[1]
    assert all(m.due_at < closes for m in messages)
    times = [m.due_at for m in messages]
    assert all(b - a >= schedule.MIN_GAP for a, b in zip(times, times[1:]))


def test_planning_late_sends_the_invitation_now_and_skips_reminders_already_past():
    now = utc(2026, 6, 10, 12)

    messages = plan(date(2026, 6, 1), date(2026, 6, 29), LONDON, now=now)

    assert messages[0].kind == "invitation"
    reminders = [m for m in messages if m.kind == "reminder"]
    assert [local(m.due_at, LONDON).date() for m in reminders] == [date(2026, 6, 28)]
    assert plan(date(2026, 6, 1), date(2026, 6, 29), LONDON, now=utc(2026, 6, 30, 12)) == []


@pytest.mark.parametrize("zone,day,expected_utc_hour", [
    # Europe/London: BST ends 2026-10-25 (clocks back 02:00 -> 01:00), begins 2026-03-29 (01:00 -> 02:00)
    (LONDON, date(2026, 10, 24), 7), (LONDON, date(2026, 10, 25), 8), (LONDON, date(2026, 10, 26), 8),
    (LONDON, date(2026, 3, 28), 8), (LONDON, date(2026, 3, 29), 7), (LONDON, date(2026, 3, 30), 7),
    # America/New_York: DST begins 2026-03-08, ends 2026-11-01
    (NEW_YORK, date(2026, 3, 7), 13), (NEW_YORK, date(2026, 3, 8), 12), (NEW_YORK, date(2026, 11, 1), 13),
    (NEW_YORK, date(2026, 10, 31), 12),
])
def test_invitations_go_out_at_8_local_on_both_sides_of_a_dst_change(zone, day, expected_utc_hour):
    invitation = plan(day, day + timedelta(days=28), zone)[0]

    assert invitation.due_at == datetime(day.year, day.month, day.day, expected_utc_hour, tzinfo=UTC)
    assert local(invitation.due_at, zone).hour == 8


def test_quiet_hours_are_the_patients_not_the_servers():
    instant = utc(2026, 6, 1, 23)  # 00:00 in London, 19:00 in New York, 09:00 in Sydney

    assert is_quiet(instant, LONDON)
    assert not is_quiet(instant, NEW_YORK)
    assert not is_quiet(instant, SYDNEY)


@pytest.mark.parametrize("instant,zone,expected", [
    # evening in London the night the clocks go back: wait for 08:00 GMT next morning
    (utc(2026, 10, 24, 21, 30), LONDON, utc(2026, 10, 25, 8)),
    # 03:00 local (02:00 UTC) in London on the night the clocks go forward: 08:00 BST = 07:00 UTC
    (utc(2026, 3, 29, 2), LONDON, utc(2026, 3, 29, 7)),
    # 20:59 local is still allowed; 21:00 is not
    (utc(2026, 6, 1, 19, 59), LONDON, utc(2026, 6, 1, 19, 59)),
    (utc(2026, 6, 1, 20, 0), LONDON, utc(2026, 6, 2, 7)),
    # New York evening on the day DST ends
    (utc(2026, 11, 2, 2), NEW_YORK, utc(2026, 11, 2, 13)),
])
def test_a_message_due_in_quiet_hours_waits_for_8_local(instant, zone, expected):
    assert out_of_quiet_hours(instant, zone) == expected


def test_out_of_quiet_hours_never_lands_in_quiet_hours_all_year_round():
    for zone in (LONDON, NEW_YORK, SYDNEY, "Asia/Kolkata", "America/St_Johns"):
        instant = utc(2026, 1, 1)
        while instant < utc(2027, 1, 1):
            moved = out_of_quiet_hours(instant, zone)
            assert not is_quiet(moved, zone), (zone, instant)
            assert moved >= instant and moved - instant <= timedelta(hours=12)
            instant += timedelta(minutes=97)


def facts(**overrides):
    values = dict(kind="reminder", window_open=date(2026, 6, 1), window_close=date(2026, 6, 29), timezone=LONDON,
                  preferred_channel="email", email="p@example.org", phone="+441632960123")
    values.update(overrides)
    return Facts(**values)


NOON = utc(2026, 6, 10, 11)  # 12:00 in London


def test_decide_sends_on_the_preferred_channel():
    assert decide(facts(), NOON) == schedule.Decision(SEND, "", "email")
    assert decide(facts(preferred_channel="sms"), NOON).channel == "sms"


@pytest.mark.parametrize("overrides,reason", [
    ({"submitted": True}, "submitted"),
    ({"withdrawn": True}, "withdrawn"),
    ({"revoked_after_planning": True}, "revoked"),
    ({"paused": True}, "paused"),
    ({"preferred_channel": "none"}, "no_channel"),
    ({"email_opted_out": True, "sms_opted_out": True}, "opted_out_or_no_address"),
    ({"preferred_channel": "sms", "phone": None, "email": None}, "opted_out_or_no_address"),
    ({"window_close": date(2026, 6, 9)}, "window_closed"),
])
def test_decide_cancels_what_must_not_go_out(overrides, reason):
    decision = decide(facts(**overrides), NOON)

    assert (decision.action, decision.reason) == (CANCEL, reason)


def test_a_pause_does_not_stop_a_coordinators_explicit_send():
    assert decide(facts(paused=True, manual=True), NOON).action == SEND


def test_sms_stop_falls_back_to_email_and_never_to_sms():
    decision = decide(facts(preferred_channel="sms", sms_opted_out=True), NOON)

    assert (decision.action, decision.channel) == (SEND, "email")
    assert decide(facts(preferred_channel="sms", sms_opted_out=True, email=None), NOON).action == CANCEL


def test_decide_defers_in_quiet_hours_and_before_the_window_opens():
    night = decide(facts(), utc(2026, 6, 10, 1))  # 02:00 BST

    assert (night.action, night.reason, night.until) == (DEFER, "quiet_hours", utc(2026, 6, 10, 7))
    early = decide(facts(window_open=date(2026, 6, 12)), NOON)
    assert (early.action, early.until) == (DEFER, utc(2026, 6, 12, 7))


def test_quiet_hours_on_the_last_evening_of_the_window_mean_cancel_not_send_after_close():
    decision = decide(facts(window_close=date(2026, 6, 10)), utc(2026, 6, 10, 21))  # 22:00 BST, last day

    assert (decision.action, decision.reason) == (CANCEL, "window_closed")


def test_daily_cap():
    decision = decide(facts(sent_today=3), NOON)

    assert (decision.action, decision.reason, decision.until) == (DEFER, "daily_cap", utc(2026, 6, 11, 7))


def test_backoff_grows_and_is_capped():
    delays = [schedule.backoff(n) for n in range(1, 10)]

    assert delays[:3] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert max(delays) == timedelta(hours=4) and delays == sorted(delays)


@pytest.mark.parametrize("module", ["messaging/schedule.py", "coordinator/compliance.py", "scheduling.py"])
def test_the_rules_are_pure(module):
    """No Flask, no database: the rules are tested (and reasoned about) on their own."""
    import sys

    from tests.test_architecture import app_root, imported_modules

    source = (app_root() / module).read_text(encoding="utf-8")
    outside = {name for name in imported_modules(source) if name not in sys.stdlib_module_names}
    assert not outside, outside
    assert "from ..extensions" not in source and "from ..models" not in source
