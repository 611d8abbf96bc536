"""The clinic's pure decisions, tested without an app: timeline states, corrections, answer ranges, signatures."""
from datetime import date

import pytest

from pro_app.clinic import rules


@pytest.mark.parametrize("today, has_data, state", [
    (date(2026, 1, 1), False, "planned"),
    (date(2026, 1, 10), False, "window"),
    (date(2026, 1, 20), False, "window"),
    (date(2026, 1, 21), False, "missed"),
    (date(2026, 1, 21), True, "completed"),
    (date(2026, 1, 1), True, "completed"),
])
def test_timeline_state(today, has_data, state):
    assert rules.timeline_state(date(2026, 1, 10), date(2026, 1, 20), today, has_data) == state


def test_filling_an_empty_field_is_an_entry_but_changing_or_clearing_a_saved_one_is_a_correction():
    saved = {"md_global": 3, "fvc_pct": None, "mrss_face": 1}

    change = rules.assessment_change(saved, {"md_global": 4, "fvc_pct": 70.5, "mrss_face": None})

    assert change.changes == {"md_global": (3, 4), "fvc_pct": (None, 70.5), "mrss_face": (1, None)}
    assert change.corrected == ("mrss_face", "md_global") and change.needs_reason


def test_a_first_entry_needs_no_reason():
    change = rules.assessment_change({}, {"md_global": 4, "pah": False})

    assert not change.needs_reason and set(change.changes) == {"md_global", "pah"}


def test_the_fvc_hint_follows_the_scoring_engine_and_never_fails_on_bad_numbers():
    assert rules.fvc_decline_hint(88.0, 60.0) is True
    assert rules.fvc_decline_hint(88.0, 80.0) is False
    assert rules.fvc_decline_hint(None, 60.0) is None
    assert rules.fvc_decline_hint(88.0, 500.0) is None


@pytest.mark.parametrize("code, expected", [("dress", (0, 3)), ("pain", (0, 100)), ("pt_global", (0, 10)),
                                            ("aid_cane", (0, 1)), ("help_grip", (0, 1)), ("aid_other", None),
                                            ("nonsense", None)])
def test_answer_range(code, expected):
    assert rules.answer_range(code) == expected


def test_the_signed_content_hash_changes_with_any_value():
    _, first = rules.signed_content("m6", {"haq.dress": 1}, {"md_global": 3})
    _, same = rules.signed_content("m6", {"haq.dress": 1}, {"md_global": 3})
    _, other = rules.signed_content("m6", {"haq.dress": 1}, {"md_global": 4})

    assert first == same != other and len(first) == 64


def test_the_body_map_lists_every_site_once():
    assert sorted(rules.BODY_ORDER) == sorted(f.removeprefix("mrss_") for f in rules.MRSS_FIELDS)
