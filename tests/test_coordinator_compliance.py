"""Compliance counting (pure) and plan text parsing."""
from datetime import date, timedelta

from pro_app.coordinator.compliance import VisitFact, overdue, status, summarise
from pro_app.coordinator.forms import contact_problems, parse_plan_text

TODAY = date(2026, 6, 15)


def fact(code="m3", target=TODAY, submitted=False, started=False, patient=1, position=1, before=14, after=14):
    return VisitFact(patient, f"P-{patient}", code, code.upper(), position, target, target - timedelta(days=before),
                     target + timedelta(days=after), submitted, started, TODAY)


def test_status_of_a_visit():
    assert status(fact(target=TODAY + timedelta(days=20))) == "upcoming"
    assert status(fact(target=TODAY + timedelta(days=3))) == "due"
    assert status(fact(target=TODAY)) == "due"
    assert status(fact(target=TODAY - timedelta(days=1), started=True)) == "overdue"
    assert status(fact(target=TODAY - timedelta(days=15))) == "missed"
    assert status(fact(target=TODAY - timedelta(days=15), submitted=True)) == "completed"


def test_summary_per_visit_and_response_rate():
    facts = [fact("baseline", TODAY - timedelta(days=100), submitted=True, patient=1, position=0),
             fact("baseline", TODAY - timedelta(days=100), patient=2, position=0),
             fact("baseline", TODAY - timedelta(days=100), submitted=True, patient=3, position=0),
             fact("m3", TODAY - timedelta(days=3), patient=1),
             fact("m3", TODAY + timedelta(days=3), patient=2),
             fact("m3", TODAY + timedelta(days=30), patient=3)]

    rows, totals = summarise(facts)

    assert [r.code for r in rows] == ["baseline", "m3"]
    assert rows[0].counts == {"upcoming": 0, "due": 0, "overdue": 0, "completed": 2, "missed": 1}
    assert abs(rows[0].response_rate - 2 / 3) < 1e-9
    assert rows[1].counts == {"upcoming": 1, "due": 1, "overdue": 1, "completed": 0, "missed": 0}
    assert rows[1].response_rate is None
    assert totals["row"].counts["completed"] == 2
    assert [f.patient_id for f in overdue(facts)] == [1]


def test_plan_text_parses_lines_and_reports_problems():
    visits, problems = parse_plan_text("baseline, Baseline, 0, 0, 14, pt_global haq\nm1, Month 1, 30, 7, 7\n")

    assert not problems
    assert visits[0].code == "baseline" and visits[0].instruments == "pt_global,haq"
    assert visits[1].instruments == "pt_global,haq,shaq" and visits[1].window_before == 7

    for text, fragment in [("m1, Month 1, 30", "write code"), ("M 1, x, 1, 1, 1", "lower-case"),
                           ("a, A, 1, 1, 1\na, B, 2, 1, 1", "used twice"), ("a, A, x, 1, 1", "whole numbers"),
                           ("a, A, 1, 1, 999", "0-90"), ("a, A, 1, 1, 1, mrss", "instruments"), ("", "at least")]:
        _, problems = parse_plan_text(text)
        assert problems and fragment in problems[0], (text, problems)


def test_contact_details_are_validated():
    assert contact_problems("a@example.org", "+441632960123", "sms", "Europe/London", "en") == []
    assert contact_problems("a@example.org\r\nBcc: x@evil.example", None, "email", "Europe/London", "en")
    assert contact_problems("a@example.org, b@example.org", None, "email", "Europe/London", "en")
    assert contact_problems(None, "01632 960123", "sms", "Europe/London", "en")
    assert contact_problems(None, None, "email", "Europe/London", "en")
    assert contact_problems("a@example.org", None, "email", "Mars/Olympus", "en")
    assert contact_problems("a@example.org", None, "email", "Europe/London", "xx")
    assert contact_problems(None, None, "none", "Europe/London", "de") == []
