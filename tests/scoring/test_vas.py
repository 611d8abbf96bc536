"""VAS (spec section 2) and the 0-10 globals (spec section 3)."""
import pytest

from pro_app.scoring import ScoringInputError, global_0_10, validate_vas, vas_to_03


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (1, 0.03), (33, 0.99), (50, 1.5), (67, 2.01), (100, 3.0)])
def test_vas_is_reported_on_the_classic_zero_to_three_scale(value, expected):
    assert vas_to_03(value) == expected


def test_vas_keeps_a_whole_number_from_zero_to_one_hundred():
    assert validate_vas(0) == 0
    assert validate_vas(100) == 100
    assert validate_vas(42.0) == 42


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (101, "must be between 0 and 100"),
        (-1, "must be between 0 and 100"),
        (50.5, "must be a whole number from 0 to 100"),
        (True, "must be a number, not true/false"),
        ("50", "must be a number, not text"),
        (None, "is required"),
    ],
)
def test_bad_vas_value_is_rejected(value, problem):
    with pytest.raises(ScoringInputError) as raised:
        validate_vas(value, field="pain")

    assert str(raised.value) == f"pain: {problem}"


def test_global_collected_on_zero_to_ten_is_kept():
    assert global_0_10(7) == 7.0
    assert global_0_10(0) == 0.0


def test_global_collected_on_zero_to_one_hundred_is_divided_by_ten():
    assert global_0_10(73, scale=100) == 7.3
    assert global_0_10(100, scale=100) == 10.0


def test_global_above_ten_on_the_ten_point_scale_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^pt_global: must be between 0 and 10$"):
        global_0_10(11, field="pt_global")


def test_global_scale_other_than_ten_or_one_hundred_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^scale: must be 10 or 100$"):
        global_0_10(5, scale=5)
