"""ACR-CRISS (spec section 5): public vectors, Step 1, missing values, ranges."""
import math

import pytest

from pro_app.scoring import (
    CORE_ITEMS,
    STEP1_EVENTS,
    CoreSet,
    MissingInput,
    ScoringInputError,
    Step1,
    acr_criss,
    suggest_fvc_decline,
)
from tests.scoring.scoring_helpers import mismatches, vector_params

BASELINE = CoreSet(mrss=24, fvc_pct=70.0, pt_global=6, md_global=6, haq_di=1.5)
NO_EVENTS = Step1(renal_crisis=False, fvc_decline=False, lv_failure=False, pah=False)


@pytest.mark.parametrize(("given", "expected"), vector_params("criss"))
def test_public_vector_reproduces_from_dicts(given, expected):
    result = acr_criss(
        CoreSet.from_dict(given["baseline"], visit="baseline"),
        CoreSet.from_dict(given["followup"], visit="followup"),
        Step1.from_dict(given["step1"]),
    )

    assert mismatches(expected, result.to_dict()) == []


def test_linear_predictor_and_probability_worked_by_hand():
    # V3: L = -5.54 - 0.81(-7) + 0.21(2) - 0.40(-1) - 0.44(-1) - 3.41(-0.125) = 1.81625
    followup = CoreSet(mrss=17, fvc_pct=72.0, pt_global=5, md_global=5, haq_di=1.375)

    result = acr_criss(BASELINE, followup, NO_EVENTS)

    assert result.linear_predictor == pytest.approx(1.81625, abs=1e-12)
    assert result.criss == pytest.approx(1 / (1 + math.exp(-1.81625)), abs=1e-12)
    assert result.rule == "step2"
    assert result.deltas == {"mrss": -7.0, "fvc_pct": 2.0, "pt_global": -1.0, "md_global": -1.0, "haq_di": -0.125}


def test_probability_just_below_point_six_is_not_improved():
    # L = -5.54 + 0.81*7 + 0.21*1.3 = 0.403 < ln(1.5) = 0.4055; p = 0.5994
    followup = CoreSet(mrss=17, fvc_pct=71.3, pt_global=6, md_global=6, haq_di=1.5)

    result = acr_criss(BASELINE, followup, NO_EVENTS)

    assert result.linear_predictor == pytest.approx(0.403, abs=1e-12)
    assert result.criss == pytest.approx(0.5994, abs=1e-4)
    assert result.improved is False


def test_probability_just_above_point_six_is_improved():
    # L = -5.54 + 0.81*7 + 0.21*1.4 = 0.424; p = 0.6044
    followup = CoreSet(mrss=17, fvc_pct=71.4, pt_global=6, md_global=6, haq_di=1.5)

    result = acr_criss(BASELINE, followup, NO_EVENTS)

    assert result.criss == pytest.approx(0.6044, abs=1e-4)
    assert result.improved is True


def test_to_dict_rounds_to_four_decimals_but_the_result_keeps_full_precision():
    followup = CoreSet(mrss=17, fvc_pct=72.0, pt_global=5, md_global=5, haq_di=1.375)

    result = acr_criss(BASELINE, followup, NO_EVENTS)

    assert result.to_dict()["criss"] == 0.8601
    assert result.to_dict()["linear_predictor"] == 1.8163  # 1.81625 rounded half up
    assert result.criss != 0.8601


def test_step1_event_gives_zero_even_when_every_core_value_is_missing():
    result = acr_criss(CoreSet(), CoreSet(), Step1(renal_crisis=None, fvc_decline=None, lv_failure=True, pah=None))

    assert result.criss == 0.0
    assert result.step1_met is True
    assert result.improved is False
    assert result.computable is True
    assert result.linear_predictor is None
    assert result.rule == "step1"
    assert len(result.missing) == 13  # 10 core values and the 3 unanswered events, for the record


def test_unanswered_step1_question_without_an_event_is_not_computable():
    step1 = Step1(renal_crisis=False, fvc_decline=False, lv_failure=False, pah=None)
    followup = CoreSet(mrss=14, fvc_pct=70.0, pt_global=6, md_global=6, haq_di=1.5)

    result = acr_criss(BASELINE, followup, step1)

    assert result.computable is False
    assert result.criss is None
    assert result.improved is None
    assert result.step1_met is False
    assert result.rule == "not_computable"
    assert result.missing == (MissingInput(visit="step1", field="pah", provider="clinician"),)


def test_not_computable_names_every_missing_value_with_visit_and_provider():
    baseline = CoreSet(mrss=None, fvc_pct=70.0, pt_global=None, md_global=6, haq_di=1.5)
    followup = CoreSet(mrss=20, fvc_pct=None, pt_global=5, md_global=5, haq_di=None)

    result = acr_criss(baseline, followup, NO_EVENTS)

    assert [m.to_dict() for m in result.missing] == [
        {"visit": "baseline", "field": "mrss", "provider": "clinician"},
        {"visit": "baseline", "field": "pt_global", "provider": "patient"},
        {"visit": "followup", "field": "fvc_pct", "provider": "clinician"},
        {"visit": "followup", "field": "haq_di", "provider": "patient"},
    ]
    assert result.deltas["md_global"] == -1.0
    assert result.deltas["mrss"] is None


def test_acr_criss_accepts_plain_mappings():
    result = acr_criss(
        BASELINE.to_dict(), {"mrss": 14, "fvc_pct": 70.0, "pt_global": 6, "md_global": 6, "haq_di": 1.5},
        {"renal_crisis": False, "fvc_decline": False, "lv_failure": False, "pah": False},
    )

    assert result.linear_predictor == pytest.approx(2.56)


def test_step1_met_property():
    assert NO_EVENTS.met is False
    assert Step1(pah=True).met is True
    assert Step1(renal_crisis=False, fvc_decline=False, lv_failure=False).met is None


@pytest.mark.parametrize(
    ("item", "value", "problem"),
    [
        ("mrss", 52, "must be between 0 and 51"),
        ("mrss", -1, "must be between 0 and 51"),
        ("fvc_pct", -0.1, "must be between 0 and 200"),
        ("fvc_pct", 201, "must be between 0 and 200"),
        ("pt_global", 10.5, "must be between 0 and 10"),
        ("md_global", 60, "must be between 0 and 10"),
        ("haq_di", 3.001, "must be between 0 and 3"),
        ("pt_global", "5", "must be a number, not text"),
        ("mrss", True, "must be a number, not true/false"),
        ("fvc_pct", float("inf"), "must be a finite number"),
        ("mrss", 10**400, "must be between 0 and 51"),
    ],
)
def test_out_of_range_or_wrong_type_core_value_is_rejected_naming_visit_and_field(item, value, problem):
    with pytest.raises(ScoringInputError) as raised:
        CoreSet.from_dict({**BASELINE.to_dict(), item: value}, visit="followup")

    assert str(raised.value) == f"followup.{item}: {problem}"


def test_unknown_core_field_is_rejected_rather_than_read_as_missing():
    with pytest.raises(ScoringInputError, match=r"^baseline\.fvc: unknown field"):
        CoreSet.from_dict({"mrss": 1, "fvc": 70}, visit="baseline")


@pytest.mark.parametrize("value", ["true", 1, 0, "yes"])
def test_step1_answer_must_be_true_or_false(value):
    with pytest.raises(ScoringInputError, match=r"^step1\.pah: must be true or false"):
        Step1.from_dict({"renal_crisis": False, "fvc_decline": False, "lv_failure": False, "pah": value})


def test_missing_visit_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^followup: is required$"):
        acr_criss(BASELINE, None, NO_EVENTS)


def test_constants():
    assert CORE_ITEMS == ("mrss", "fvc_pct", "pt_global", "md_global", "haq_di")
    assert STEP1_EVENTS == ("renal_crisis", "fvc_decline", "lv_failure", "pah")


@pytest.mark.parametrize(
    ("baseline", "followup", "expected"),
    [
        (80, 68, True),  # exactly 15 % relative fall, below 80
        (90, 76.5, True),  # exactly 15 %, needs exact decimals
        (80, 68.1, False),  # 14.875 %
        (100, 85, False),  # 15 % but still 85 % predicted
        (70, 20, True),
        (0, 0, False),  # no relative change from 0
        (None, 60, None),
        (70, None, None),
    ],
)
def test_fvc_decline_suggestion(baseline, followup, expected):
    assert suggest_fvc_decline(baseline, followup) is expected


def test_convention_states_step1_and_the_unanswered_question_rule():
    text = acr_criss(BASELINE, BASELINE, NO_EVENTS).convention

    assert "Khanna" in text and "0.60" in text
    assert "Step-1 question is unanswered" in text
