"""Properties the scoring rules must keep for any valid input (hypothesis, 1,000 examples each)."""
import math
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pro_app.scoring import (
    CORE_ITEMS,
    HAQ_AIDS,
    HAQ_CATEGORIES,
    HAQ_ITEMS,
    STEP1_EVENTS,
    THRESHOLDS,
    CoreSet,
    Step1,
    acr_criss,
    revised_criss,
    score_haq_di,
)

MANY = settings(max_examples=1000, deadline=None)
ITEM_CODES = [code for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category]]

# Each item absent, None (both "not answered") or 0-3.
haq_items = st.fixed_dictionaries(
    {}, optional={code: st.one_of(st.none(), st.integers(0, 3)) for code in ITEM_CODES})
aid_lists = st.lists(st.sampled_from(sorted(HAQ_AIDS)), unique=True)
help_lists = st.lists(st.sampled_from(HAQ_CATEGORIES), unique=True)


def answered_categories(items: dict) -> int:
    return sum(any(items.get(code) is not None for code in HAQ_ITEMS[c]) for c in HAQ_CATEGORIES)


@MANY
@given(haq_items, aid_lists, help_lists)
def test_haq_di_stays_within_zero_to_three_and_is_none_below_six_categories(items, aids, help_):
    result = score_haq_di(items, aids, help_)

    if answered_categories(items) < 6:
        assert result.haq_di is None and result.haq_di_without_aids is None
        assert result.computable is False
    else:
        assert 0 <= result.haq_di <= 3
        assert 0 <= result.haq_di_without_aids <= result.haq_di
        assert result.computable is True
    assert result.categories_answered == answered_categories(items)


@MANY
@given(haq_items, aid_lists, help_lists, st.data())
def test_haq_di_never_falls_when_an_answer_worsens(items, aids, help_, data):
    worsenable = sorted(code for code, value in items.items() if value is not None and value < 3)
    assume(worsenable)
    code = data.draw(st.sampled_from(worsenable))
    worse = {**items, code: data.draw(st.integers(items[code] + 1, 3))}

    before, after = score_haq_di(items, aids, help_), score_haq_di(worse, aids, help_)

    assert before.computable == after.computable
    if before.computable:
        assert after.haq_di >= before.haq_di
        assert after.haq_di_without_aids >= before.haq_di_without_aids


@MANY
@given(haq_items, aid_lists, help_lists, st.sampled_from(sorted(HAQ_AIDS)), st.sampled_from(HAQ_CATEGORIES))
def test_haq_di_never_falls_when_an_aid_or_help_is_added(items, aids, help_, new_aid, new_help):
    before = score_haq_di(items, aids, help_)
    with_aid = score_haq_di(items, aids + [new_aid], help_)
    with_help = score_haq_di(items, aids, help_ + [new_help])

    assert with_aid.categories_answered == with_help.categories_answered == before.categories_answered
    if before.computable:
        assert with_aid.haq_di >= before.haq_di
        assert with_help.haq_di >= before.haq_di
        assert with_aid.haq_di_without_aids == with_help.haq_di_without_aids == before.haq_di_without_aids


# Core values on the grids clinics record: whole mRSS points, one decimal for FVC and
# the globals, three for the HAQ-DI.  Steps are in grid units.
GRID = {"mrss": Decimal(1), "fvc_pct": Decimal("0.1"), "pt_global": Decimal("0.1"),
        "md_global": Decimal("0.1"), "haq_di": Decimal("0.001")}
UNITS = {"mrss": 51, "fvc_pct": 2000, "pt_global": 100, "md_global": 100, "haq_di": 3000}
IMPROVES_UPWARD = {"fvc_pct"}


def value(item: str, units: int) -> float:
    return float(units * GRID[item])


core_units = st.fixed_dictionaries({item: st.integers(0, UNITS[item]) for item in CORE_ITEMS})
no_events = Step1(False, False, False, False)


def core_set(units: dict) -> CoreSet:
    return CoreSet(**{item: value(item, n) for item, n in units.items()})


@MANY
@given(core_units, core_units)
def test_criss_probability_is_between_zero_and_one(baseline, followup):
    result = acr_criss(core_set(baseline), core_set(followup), no_events)

    assert 0.0 <= result.criss <= 1.0
    assert result.improved == (result.criss >= 0.6)


@MANY
@given(core_units, core_units, st.sampled_from(CORE_ITEMS), st.data())
def test_criss_rises_when_any_core_item_improves_with_the_others_fixed(baseline, followup, item, data):
    upward = item in IMPROVES_UPWARD
    room = UNITS[item] - followup[item] if upward else followup[item]
    assume(room > 0)
    step = data.draw(st.integers(1, room))
    better = {**followup, item: followup[item] + step if upward else followup[item] - step}

    before = acr_criss(core_set(baseline), core_set(followup), no_events)
    after = acr_criss(core_set(baseline), core_set(better), no_events)

    assert after.linear_predictor > before.linear_predictor
    assert after.criss >= before.criss
    # Above L = 25 the probability is within 1e-11 of 1 and double precision saturates.
    if before.linear_predictor < 25:
        assert after.criss > before.criss


optional_core = st.fixed_dictionaries(
    {item: st.one_of(st.none(), st.integers(0, UNITS[item])) for item in CORE_ITEMS})
step1_answers = st.fixed_dictionaries({event: st.one_of(st.none(), st.booleans()) for event in STEP1_EVENTS})


def partial_core_set(units: dict) -> CoreSet:
    return CoreSet(**{item: None if n is None else value(item, n) for item, n in units.items()})


@MANY
@given(optional_core, optional_core, step1_answers, st.sampled_from(STEP1_EVENTS))
def test_criss_is_exactly_zero_whenever_a_step1_event_is_true(baseline, followup, answers, event):
    step1 = Step1(**{**answers, event: True})

    result = acr_criss(partial_core_set(baseline), partial_core_set(followup), step1)
    revised = revised_criss(partial_core_set(baseline), partial_core_set(followup), step1)

    assert result.criss == 0.0 and math.copysign(1, result.criss) == 1
    assert result.computable is True and result.improved is False
    assert revised.responder == {x: False for x in THRESHOLDS}


# Half the pairs have no Step-1 event, so that responders occur often enough to matter.
answered_step1 = st.one_of(
    st.just(dict.fromkeys(STEP1_EVENTS, False)),
    st.fixed_dictionaries({event: st.booleans() for event in STEP1_EVENTS}),
)


@MANY
@given(core_units, core_units, answered_step1, st.sampled_from(CORE_ITEMS), st.data())
def test_revised_criss_never_turns_responder_when_an_item_worsens(baseline, followup, answers, item, data):
    upward = item in IMPROVES_UPWARD
    room = followup[item] if upward else UNITS[item] - followup[item]
    assume(room > 0)
    step = data.draw(st.integers(1, room))
    worse = {**followup, item: followup[item] - step if upward else followup[item] + step}
    step1 = Step1(**answers)

    before = revised_criss(core_set(baseline), core_set(followup), step1)
    after = revised_criss(core_set(baseline), core_set(worse), step1)

    for x in THRESHOLDS:
        if not before.responder[x]:
            assert not after.responder[x], x
        assert after.improved_count[x] <= before.improved_count[x]
        assert after.worsened_count[x] >= before.worsened_count[x]


@MANY
@given(optional_core, optional_core, step1_answers, haq_items, aid_lists, help_lists)
def test_same_input_gives_the_same_output(baseline, followup, answers, items, aids, help_):
    step1 = Step1(**answers)

    def everything():
        return (
            acr_criss(partial_core_set(baseline), partial_core_set(followup), step1).to_dict(),
            revised_criss(partial_core_set(baseline), partial_core_set(followup), step1).to_dict(),
            score_haq_di(items, aids, help_).to_dict(),
        )

    assert everything() == everything()
