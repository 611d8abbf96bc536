"""HAQ-DI (spec section 1): the public vectors and cases worked by hand from the rules."""
import pytest

from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS, ScoringInputError, score_haq_di
from tests.scoring.scoring_helpers import mismatches, vector_params

ALL_ZERO = {code: 0 for codes in HAQ_ITEMS.values() for code in codes}


def answers(**by_category: int) -> dict[str, int]:
    """The first item of each named category answered with the given value."""
    return {HAQ_ITEMS[category][0]: value for category, value in by_category.items()}


@pytest.mark.parametrize(("given", "expected"), vector_params("haq-di"))
def test_public_vector_reproduces(given, expected):
    result = score_haq_di(given["items"], given["aids"], given["help"])

    assert mismatches(expected, result.to_dict()) == []


def test_constants_follow_the_spec_order():
    assert HAQ_CATEGORIES == ("dressing", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities")
    assert HAQ_ITEMS["eating"] == ("cut_meat", "lift_cup", "open_carton")
    assert HAQ_ITEMS["activities"] == ("errands", "car_in_out", "chores")
    assert sum(len(codes) for codes in HAQ_ITEMS.values()) == 20
    assert HAQ_AIDS["jar_opener"] == "grip" and HAQ_AIDS["other"] is None
    assert {HAQ_AIDS[aid] for aid in ("cane", "walker", "crutches", "wheelchair")} == {"walking"}


def test_category_score_is_the_highest_answered_item():
    result = score_haq_di({"cut_meat": 0, "lift_cup": None, "open_carton": 2, **answers(dressing=0)})

    assert result.categories["eating"] == 2
    assert result.categories["dressing"] == 0


def test_aid_alone_does_not_answer_an_unanswered_category():
    six = answers(dressing=1, arising=1, eating=1, walking=1, hygiene=1, reach=1)

    result = score_haq_di(six, aids=["jar_opener"])

    assert result.categories["grip"] is None
    assert result.categories_answered == 6
    assert result.haq_di == 1.0
    assert result.missing_categories == ("grip", "activities")


def test_help_alone_does_not_answer_an_unanswered_category():
    six = answers(dressing=0, arising=0, eating=0, walking=0, hygiene=0, reach=0)

    result = score_haq_di(six, help=["grip", "activities"])

    assert result.categories_answered == 6
    assert result.haq_di == 0.0


def test_aid_other_never_changes_a_score():
    result = score_haq_di(ALL_ZERO, aids=["other"])

    assert result.haq_di == 0.0
    assert result.raised_by == {}
    assert result.aids_used == ("other",)


def test_help_raises_a_one_to_two():
    items = {**ALL_ZERO, "dress": 1}

    result = score_haq_di(items, help=["dressing"])

    assert result.categories["dressing"] == 2
    assert result.categories_without_aids["dressing"] == 1
    assert result.raised_by == {"dressing": ("help",)}
    assert result.haq_di == 0.25  # 2 / 8
    assert result.haq_di_without_aids == 0.125  # 1 / 8


def test_aid_raises_a_zero_to_two():
    result = score_haq_di(ALL_ZERO, aids=["cane"])

    assert result.categories["walking"] == 2
    assert result.raised_by == {"walking": ("cane",)}
    assert result.haq_di == 0.25


def test_help_and_aids_leave_a_three_at_three_and_are_not_listed_as_raising_it():
    items = {**ALL_ZERO, "faucets": 3, "dress": 2}

    result = score_haq_di(items, aids=["jar_opener", "dressing_devices"], help=["grip", "dressing"])

    assert result.categories["grip"] == 3
    assert result.categories["dressing"] == 2
    assert result.raised_by == {}
    assert result.haq_di == result.haq_di_without_aids == 0.625  # 5 / 8


def test_raised_by_names_every_aid_and_help_that_raised_the_category():
    items = {**ALL_ZERO, "toilet": 1}

    result = score_haq_di(items, aids=["bathtub_bar", "raised_toilet_seat", "cane"], help=["hygiene"])

    # Aids in HAQ_AIDS order, then help; walking (0 -> 2 by the cane) is listed too.
    assert result.raised_by == {
        "walking": ("cane",),
        "hygiene": ("raised_toilet_seat", "bathtub_bar", "help"),
    }


def test_exactly_six_answered_categories_are_computable():
    result = score_haq_di(answers(dressing=1, arising=1, eating=1, walking=1, hygiene=1, reach=0))

    assert result.computable is True
    assert result.haq_di == 0.833  # 5 / 6 = 0.8333...


def test_five_answered_categories_are_not_computable_and_not_zero():
    result = score_haq_di(answers(dressing=0, arising=0, eating=0, walking=0, hygiene=0))

    assert result.computable is False
    assert result.haq_di is None
    assert result.haq_di_without_aids is None
    assert result.categories_answered == 5


def test_seven_answered_categories_use_seven_as_the_divisor():
    result = score_haq_di(answers(dressing=1, arising=1, eating=0, walking=0, hygiene=0, reach=0, grip=0))

    assert result.categories_answered == 7
    assert result.haq_di == 0.286  # 2 / 7 = 0.2857...


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((1, 0, 0, 0, 0, 0), 0.167),  # 1/6 = 0.1667: 3 decimals, not the 0.125 step below it
        ((1, 1, 0, 0, 0, 0), 0.333),  # 2/6
        ((3, 3, 3, 1, 0, 0, 0), 1.429),  # 10/7 = 1.42857...
        ((1, 1, 1, 1, 0, 0, 0), 0.571),  # 4/7 = 0.5714...
        ((1, 0, 0, 0, 0, 0, 0, 0), 0.125),  # 1/8 needs no rounding
        ((3, 3, 3, 3, 3, 2, 2, 2), 2.625),
    ],
)
def test_index_is_rounded_to_three_decimals_not_to_steps(scores, expected):
    items = answers(**dict(zip(HAQ_CATEGORIES, scores)))

    result = score_haq_di(items)

    assert result.haq_di == expected


def test_none_means_not_answered():
    items = {**ALL_ZERO, "car_doors": None, "open_jars": None, "faucets": None}

    result = score_haq_di(items)

    assert result.categories["grip"] is None
    assert result.categories_answered == 7
    assert result.items_used["faucets"] is None


def test_whole_number_floats_are_accepted_as_answers():
    result = score_haq_di({**ALL_ZERO, "dress": 2.0})

    assert result.categories["dressing"] == 2
    assert isinstance(result.items_used["dress"], int)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (4, "must be between 0 and 3"),
        (-1, "must be between 0 and 3"),
        (2.5, "must be a whole number from 0 to 3"),
        (True, "must be a number, not true/false"),
        ("2", "must be a number, not text"),
        (float("nan"), "must be a finite number"),
    ],
)
def test_bad_item_value_is_rejected_naming_the_item(value, problem):
    with pytest.raises(ScoringInputError) as raised:
        score_haq_di({**ALL_ZERO, "dress": value})

    assert raised.value.field == "items.dress"
    assert raised.value.problem == problem
    assert str(raised.value) == f"items.dress: {problem}"


def test_unknown_item_code_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^items\.dress_1: unknown item code$"):
        score_haq_di({**ALL_ZERO, "dress_1": 1})


def test_unknown_aid_code_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^aids: unknown aid code 'scooter'$"):
        score_haq_di(ALL_ZERO, aids=["cane", "scooter"])


def test_unknown_help_category_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^help: unknown category 'walk'$"):
        score_haq_di(ALL_ZERO, help=["walk"])


def test_a_single_string_of_aids_is_rejected_rather_than_read_letter_by_letter():
    with pytest.raises(ScoringInputError, match=r"^aids: must be a list"):
        score_haq_di(ALL_ZERO, aids="cane")


def test_result_to_dict_uses_the_vector_field_names_and_states_the_convention():
    data = score_haq_di(ALL_ZERO, aids=["cane"]).to_dict()

    assert {"haq_di", "haq_di_without_aids", "categories", "categories_answered"} <= set(data)
    assert data["raised_by"] == {"walking": ["cane"]}
    assert "not rounded to 0.125 steps" in data["convention"]
    assert "fewer than 6 of 8" in data["convention"]
