"""Revised CRISS (spec section 6): public vectors and exact threshold cases by hand."""
import pytest

from pro_app.scoring import THRESHOLDS, CoreSet, MissingInput, ScoringInputError, Step1, revised_criss
from tests.scoring.scoring_helpers import mismatches, vector_params

NO_EVENTS = Step1(renal_crisis=False, fvc_decline=False, lv_failure=False, pah=False)
STEADY = dict(mrss=20, fvc_pct=70.0, pt_global=5, md_global=5, haq_di=1.0)


def judged(item, before, after, threshold=30, **settings):
    """(improved, worsened) for one item changed from ``before`` to ``after``, others steady."""
    result = revised_criss(
        CoreSet(**{**STEADY, item: before}), CoreSet(**{**STEADY, item: after}), NO_EVENTS,
        thresholds=(threshold,), **settings,
    )
    change = result.items[threshold][item]
    return change.improved, change.worsened


@pytest.mark.parametrize(("given", "expected"), vector_params("rcriss"))
def test_public_vector_reproduces(given, expected):
    result = revised_criss(given["baseline"], given["followup"], given["step1"])

    assert mismatches(expected, result.to_dict()) == []


def test_twenty_to_fourteen_is_exactly_a_thirty_percent_improvement():
    assert judged("mrss", 20, 14, threshold=30) == (True, False)
    assert judged("mrss", 20, 14.1, threshold=30) == (False, False)


def test_four_to_three_is_exactly_twenty_five_percent():
    assert judged("md_global", 4, 3, threshold=25) == (True, False)
    assert judged("md_global", 4, 3, threshold=30) == (False, False)


def test_relative_fall_is_exact_where_binary_floats_are_not():
    # (1.5 - 1.05) / 1.5 is 0.29999999999999993 in binary floating point.
    assert judged("haq_di", 1.5, 1.05, threshold=30) == (True, False)


def test_relative_rise_of_exactly_the_threshold_is_worsened():
    assert judged("pt_global", 4, 5, threshold=25) == (False, True)
    assert judged("pt_global", 4, 5, threshold=30) == (False, False)


def test_baseline_zero_cannot_improve_and_any_rise_worsens():
    assert judged("pt_global", 0, 0, threshold=20) == (False, False)
    assert judged("pt_global", 0, 0.1, threshold=60) == (False, True)


def test_fvc_improves_by_five_absolute_points_whatever_the_threshold():
    assert judged("fvc_pct", 70.1, 75.1, threshold=60) == (True, False)  # 75.1 - 70.1 is 4.99999... in floats
    assert judged("fvc_pct", 70.0, 74.9, threshold=20) == (False, False)


def test_fvc_worsens_by_five_absolute_points():
    assert judged("fvc_pct", 70.0, 65.0) == (False, True)
    assert judged("fvc_pct", 70.0, 65.1) == (False, False)


def test_fvc_relative_mode_uses_the_threshold_like_the_other_items():
    assert judged("fvc_pct", 50.0, 60.0, threshold=20, fvc_mode="relative") == (True, False)
    assert judged("fvc_pct", 50.0, 59.9, threshold=20, fvc_mode="relative") == (False, False)
    assert judged("fvc_pct", 50.0, 40.0, threshold=20, fvc_mode="relative") == (False, True)


def test_fvc_relative_points_mode_uses_fvc_points_as_a_relative_percentage():
    # 70 -> 73.5 is +5 % relative but only +3.5 absolute points.
    assert judged("fvc_pct", 70.0, 73.5, threshold=60, fvc_mode="relative_points") == (True, False)
    assert judged("fvc_pct", 70.0, 73.5, threshold=60) == (False, False)


def test_responder_needs_three_improved_at_each_threshold():
    # mRSS 30 %, HAQ-DI 30 %, physician global 25 %, patient global 20 %, FVC +2 points.
    baseline = CoreSet(mrss=20, fvc_pct=70.0, pt_global=5, md_global=4, haq_di=1.0)
    followup = CoreSet(mrss=14, fvc_pct=72.0, pt_global=4, md_global=3, haq_di=0.7)

    result = revised_criss(baseline, followup, NO_EVENTS)

    assert result.improved_count == {20: 4, 25: 3, 30: 2, 40: 0, 50: 0, 60: 0}
    assert result.responder == {20: True, 25: True, 30: False, 40: False, 50: False, 60: False}


def test_two_worsened_items_prevent_response_and_max_worsened_is_a_setting():
    baseline = CoreSet(mrss=20, fvc_pct=70.0, pt_global=4, md_global=4, haq_di=1.0)
    followup = CoreSet(mrss=10, fvc_pct=80.0, pt_global=5, md_global=5, haq_di=0.5)  # globals +25 %

    default = revised_criss(baseline, followup, NO_EVENTS, thresholds=(25,))
    lenient = revised_criss(baseline, followup, NO_EVENTS, thresholds=(25,), max_worsened=2)

    assert default.worsened_count == {25: 2}
    assert default.responder == {25: False}
    assert lenient.responder == {25: True}
    assert "at most 2 worsened" in lenient.convention


def test_step1_event_makes_a_non_responder_at_every_threshold_even_with_missing_values():
    result = revised_criss(CoreSet(mrss=20), CoreSet(), Step1(pah=True))

    assert result.step1_met is True
    assert result.computable is True
    assert result.responder == {x: False for x in THRESHOLDS}
    assert result.improved_count[20] is None


def test_missing_value_without_step1_is_not_computable():
    result = revised_criss(CoreSet(**STEADY), CoreSet(**{**STEADY, "haq_di": None}), NO_EVENTS)

    assert result.computable is False
    assert result.responder is None
    assert result.missing == (MissingInput("followup", "haq_di", "patient"),)
    assert "haq_di" not in result.items[20]
    assert result.to_dict()["responder"] is None


def test_unanswered_step1_question_without_an_event_is_not_computable():
    result = revised_criss(CoreSet(**STEADY), CoreSet(**STEADY), Step1(False, False, None, False))

    assert result.computable is False
    assert result.missing == (MissingInput("step1", "lv_failure", "clinician"),)


def test_to_dict_uses_string_threshold_keys_and_names_the_convention():
    data = revised_criss(CoreSet(**STEADY), CoreSet(**STEADY), NO_EVENTS).to_dict()

    assert list(data["responder"]) == ["20", "25", "30", "40", "50", "60"]
    assert data["items"]["20"]["fvc_pct"]["change_abs"] == 0.0
    assert data["fvc_mode"] == "absolute"
    assert "absolute rise of at least 5 percentage points" in data["convention"]
    assert "at most 1 worsened" in data["convention"]


def test_item_change_reports_absolute_and_relative_change():
    result = revised_criss(CoreSet(**STEADY), CoreSet(**{**STEADY, "mrss": 15}), NO_EVENTS, thresholds=(25,))

    change = result.items[25]["mrss"]

    assert (change.baseline, change.followup, change.change_abs, change.change_pct) == (20, 15, -5.0, -25.0)
    assert change.improved is True


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"fvc_mode": "percent"}, "fvc_mode"), ({"thresholds": (0,)}, "thresholds"),
     ({"fvc_points": -5}, "fvc_points"), ({"max_worsened": 1.5}, "max_worsened")],
)
def test_bad_settings_are_rejected(settings, field):
    with pytest.raises(ScoringInputError) as raised:
        revised_criss(CoreSet(**STEADY), CoreSet(**STEADY), NO_EVENTS, **settings)

    assert raised.value.field == field
